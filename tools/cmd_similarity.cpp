// roformer similarity: cosine similarity of the embeddings of text pairs.
#include <cstdio>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "tools/cli.hpp"
#include "tools/embedding.hpp"

namespace roformer::cli {
namespace {

struct SimilarityOptions {
  TextInputOptions input;
  std::string model;
  EmbeddingOptions embedding;
};

// What the arguments gave instead of a pair, for the usage error.
std::string what_was_given(const TextInputOptions& input) {
  const size_t count = input.texts.size();
  if (count == 0 && input.file.empty()) {
    return "no TEXT arguments (lines on stdin without --jsonl are single texts, not pairs)";
  }
  if (count == 0) return "--file without --jsonl (its plain lines are single texts, not pairs)";
  return std::to_string(count) + (count == 1 ? " TEXT argument" : " TEXT arguments") +
         (input.file.empty() ? "" : " and --file");
}

// A line's "text" and a "text_pair" it must have; the reader names the line a problem is on
// ("stdin line 3: ..."), as for every other command's input lines.
std::string text_and_pair(const nlohmann::json& object, TextItem& item) {
  std::string problem = text_and_optional_pair(object, item);
  if (problem.empty() && !item.pair) {
    problem = "no \"text_pair\" (similarity compares each \"text\" with its \"text_pair\")";
  }
  return problem;
}

// Two TEXT arguments are one pair; otherwise JSON lines with text and text_pair.
std::vector<TextItem> read_pairs(const TextInputOptions& input) {
  if (!input.jsonl && input.texts.size() == 2 && input.file.empty()) {
    return {{input.texts[0], input.texts[1]}};
  }
  if (!input.jsonl) {
    fail(ErrorCode::kInvalidArgument, "similarity takes a pair as 2 TEXT arguments, or pairs as "
         "--jsonl lines with \"text\" and \"text_pair\" (arguments, --file or stdin); got ",
         what_was_given(input));
  }
  return read_text_inputs(input, text_and_pair);
}

int run_similarity(const SimilarityOptions& options) {
  auto pairs = read_pairs(options.input);
  auto model = Model::load(resolve_model_path(options.model));
  std::vector<TextItem> singles;
  for (const auto& pair : pairs) {
    singles.push_back({pair.text, std::nullopt});
    singles.push_back({*pair.pair, std::nullopt});
  }
  auto embeddings = embed_texts(model, singles, options.embedding, "similarity");
  for (size_t i = 0; i < pairs.size(); ++i) {
    float similarity = heads::cosine_similarity(embeddings[2 * i], embeddings[2 * i + 1]);
    std::puts(json_line({{"similarity", similarity}}).c_str());
  }
  log_at(LogLevel::kInfo, "similarity: ", counted(pairs.size(), "pair"));
  return 0;
}

}  // namespace

Command add_similarity(CLI::App& parent) {
  auto options = std::make_shared<SimilarityOptions>();
  auto* command = parent.add_subcommand(
      "similarity", "Cosine similarity of text pairs' embeddings; one JSON object {similarity} "
                    "per pair (two TEXT arguments, or --jsonl lines with text and text_pair)");
  command->add_option("text", options->input.texts,
                      "Two texts to compare; with --jsonl, JSON objects {text, text_pair}, one "
                      "pair each");
  command
      ->add_option("-f,--file", options->input.file,
                   "Read --jsonl lines {text, text_pair} from this file ('-' = stdin)")
      ->check(non_empty_path());
  command->add_flag("--jsonl", options->input.jsonl,
                    "Input lines (TEXT arguments, --file or stdin) are JSON objects with \"text\" "
                    "and \"text_pair\"; without it, only two TEXT arguments are read");
  add_model_option(*command, options->model, /*required=*/false);
  add_embedding_options(*command, options->embedding);
  return {command, [options] { return run_similarity(*options); }};
}

}  // namespace roformer::cli
