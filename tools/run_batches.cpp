#include "tools/run_batches.hpp"

#include <algorithm>
#include <cmath>

#include "engine/cpu_features.hpp"
#include "engine/error.hpp"
#include "engine/log.hpp"
#include "tools/standard_streams.hpp"
#include "tools/text_reader.hpp"

namespace roformer::cli {

std::vector<SequenceOutput> run_in_batches(Session& session, EncodedBatch& encoded, int batch_size,
                                           const RunOptions& options, const char* what,
                                           const std::function<void(size_t)>& batch_done) {
  std::vector<SequenceOutput> outputs(encoded.sequences.size());
  const auto batches = length_sorted_batches(encoded, batch_size);
  if (!batches.empty()) {
    // Batches are sorted longest first, so the first is the largest shape.
    log_at(LogLevel::kInfo, what, ": ", counted(outputs.size(), "text"), " in ",
           counted(batches.size(), "batch", "batches"), "; largest ", batches.front().size(), " x ",
           counted(encoded.sequences[batches.front().front()].input_ids.size(), "token"));
  }
  size_t done = 0;
  for (size_t b = 0; b < batches.size(); ++b) {
    const auto& group = batches[b];
    std::vector<SequenceInput> batch;
    for (size_t index : group) batch.push_back(std::move(encoded.sequences[index]));
    log_at(LogLevel::kDebug, what, ": batch ", b + 1, " of ", batches.size(), ": ", batch.size(),
           " x ", counted(batch.front().input_ids.size(), "token"));
    auto results = session.run(batch, options);
    for (size_t i = 0; i < group.size(); ++i) outputs[group[i]] = std::move(results[i]);
    done += group.size();
    if (batch_done) batch_done(done);
  }
  return outputs;
}

void refuse_text_pairs(const std::vector<TextItem>& items, size_t first, const char* command,
                       const char* hint) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].pair) {
      fail(ErrorCode::kBadInput, command, " takes single texts, but ",
           input_label(items[i], first + i + 1), " has a \"text_pair\"", hint);
    }
  }
}

void run_text_chunks(const TextInputOptions& input, const std::shared_ptr<const Model>& model,
                     const ChunkedRun& run, const ChunkOutput& output) {
  TextReader reader(input);
  TextEncoder encoder(*model, run.max_length, run.run_options.threads);
  Session session(model);
  log_run_setup(run.what, run.run_options.threads);
  Progress progress(run.what);
  const size_t chunk_size = std::max(kTextsPerChunk, static_cast<size_t>(run.batch_size));
  size_t first = 0;
  double read_before = 0.0;  // the share of the input read before this chunk
  for (auto items = reader.next(chunk_size); !items.empty(); items = reader.next(chunk_size)) {
    if (run.check) run.check(items, first);
    EncodedBatch encoded = encoder.encode(items, first);
    // The bar moves through the chunk's share of the input as its batches finish.
    const double read_after = reader.fraction_read();
    auto batch_done = [&](size_t done) {
      const double share = double(done) / double(items.size());
      const bool known = read_before >= 0.0 && read_after >= 0.0;  // else only the count shows
      progress.advance(known ? read_before + (read_after - read_before) * share : -1.0,
                       first + done);
    };
    auto outputs =
        run_in_batches(session, encoded, run.batch_size, run.run_options, run.what, batch_done);
    output(items, encoded, outputs, first);
    require_stdout_written();
    first += items.size();
    read_before = read_after;
  }
  progress.finish();
  encoder.finish();
  log_at(LogLevel::kInfo, run.what, ": ", counted(first, "text"));
}

void log_run_setup(const char* what, int threads) {
  log_at(LogLevel::kInfo, what, ": ", kernels::isa_name(active_kernels().isa), " kernels (CPU has ",
         cpu_isa_summary(), "), ", counted(threads, "thread"));
}

void require_head(const Model& model, HeadKind head, const char* command) {
  if (model.config().head != head) {
    fail(ErrorCode::kBadInput, model.path(), " has a ", head_kind_name(model.config().head),
         " head; ", command, " needs a ", head_kind_name(head), " model");
  }
}

void require_finite(const std::vector<float>& values, const char* item, size_t number) {
  const bool finite =
      std::all_of(values.begin(), values.end(), [](float value) { return std::isfinite(value); });
  if (!finite) {
    fail(ErrorCode::kBadModel, "model output is not finite (NaN or infinity) for ", item, " ",
         number);
  }
}

}  // namespace roformer::cli
