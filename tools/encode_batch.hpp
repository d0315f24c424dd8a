// Texts -> token ids for the subcommands that run the model, and the length-sorted batching that
// keeps padding out of every batch.
#pragma once

#include <vector>

#include "model/executor.hpp"
#include "tools/cli.hpp"

namespace roformer::cli {

struct EncodedBatch {
  std::vector<Encoding> encodings;       // one per text, in input order
  std::vector<SequenceInput> sequences;  // the same ids, ready for the executor
  size_t truncated = 0;                  // how many texts max_length shortened
};

// --threads, --batch-size and --max-length.
void add_run_options(CLI::App& command, int& threads, int& batch_size, int& max_length);

// Texts -> ids a chunk at a time with one length limit: --max-length when given (warning once
// when it exceeds the trained length), else the model's default. finish() logs, once for the
// whole input, how many texts were truncated or held invalid UTF-8.
class TextEncoder {
 public:
  TextEncoder(const Model& model, int max_length, int threads);
  // `first`: the input number (from 0) of items[0], for messages.
  EncodedBatch encode(const std::vector<TextItem>& items, size_t first);
  void finish() const;

 private:
  const Model& model_;
  size_t limit_;
  bool limit_from_model_;  // no --max-length: limit_ is the model's default
  int threads_;
  size_t texts_ = 0, truncated_ = 0, invalid_utf8_ = 0;
};

// Every text of `items` through one TextEncoder, its warnings logged.
EncodedBatch encode_texts(const Model& model, const std::vector<TextItem>& items, int max_length,
                          int threads);
// --max-length when given (requested > 0), else the model's default, at least the 2 tokens of
// [CLS] and [SEP].
size_t effective_max_length(const Model& model, int requested);
// The model's field its default length comes from ("model_max_length" or
// "max_position_embeddings"), and the field's value.
std::pair<const char*, int> default_length_source(const ModelConfig& config);

// Indices of `encoded` grouped into batches of similar length (longest first), each at most
// batch_size texts; every index appears once.
std::vector<std::vector<size_t>> length_sorted_batches(const EncodedBatch& encoded, int batch_size);

}  // namespace roformer::cli
