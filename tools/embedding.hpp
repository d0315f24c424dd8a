// Sentence embeddings for `embed` and `similarity`: the pooling option and the batched run.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/heads/pooling.hpp"
#include "tools/cli.hpp"

namespace roformer::cli {

struct EmbeddingOptions {
  std::string pooling;  // "" = pooler when the model has one, else mean
  bool normalize = false;
  int threads = 1;
  int batch_size = 32;
  int max_length = 0;
};

// --pooling, --normalize and the run options.
void add_embedding_options(CLI::App& command, EmbeddingOptions& options);

// One embedding per text (single texts; a pair is refused), in input order: all of `items` at
// once, or the input streamed a chunk at a time, each chunk's embeddings handed to `output`.
// `what` names the command in -v logs.
std::vector<std::vector<float>> embed_texts(const std::shared_ptr<const Model>& model,
                                            const std::vector<TextItem>& items,
                                            const EmbeddingOptions& options, const char* what);
void embed_text_chunks(const TextInputOptions& input, const std::shared_ptr<const Model>& model,
                       const EmbeddingOptions& options,
                       const std::function<void(std::vector<std::vector<float>>&)>& output);

}  // namespace roformer::cli
