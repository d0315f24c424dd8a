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

int run_tag(const TagOptions& options) {
  auto model = Model::load(resolve_model_path(options.model));
  require_head(*model, HeadKind::kTokenClassification, "tag");
  const auto& labels = model->config().labels;
  auto items = read_text_inputs(options.input);
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].pair) {
      fail(ErrorCode::kBadInput, "tag takes single texts, but input ", i + 1, " has a \"text_pair\"");
    }
  }
  EncodedBatch encoded = encode_texts(*model, items, options.max_length, options.threads);

  Session session(model);
  RunOptions run_options;
  run_options.threads = options.threads;
  run_options.pooler = false;
  auto outputs = run_in_batches(session, encoded, options.batch_size, run_options, "tag");
  for (size_t i = 0; i < items.size(); ++i) require_finite(outputs[i].logits, "text", i + 1);

  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& text = items[i].text;
    auto words = heads::tag_words(encoded.encodings[i], outputs[i].logits, labels.size());
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
  return 0;
}

}  // namespace

Command add_tag(CLI::App& parent) {
  auto options = std::make_shared<TagOptions>();
  auto* command = parent.add_subcommand(
      "tag", "Tag tokens with a token-classification model; one JSON object per text: "
             "{entities: [{label, score, start, end, text}], words: [...]}, offsets [start, end) "
             "in code points of the text");
  add_text_input_options(*command, options->input);
  add_model_option(*command, options->model, /*required=*/false);
  add_run_options(*command, options->threads, options->batch_size, options->max_length);
  return {command, [options] { return run_tag(*options); }};
}

}  // namespace roformer::cli
