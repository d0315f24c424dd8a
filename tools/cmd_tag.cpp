// roformer tag: token classification; word pieces grouped into words, words into entities.
#include <cstdio>

#include "engine/error.hpp"
#include "model/heads/entities.hpp"
#include "model/heads/text_span.hpp"
#include "tools/cli.hpp"
#include "tools/run_batches.hpp"

namespace roformer::cli {
namespace {

struct TagOptions {
  TextInputOptions input;
  std::string model;
  int threads = 1;
  int batch_size = 32;
  int max_length = 0;
};

// One line: the words with their labels, and the entities grouped from them.
void print_tags(const std::string& text, const Encoding& encoding, const std::vector<float>& logits,
                const std::vector<std::string>& labels) {
  auto words = heads::tag_words(encoding, logits, labels.size());
  nlohmann::json word_list = nlohmann::json::array();
  for (const auto& word : words) {
    word_list.push_back({{"text", heads::code_point_substring(text, word.start, word.end)},
                         {"label", labels[word.label]},
                         {"score", word.score},
                         {"start", word.start},
                         {"end", word.end}});
  }
  nlohmann::json entity_list = nlohmann::json::array();
  for (const auto& entity : heads::group_entities(words, labels, text)) {
    entity_list.push_back({{"label", entity.label},
                           {"score", entity.score},
                           {"start", entity.start},
                           {"end", entity.end},
                           {"text", entity.text}});
  }
  std::puts(json_line({{"entities", entity_list}, {"words", word_list}}).c_str());
}

int run_tag(const TagOptions& options) {
  const std::string path =
      resolve_head_model_path(options.model, "tag", HeadKind::kTokenClassification);
  auto model = Model::load(path);
  require_head(*model, HeadKind::kTokenClassification, "tag");
  const auto& labels = model->config().labels;
  ChunkedRun run("tag", options.threads, options.batch_size, options.max_length);
  run.run_options.pooler = false;
  run.check = [](const std::vector<TextItem>& items, size_t first) {
    refuse_text_pairs(items, first, "tag");
  };

  run_text_chunks(options.input, model, run,
                  [&](const std::vector<TextItem>& items, const EncodedBatch& encoded,
                      const std::vector<SequenceOutput>& outputs, size_t first) {
                    for (size_t i = 0; i < items.size(); ++i) {
                      require_finite(outputs[i].logits, "text", first + i + 1);
                    }
                    for (size_t i = 0; i < items.size(); ++i) {
                      print_tags(items[i].text, encoded.encodings[i], outputs[i].logits, labels);
                    }
                  });
  return 0;
}

}  // namespace

Command add_tag(CLI::App& parent) {
  auto options = std::make_shared<TagOptions>();
  auto* command = parent.add_subcommand(
      "tag",
      "Tag tokens with a token-classification model; one JSON object per text: "
      "{entities: [{label, score, start, end, text}], words: [...]}, offsets [start, end) "
      "in code points of the text");
  add_text_input_options(*command, options->input);
  add_head_model_option(*command, options->model, HeadKind::kTokenClassification);
  add_run_options(*command, options->threads, options->batch_size, options->max_length);
  return {command, [options] { return run_tag(*options); }};
}

}  // namespace roformer::cli
