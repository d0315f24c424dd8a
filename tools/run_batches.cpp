#include "tools/run_batches.hpp"

#include <algorithm>
#include <cmath>

#include "engine/cpu_features.hpp"
#include "engine/error.hpp"
#include "engine/log.hpp"

namespace roformer::cli {

std::vector<SequenceOutput> run_in_batches(Session& session, EncodedBatch& encoded, int batch_size,
                                           const RunOptions& options, const char* what) {
  std::vector<SequenceOutput> outputs(encoded.sequences.size());
  const auto batches = length_sorted_batches(encoded, batch_size);
  log_run_setup(what, options.threads);
  if (!batches.empty()) {
    // Batches are sorted longest first, so the first is the largest shape.
    log_at(LogLevel::kInfo, what, ": ", outputs.size(), " texts in ", batches.size(),
           batches.size() == 1 ? " batch" : " batches", "; largest ", batches.front().size(), " x ",
           encoded.sequences[batches.front().front()].input_ids.size(), " tokens");
  }
  Progress progress(outputs.size(), what);
  size_t done = 0;
  for (size_t b = 0; b < batches.size(); ++b) {
    const auto& group = batches[b];
    std::vector<SequenceInput> batch;
    for (size_t index : group) batch.push_back(std::move(encoded.sequences[index]));
    log_at(LogLevel::kDebug, what, ": batch ", b + 1, " of ", batches.size(), ": ", batch.size(),
           " x ", batch.front().input_ids.size(), " tokens");
    auto results = session.run(batch, options);
    for (size_t i = 0; i < group.size(); ++i) outputs[group[i]] = std::move(results[i]);
    done += group.size();
    progress.advance(done);
  }
  return outputs;
}

void log_run_setup(const char* what, int threads) {
  log_at(LogLevel::kInfo, what, ": ", kernels::isa_name(active_kernels().isa), " kernels (CPU has ",
         cpu_isa_summary(), "), ", threads, threads == 1 ? " thread" : " threads");
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
