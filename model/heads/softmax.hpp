// Probabilities for reporting (fill-mask scores, tag scores, answer scores): a softmax over one
// row of logits, summed in double. Not a kernel; rows here are at most a vocabulary long.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace roformer::heads {

// logits: [count] -> probabilities: [count], summing to 1.
inline std::vector<float> softmax(const float* logits, size_t count) {
  std::vector<float> probabilities(count);
  if (count == 0) return probabilities;
  const float peak = *std::max_element(logits, logits + count);
  double sum = 0.0;
  for (size_t i = 0; i < count; ++i) sum += std::exp(double(logits[i]) - peak);
  for (size_t i = 0; i < count; ++i) {
    probabilities[i] = static_cast<float>(std::exp(double(logits[i]) - peak) / sum);
  }
  return probabilities;
}

}  // namespace roformer::heads
