#include "model/heads/pooling.hpp"

#include <cmath>

#include "engine/error.hpp"

namespace roformer::heads {

Pooling parse_pooling(const std::string& name) {
  if (name == "pooler") return Pooling::kPooler;
  if (name == "cls") return Pooling::kCls;
  if (name == "mean") return Pooling::kMean;
  fail(ErrorCode::kInvalidArgument, "pooling must be pooler, cls or mean, got \"", name, "\"");
}

const char* pooling_name(Pooling pooling) {
  switch (pooling) {
    case Pooling::kPooler: return "pooler";
    case Pooling::kCls: return "cls";
    case Pooling::kMean: return "mean";
  }
  return "?";
}

RunOptions run_options_for(Pooling pooling, const ModelConfig& config, int threads) {
  if (pooling == Pooling::kPooler && !config.has_pooler) {
    fail(ErrorCode::kUnsupported, config.name, " has no pooler (pooler.dense.* was not in the "
         "checkpoint); use cls or mean pooling");
  }
  RunOptions options;
  options.threads = threads;
  options.head = false;
  options.pooler = pooling == Pooling::kPooler;
  options.last_hidden_state = pooling != Pooling::kPooler;
  return options;
}

std::vector<float> pool_sequence(Pooling pooling, const SequenceOutput& output, size_t hidden,
                                 const std::vector<uint8_t>& mask) {
  if (pooling == Pooling::kPooler) {
    if (output.pooler_output.size() != hidden) {
      fail(ErrorCode::kInvalidArgument, "pool_sequence: pooler_output has ",
           output.pooler_output.size(), " values, expected ", hidden);
    }
    return output.pooler_output;
  }
  // states: [length, hidden]
  const std::vector<float>& states = output.last_hidden_state;
  const size_t length = hidden == 0 ? 0 : states.size() / hidden;
  if (length == 0 || states.size() != length * hidden || (!mask.empty() && mask.size() != length)) {
    fail(ErrorCode::kInvalidArgument, "pool_sequence: last_hidden_state has ", states.size(),
         " values for hidden ", hidden, " and a mask of ", mask.size());
  }
  if (pooling == Pooling::kCls) return {states.begin(), states.begin() + hidden};
  std::vector<double> sum(hidden, 0.0);
  size_t real = 0;
  for (size_t t = 0; t < length; ++t) {
    if (!mask.empty() && mask[t] == 0) continue;
    ++real;
    for (size_t h = 0; h < hidden; ++h) sum[h] += states[t * hidden + h];
  }
  std::vector<float> mean(hidden, 0.0f);
  for (size_t h = 0; real > 0 && h < hidden; ++h) mean[h] = static_cast<float>(sum[h] / real);
  return mean;
}

void l2_normalize(std::vector<float>& v) {
  double squares = 0.0;
  for (float x : v) squares += double(x) * x;
  if (squares == 0.0) return;
  const double inverse = 1.0 / std::sqrt(squares);
  for (float& x : v) x = static_cast<float>(x * inverse);
}

float cosine_similarity(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) {
    fail(ErrorCode::kInvalidArgument, "cosine_similarity: sizes ", a.size(), " and ", b.size());
  }
  double dot = 0.0, aa = 0.0, bb = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  if (aa == 0.0 || bb == 0.0) return 0.0f;
  return static_cast<float>(dot / std::sqrt(aa * bb));
}

}  // namespace roformer::heads
