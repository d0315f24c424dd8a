// roformer classify: label texts with a sequence-classification model.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "model/executor.hpp"
#include "tools/cli.hpp"
#include "tools/run_batches.hpp"

namespace roformer::cli {
namespace {

struct ClassifyOptions {
  TextInputOptions input;
  std::string model;
  std::string format = "json";
  int threads = 1;
  int batch_size = 32;
  int max_length = 0;
};

std::vector<float> softmax(const std::vector<float>& logits) {
  std::vector<float> probabilities(logits.size());
  float peak = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) sum += std::exp(double(logits[i] - peak));
  for (size_t i = 0; i < logits.size(); ++i) {
    probabilities[i] = static_cast<float>(std::exp(double(logits[i] - peak)) / sum);
  }
  return probabilities;
}

// One line: the best label and its score, then every label's score (tsv or JSON).
void print_scores(const ModelConfig& config, const std::vector<float>& logits,
                  const std::string& format) {
  auto scores = softmax(logits);
  size_t best = std::max_element(scores.begin(), scores.end()) - scores.begin();
  if (format == "tsv") {
    std::string line = config.labels[best] + "\t" + std::to_string(scores[best]);
    for (float score : scores) line += "\t" + std::to_string(score);
    std::puts(line.c_str());
    return;
  }
  nlohmann::json all = nlohmann::json::object();
  for (size_t l = 0; l < scores.size(); ++l) all[config.labels[l]] = scores[l];
  std::puts(json_line({{"label", config.labels[best]}, {"score", scores[best]}, {"scores", all}})
                .c_str());
}

int run_classify(const ClassifyOptions& options) {
  auto model = Model::load(resolve_model_path(options.model));
  const ModelConfig& config = model->config();
  if (config.head != HeadKind::kSequenceClassification) {
    fail(ErrorCode::kBadInput, model->path(), " has a ", head_kind_name(config.head),
         " head; classify needs a sequence_classification model");
  }
  ChunkedRun run("classify", options.threads, options.batch_size, options.max_length);
  run_text_chunks(options.input, model, run,
                  [&](const std::vector<TextItem>& items, const EncodedBatch&,
                      const std::vector<SequenceOutput>& outputs, size_t first) {
                    for (size_t i = 0; i < items.size(); ++i) {
                      require_finite(outputs[i].logits, "text", first + i + 1);
                    }
                    for (const auto& output : outputs)
                      print_scores(config, output.logits, options.format);
                  });
  return 0;
}

}  // namespace

Command add_classify(CLI::App& parent) {
  auto options = std::make_shared<ClassifyOptions>();
  auto* command = parent.add_subcommand(
      "classify", "Label texts with a sequence-classification model; one JSON object per text");
  add_text_input_options(*command, options->input);
  add_model_option(*command, options->model, /*required=*/false);
  command->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"json", "tsv"}))
      ->default_str("json");
  add_run_options(*command, options->threads, options->batch_size, options->max_length);
  return {command, [options] { return run_classify(*options); }};
}

}  // namespace roformer::cli
