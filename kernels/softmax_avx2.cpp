// softmax: x: [n] in place. x = exp(x - max) / sum(exp(x - max)).
// Three passes (max; exp and sum; scale); tails use masked loads, with -inf in the masked-off lanes
// of the max pass. A row that is all -inf becomes all zeros rather than NaN.
#include <limits>

#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx2.hpp"

namespace roformer::kernels::avx2 {

void softmax(float* x, size_t n) {
  if (n == 0) return;
  const size_t full = n / kLanes * kLanes;
  const size_t remaining = n - full;
  const __m256i mask = tail_mask(remaining);
  const __m256 minus_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());

  __m256 max_lanes = minus_inf;
  for (size_t i = 0; i < full; i += kLanes)
    max_lanes = _mm256_max_ps(max_lanes, _mm256_loadu_ps(x + i));
  if (remaining > 0) {
    const __m256 tail =
        _mm256_blendv_ps(minus_inf, _mm256_maskload_ps(x + full, mask), _mm256_castsi256_ps(mask));
    max_lanes = _mm256_max_ps(max_lanes, tail);
  }
  const float max = hmax(max_lanes);
  if (max == -std::numeric_limits<float>::infinity()) {
    for (size_t i = 0; i < full; i += kLanes) _mm256_storeu_ps(x + i, _mm256_setzero_ps());
    if (remaining > 0) _mm256_maskstore_ps(x + full, mask, _mm256_setzero_ps());
    return;
  }

  const __m256 m = _mm256_set1_ps(max);
  __m256 sum = _mm256_setzero_ps();
  for (size_t i = 0; i < full; i += kLanes) {
    const __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
    _mm256_storeu_ps(x + i, e);
    sum = _mm256_add_ps(sum, e);
  }
  if (remaining > 0) {
    const __m256 e =
        _mm256_and_ps(exp_nonpositive(_mm256_sub_ps(_mm256_maskload_ps(x + full, mask), m)),
                      _mm256_castsi256_ps(mask));
    _mm256_maskstore_ps(x + full, mask, e);
    sum = _mm256_add_ps(sum, e);
  }

  const __m256 inv_sum = _mm256_set1_ps(1.0f / hsum(sum));
  for (size_t i = 0; i < full; i += kLanes) {
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv_sum));
  }
  if (remaining > 0) {
    _mm256_maskstore_ps(x + full, mask, _mm256_mul_ps(_mm256_maskload_ps(x + full, mask), inv_sum));
  }
}

}  // namespace roformer::kernels::avx2
