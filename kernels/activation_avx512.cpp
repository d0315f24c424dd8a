// bias_activation: x: [rows, n] in place, bias: [n] or null. x = act(x + bias).
// One loop per activation (the switch is outside the loop); the activations are the functors of
// simd_avx512.hpp, which the packed GEMM's epilogue shares (GELU is the exact erf form, x Phi(x),
// through a normal-tail approximation there). Tails use masked loads and stores.
#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx512.hpp"

namespace roformer::kernels::avx512 {

namespace {

template <typename Op>
void apply(float* x, const float* bias, size_t rows, size_t n, Op op) {
  for (size_t row = 0; row < rows; ++row) {
    float* x_row = x + row * n;
    size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      __m512 value = _mm512_loadu_ps(x_row + i);
      if (bias != nullptr) value = _mm512_add_ps(value, _mm512_loadu_ps(bias + i));
      _mm512_storeu_ps(x_row + i, op(value));
    }
    const size_t remaining = n - i;
    if (remaining > 0) {
      const __mmask16 mask = tail_mask(remaining);
      __m512 value = _mm512_maskz_loadu_ps(mask, x_row + i);
      if (bias != nullptr) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, bias + i));
      _mm512_mask_storeu_ps(x_row + i, mask, op(value));
    }
  }
}

}  // namespace

void bias_activation(float* x, const float* bias, size_t rows, size_t n, Activation act) {
  if (act == Activation::kIdentity && bias == nullptr) return;
  with_activation(act, [&](auto op) { apply(x, bias, rows, n, op); });
}

}  // namespace roformer::kernels::avx512
