// Sentence embeddings for `embed` and `similarity`: the pooling option and the batched run.
#pragma once

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

// One embedding per text (single texts; a pair is refused), in input order.
std::vector<std::vector<float>> embed_texts(const std::shared_ptr<const Model>& model,
                                            const std::vector<TextItem>& items,
                                            const EmbeddingOptions& options);

}  // namespace roformer::cli
