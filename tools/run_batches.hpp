// Running encoded texts through the executor, for the subcommands that post-process a head.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "model/executor.hpp"
#include "tools/encode_batch.hpp"

namespace roformer::cli {

// Every text of `encoded` through `session` in length-sorted batches of at most batch_size;
// outputs in input order. Calls batch_done(texts) after each batch with the count done so far.
// Moves the sequences out of `encoded`.
std::vector<SequenceOutput> run_in_batches(Session& session, EncodedBatch& encoded, int batch_size,
                                           const RunOptions& options, const char* what,
                                           const std::function<void(size_t)>& batch_done = {});

// How a subcommand streams its texts through the model: run_text_chunks reads the input a chunk
// of max(kTextsPerChunk, batch_size) texts at a time, encodes it, runs it in length-sorted batches
// and hands it to the subcommand's output before reading the next, with a progress bar.
struct ChunkedRun {
  // A subcommand's --threads (the tokenizer's too), --batch-size and --max-length.
  ChunkedRun(const char* command, int threads, int batch, int length)
      : what(command), batch_size(batch), max_length(length) {
    run_options.threads = threads;
  }

  const char* what;        // the subcommand, for logs and the progress bar
  RunOptions run_options;  // threads is also the tokenizer's
  int batch_size;
  int max_length;
  // Optional: throws for texts the subcommand refuses, before they run. `first` is the input
  // number (from 0) of items[0].
  std::function<void(const std::vector<TextItem>& items, size_t first)> check;
};

using ChunkOutput =
    std::function<void(const std::vector<TextItem>& items, const EncodedBatch& encoded,
                       const std::vector<SequenceOutput>& outputs, size_t first)>;

// Throws kBadInput for the first text of `items` that has a text_pair: "<command> takes single
// texts, but input N has a "text_pair"<hint>". `first`: the input number (from 0) of items[0].
void refuse_text_pairs(const std::vector<TextItem>& items, size_t first, const char* command,
                       const char* hint = "");

void run_text_chunks(const TextInputOptions& input, const std::shared_ptr<const Model>& model,
                     const ChunkedRun& run, const ChunkOutput& output);

// With -v: the kernel ISA and the thread count `what` runs with.
void log_run_setup(const char* what, int threads);

// Throws kBadModel when `values` (the output for `item` `number`, counted from 1) holds a NaN
// or an infinity, which no label, token or answer could honestly be read from.
void require_finite(const std::vector<float>& values, const char* item, size_t number);

// Throws kBadInput naming the model's head when it is not `head`.
void require_head(const Model& model, HeadKind head, const char* command);

}  // namespace roformer::cli
