// Texts to encodings to forward passes, shared by every text job of the public Session.
#include <algorithm>
#include <numeric>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "model/api/api_internal.hpp"

namespace roformer::api {

void validate(const RunOptions& run, const char* options) {
  if (run.threads < 1 || run.threads > kMostThreads) {
    fail(ErrorCode::kInvalidArgument, options, "threads is ", run.threads, ", expected 1 to ",
         kMostThreads);
  }
  if (run.batch_size < 1) {
    fail(ErrorCode::kInvalidArgument, options, "batch_size is ", run.batch_size, ", expected >= 1");
  }
  // Two tokens, [CLS] and [SEP], are the shortest sequence a text becomes.
  if (run.max_length != 0 && run.max_length < 2) {
    fail(ErrorCode::kInvalidArgument, options, "max_length is ", run.max_length,
         ", expected 0 (the model's default) or >= 2");
  }
  if (static_cast<size_t>(run.max_length) > kMostTokens) {
    fail(ErrorCode::kInvalidArgument, options, "max_length is ", run.max_length,
         ", over the limit of ", kMostTokens, " tokens");
  }
}

namespace {

// Rotary angles exist for any position, so the texts run, but the model never saw positions past
// its trained ones: one warning per call, as raw ids and the command line's --max-length get.
void warn_past_trained_positions(const RunOptions& run, const ModelConfig& config) {
  if (run.max_length <= config.max_position_embeddings) return;
  log_at(roformer::LogLevel::kWarning, "max_length ", run.max_length, " exceeds the ",
         config.max_position_embeddings, " positions the model was trained on");
}

}  // namespace

std::vector<Encoding> encode_inputs(const roformer::Model& model, const std::vector<TextInput>& inputs,
                                    const RunOptions& run) {
  validate(run);
  warn_past_trained_positions(run, model.config());
  const size_t limit = run.max_length > 0 ? static_cast<size_t>(run.max_length)
                                          : static_cast<size_t>(model.config().default_max_length());
  std::vector<Encoding> encodings;
  encodings.reserve(inputs.size());
  size_t truncated = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TextInput& input = inputs[i];
    const auto pair = input.pair ? std::optional<std::string_view>(*input.pair) : std::nullopt;
    Encoding encoding = model.tokenizer().encode(*input.text, pair, run.truncate ? limit : 0);
    if (!run.truncate && encoding.input_ids.size() > limit) {
      fail(ErrorCode::kBadInput, "text ", i, " is ", encoding.input_ids.size(),
           " tokens long, over the limit of ", limit,
           " tokens (max_length); set truncate to cut it instead");
    }
    truncated += encoding.truncated ? 1 : 0;
    encodings.push_back(std::move(encoding));
  }
  if (truncated > 0) {
    log_at(roformer::LogLevel::kWarning, truncated, " of ", counted(inputs.size(), "text"), " ",
           was_or_were(truncated), " longer than ", limit, " tokens and ", was_or_were(truncated),
           " truncated");
  }
  return encodings;
}

std::vector<SequenceOutput> run_encodings(roformer::Session& session,
                                          const std::vector<Encoding>& encodings,
                                          const RunOptions& run, const roformer::RunOptions& what) {
  // Longest first, so every batch holds texts of similar length.
  std::vector<size_t> order(encodings.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return encodings[a].input_ids.size() > encodings[b].input_ids.size();
  });

  roformer::RunOptions options = what;
  options.threads = run.threads;
  std::vector<SequenceOutput> outputs(encodings.size());
  const size_t batch_size = static_cast<size_t>(run.batch_size);
  for (size_t begin = 0; begin < order.size(); begin += batch_size) {
    const size_t end = std::min(order.size(), begin + batch_size);
    std::vector<SequenceInput> batch;
    for (size_t i = begin; i < end; ++i) {
      const Encoding& encoding = encodings[order[i]];
      batch.push_back({encoding.input_ids, encoding.token_type_ids, {}});
    }
    auto results = session.run(batch, options);
    for (size_t i = begin; i < end; ++i) outputs[order[i]] = std::move(results[i - begin]);
  }
  return outputs;
}

void require_head(const roformer::Model& model, HeadKind expected, const char* call) {
  const HeadKind actual = model.config().head;
  if (actual != expected) {
    fail(ErrorCode::kBadModel, model.path(), " has a ", head_kind_name(actual), " head; ", call,
         " needs a ", head_kind_name(expected), " model");
  }
}

}  // namespace roformer::api
