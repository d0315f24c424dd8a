#include "model/heads/fill_mask.hpp"

#include <algorithm>
#include <numeric>

#include "engine/error.hpp"
#include "model/heads/softmax.hpp"

namespace roformer::heads {

std::vector<TokenCandidate> top_k_tokens(const float* scores, size_t vocab, size_t k) {
  const std::vector<float> probabilities = softmax(scores, vocab);
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  k = std::min(k, vocab);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  });
  std::vector<TokenCandidate> out(k);
  for (size_t i = 0; i < k; ++i) out[i] = {order[i], probabilities[order[i]]};
  return out;
}

std::vector<MaskFill> fill_masks(const std::vector<int32_t>& input_ids,
                                 const std::vector<float>& prediction_scores, size_t vocab,
                                 int32_t mask_id, size_t k) {
  if (prediction_scores.size() != input_ids.size() * vocab) {
    fail(ErrorCode::kInvalidArgument, "fill_masks: prediction_scores has ",
         prediction_scores.size(), " values, expected ", input_ids.size(), " x ", vocab);
  }
  std::vector<MaskFill> out;
  for (size_t t = 0; t < input_ids.size(); ++t) {
    if (input_ids[t] != mask_id) continue;
    out.push_back({t, top_k_tokens(prediction_scores.data() + t * vocab, vocab, k)});
  }
  return out;
}

}  // namespace roformer::heads
