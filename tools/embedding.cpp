#include "tools/embedding.hpp"

#include "engine/error.hpp"
#include "tools/run_batches.hpp"

namespace roformer::cli {

void add_embedding_options(CLI::App& command, EmbeddingOptions& options) {
  command.add_option("--pooling", options.pooling,
                     "pooler (dense on [CLS], sim models), cls, or mean over the real tokens "
                     "(default: pooler when the model has one, else mean)")
      ->check(CLI::IsMember({"pooler", "cls", "mean"}));
  command.add_flag("--normalize", options.normalize, "Scale each embedding to unit L2 norm");
  add_run_options(command, options.threads, options.batch_size, options.max_length);
}

std::vector<std::vector<float>> embed_texts(const std::shared_ptr<const Model>& model,
                                            const std::vector<TextItem>& items,
                                            const EmbeddingOptions& options) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].pair) {
      fail(ErrorCode::kBadInput, "embed takes single texts, but input ", i + 1,
           " has a \"text_pair\" (roformer similarity compares pairs)");
    }
  }
  const ModelConfig& config = model->config();
  const heads::Pooling pooling =
      options.pooling.empty() ? (config.has_pooler ? heads::Pooling::kPooler : heads::Pooling::kMean)
                              : heads::parse_pooling(options.pooling);
  const RunOptions run_options = heads::run_options_for(pooling, config, options.threads);
  EncodedBatch encoded = encode_texts(*model, items, options.max_length, options.threads);

  Session session(model);
  auto outputs = run_in_batches(session, encoded, options.batch_size, run_options, "embed");
  std::vector<std::vector<float>> embeddings(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    // Encodings carry no padding, so every token is real.
    embeddings[i] = heads::pool_sequence(pooling, outputs[i], config.hidden_size);
    require_finite(embeddings[i], "text", i + 1);
    if (options.normalize) heads::l2_normalize(embeddings[i]);
  }
  return embeddings;
}

}  // namespace roformer::cli
