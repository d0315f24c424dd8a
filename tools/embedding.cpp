#include "tools/embedding.hpp"

#include "engine/error.hpp"
#include "tools/run_batches.hpp"

namespace roformer::cli {

void add_embedding_options(CLI::App& command, EmbeddingOptions& options) {
  command
      .add_option("--pooling", options.pooling,
                  "pooler (dense on [CLS], sim models), cls, or mean over the real tokens "
                  "(default: pooler when the model has one, else mean)")
      ->check(CLI::IsMember({"pooler", "cls", "mean"}));
  command.add_flag("--normalize", options.normalize, "Scale each embedding to unit L2 norm");
  add_run_options(command, options.threads, options.batch_size, options.max_length);
}

namespace {

void refuse_pairs(const std::vector<TextItem>& items, size_t first) {
  refuse_text_pairs(items, first, "embed", " (roformer similarity compares pairs)");
}

heads::Pooling chosen_pooling(const ModelConfig& config, const EmbeddingOptions& options) {
  if (!options.pooling.empty()) return heads::parse_pooling(options.pooling);
  return config.has_pooler ? heads::Pooling::kPooler : heads::Pooling::kMean;
}

// The pooled (and, with --normalize, unit-length) embedding of each output.
std::vector<std::vector<float>> pool_outputs(const std::vector<SequenceOutput>& outputs,
                                             heads::Pooling pooling, const ModelConfig& config,
                                             bool normalize, size_t first) {
  std::vector<std::vector<float>> embeddings(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    // Encodings carry no padding, so every token is real.
    embeddings[i] = heads::pool_sequence(pooling, outputs[i], config.hidden_size);
    require_finite(embeddings[i], "text", first + i + 1);
    if (normalize) heads::l2_normalize(embeddings[i]);
  }
  return embeddings;
}

}  // namespace

std::vector<std::vector<float>> embed_texts(const std::shared_ptr<const Model>& model,
                                            const std::vector<TextItem>& items,
                                            const EmbeddingOptions& options, const char* what) {
  refuse_pairs(items, 0);
  const ModelConfig& config = model->config();
  const heads::Pooling pooling = chosen_pooling(config, options);
  const RunOptions run_options = heads::run_options_for(pooling, config, options.threads);
  EncodedBatch encoded = encode_texts(*model, items, options.max_length, options.threads);

  Session session(model);
  log_run_setup(what, options.threads);
  auto outputs = run_in_batches(session, encoded, options.batch_size, run_options, what);
  return pool_outputs(outputs, pooling, config, options.normalize, 0);
}

void embed_text_chunks(const TextInputOptions& input, const std::shared_ptr<const Model>& model,
                       const EmbeddingOptions& options,
                       const std::function<void(std::vector<std::vector<float>>&)>& output) {
  const ModelConfig& config = model->config();
  const heads::Pooling pooling = chosen_pooling(config, options);
  ChunkedRun run("embed", options.threads, options.batch_size, options.max_length);
  run.run_options = heads::run_options_for(pooling, config, options.threads);
  run.check = refuse_pairs;
  run_text_chunks(input, model, run,
                  [&](const std::vector<TextItem>&, const EncodedBatch&,
                      const std::vector<SequenceOutput>& outputs, size_t first) {
                    auto embeddings =
                        pool_outputs(outputs, pooling, config, options.normalize, first);
                    output(embeddings);
                  });
}

}  // namespace roformer::cli
