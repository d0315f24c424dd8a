// Running encoded texts through the executor, for the subcommands that post-process a head.
#pragma once

#include <vector>

#include "model/executor.hpp"
#include "tools/encode_batch.hpp"

namespace roformer::cli {

// Every text of `encoded` through `session` in length-sorted batches of at most batch_size, with
// a progress bar labelled `what`; outputs in input order. Moves the sequences out of `encoded`.
std::vector<SequenceOutput> run_in_batches(Session& session, EncodedBatch& encoded, int batch_size,
                                           const RunOptions& options, const char* what);

// With -v: the kernel ISA and the thread count `what` runs with.
void log_run_setup(const char* what, int threads);

// Throws kBadModel when `values` (the output for `item` `number`, counted from 1) holds a NaN
// or an infinity, which no label, token or answer could honestly be read from.
void require_finite(const std::vector<float>& values, const char* item, size_t number);

// Throws kBadInput naming the model's head when it is not `head`.
void require_head(const Model& model, HeadKind head, const char* command);

}  // namespace roformer::cli
