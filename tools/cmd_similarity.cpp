// roformer similarity: cosine similarity of the embeddings of text pairs.
#include <cstdio>

#include "engine/error.hpp"
#include "tools/cli.hpp"
#include "tools/embedding.hpp"

namespace roformer::cli {
namespace {

struct SimilarityOptions {
  TextInputOptions input;
  std::string model;
  EmbeddingOptions embedding;
};

// Two TEXT arguments are one pair; otherwise JSON lines with text and text_pair.
std::vector<TextItem> read_pairs(const TextInputOptions& input) {
  if (!input.jsonl && input.texts.size() == 2 && input.file.empty()) {
    return {{input.texts[0], input.texts[1]}};
  }
  if (!input.jsonl) {
    fail(ErrorCode::kInvalidArgument, "similarity compares one pair: expected 2 TEXT arguments, "
         "got ", input.texts.size(), input.file.empty() ? "" : " and --file",
         "; for more pairs use --jsonl with \"text\" and \"text_pair\" on each line");
  }
  auto items = read_text_inputs(input);
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].pair) {
      fail(ErrorCode::kBadInput, "similarity ", input_label(items[i], i + 1),
           " has no \"text_pair\"");
    }
  }
  return items;
}

int run_similarity(const SimilarityOptions& options) {
  auto pairs = read_pairs(options.input);
  auto model = Model::load(resolve_model_path(options.model));
  std::vector<TextItem> singles;
  for (const auto& pair : pairs) {
    singles.push_back({pair.text, std::nullopt});
    singles.push_back({*pair.pair, std::nullopt});
  }
  auto embeddings = embed_texts(model, singles, options.embedding);
  for (size_t i = 0; i < pairs.size(); ++i) {
    float similarity = heads::cosine_similarity(embeddings[2 * i], embeddings[2 * i + 1]);
    std::puts(json_line({{"similarity", similarity}}).c_str());
  }
  return 0;
}

}  // namespace

Command add_similarity(CLI::App& parent) {
  auto options = std::make_shared<SimilarityOptions>();
  auto* command = parent.add_subcommand(
      "similarity", "Cosine similarity of text pairs' embeddings; one JSON object {similarity} "
                    "per pair (two TEXT arguments, or --jsonl lines with text and text_pair)");
  add_text_input_options(*command, options->input);
  add_model_option(*command, options->model, /*required=*/false);
  add_embedding_options(*command, options->embedding);
  return {command, [options] { return run_similarity(*options); }};
}

}  // namespace roformer::cli
