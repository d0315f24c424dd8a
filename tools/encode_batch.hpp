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

// The length texts are truncated to: --max-length when given (warning when it exceeds the trained
// length), else the model's default. Prints one warning when any text was truncated.
EncodedBatch encode_texts(const Model& model, const std::vector<TextItem>& items, int max_length,
                          int threads);
size_t effective_max_length(const Model& model, int requested);

// Indices of `encoded` grouped into batches of similar length (longest first), each at most
// batch_size texts; every index appears once.
std::vector<std::vector<size_t>> length_sorted_batches(const EncodedBatch& encoded, int batch_size);

}  // namespace roformer::cli
