// softmax: x: [n] in place. x = exp(x - max) / sum(exp(x - max)).
// Three passes (max; exp and sum; scale); tails use k-masks, with -inf in the masked-off lanes of
// the max pass. A row that is all -inf becomes all zeros rather than NaN.
#include <limits>

#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx512.hpp"

namespace roformer::kernels::avx512 {

void softmax(float* x, size_t n) {
  if (n == 0) return;
  const __m512 minus_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());

  __m512 max_lanes = minus_inf;
  for (size_t i = 0; i < n; i += kLanes) {
    const size_t remaining = n - i < kLanes ? n - i : kLanes;
    max_lanes =
        _mm512_max_ps(max_lanes, _mm512_mask_loadu_ps(minus_inf, tail_mask(remaining), x + i));
  }
  const float max = _mm512_reduce_max_ps(max_lanes);
  if (max == -std::numeric_limits<float>::infinity()) {
    for (size_t i = 0; i < n; i += kLanes) {
      const size_t remaining = n - i < kLanes ? n - i : kLanes;
      _mm512_mask_storeu_ps(x + i, tail_mask(remaining), _mm512_setzero_ps());
    }
    return;
  }

  const __m512 m = _mm512_set1_ps(max);
  __m512 sum = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += kLanes) {
    const size_t remaining = n - i < kLanes ? n - i : kLanes;
    const __mmask16 mask = tail_mask(remaining);
    const __m512 e = _mm512_maskz_mov_ps(
        mask, exp_nonpositive(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + i), m)));
    _mm512_mask_storeu_ps(x + i, mask, e);
    sum = _mm512_add_ps(sum, e);
  }

  const __m512 inv_sum = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
  for (size_t i = 0; i < n; i += kLanes) {
    const size_t remaining = n - i < kLanes ? n - i : kLanes;
    const __mmask16 mask = tail_mask(remaining);
    _mm512_mask_storeu_ps(x + i, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x + i), inv_sum));
  }
}

}  // namespace roformer::kernels::avx512
