// Masked-LM post-processing: the most probable tokens at each [MASK].
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace roformer::heads {

struct TokenCandidate {
  int32_t id = 0;
  float score = 0.0f;  // softmax probability over the whole vocabulary
};

// scores: [vocab] -> the k most probable tokens, most probable first (ties: lower id first).
std::vector<TokenCandidate> top_k_tokens(const float* scores, size_t vocab, size_t k);

struct MaskFill {
  size_t position = 0;  // token index of the [MASK]
  std::vector<TokenCandidate> candidates;
};

// Every position of input_ids holding mask_id with its top k tokens, in order.
// prediction_scores: [length, vocab].
std::vector<MaskFill> fill_masks(const std::vector<int32_t>& input_ids,
                                 const std::vector<float>& prediction_scores, size_t vocab,
                                 int32_t mask_id, size_t k);

}  // namespace roformer::heads
