// softmax: x: [n] in place. x = exp(x - max) / sum(exp(x - max)).
// A row that is all -inf (every entry masked) becomes all zeros rather than NaN.
#include <cmath>
#include <limits>

#include "kernels/kernel_variants.hpp"

namespace roformer::kernels::scalar {

void softmax(float* x, size_t n) {
  if (n == 0) return;

  float max = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n; ++i) max = x[i] > max ? x[i] : max;
  if (max == -std::numeric_limits<float>::infinity()) {
    for (size_t i = 0; i < n; ++i) x[i] = 0.0f;
    return;
  }

  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv_sum = static_cast<float>(1.0 / sum);
  for (size_t i = 0; i < n; ++i) x[i] *= inv_sum;
}

}  // namespace roformer::kernels::scalar
