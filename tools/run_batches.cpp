#include "tools/run_batches.hpp"

#include "engine/error.hpp"

namespace roformer::cli {

std::vector<SequenceOutput> run_in_batches(Session& session, EncodedBatch& encoded, int batch_size,
                                           const RunOptions& options, const char* what) {
  std::vector<SequenceOutput> outputs(encoded.sequences.size());
  Progress progress(outputs.size(), what);
  size_t done = 0;
  for (const auto& group : length_sorted_batches(encoded, batch_size)) {
    std::vector<SequenceInput> batch;
    for (size_t index : group) batch.push_back(std::move(encoded.sequences[index]));
    auto results = session.run(batch, options);
    for (size_t i = 0; i < group.size(); ++i) outputs[group[i]] = std::move(results[i]);
    done += group.size();
    progress.advance(done);
  }
  return outputs;
}

void require_head(const Model& model, HeadKind head, const char* command) {
  if (model.config().head != head) {
    fail(ErrorCode::kBadInput, model.path(), " has a ", head_kind_name(model.config().head),
         " head; ", command, " needs a ", head_kind_name(head), " model");
  }
}

}  // namespace roformer::cli
