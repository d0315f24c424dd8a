// bias_activation: x: [rows, n] in place, bias: [n] or null. x = act(x + bias).
// One loop per activation (the switch is outside the loop); GELU uses the exact erf form through
// the erf approximation in simd_avx2.hpp. Tails use masked loads and stores.
#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx2.hpp"

namespace roformer::kernels::avx2 {

namespace {

struct Identity {
  __m256 operator()(__m256 x) const { return x; }
};

struct Gelu {  // 0.5 x (1 + erf(x / sqrt 2))
  __m256 operator()(__m256 x) const {
    const __m256 e = erf(_mm256_mul_ps(x, _mm256_set1_ps(math::kInvSqrt2)));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x),
                         _mm256_add_ps(_mm256_set1_ps(1.0f), e));
  }
};

struct GeluTanh {  // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  __m256 operator()(__m256 x) const {
    const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    const __m256 inner =
        _mm256_mul_ps(_mm256_set1_ps(math::kSqrt2OverPi),
                      _mm256_fmadd_ps(_mm256_set1_ps(math::kGeluTanhCubic), x3, x));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x),
                         _mm256_add_ps(_mm256_set1_ps(1.0f), tanh(inner)));
  }
};

struct Relu {
  __m256 operator()(__m256 x) const { return _mm256_max_ps(x, _mm256_setzero_ps()); }
};

struct Tanh {
  __m256 operator()(__m256 x) const { return tanh(x); }
};

struct Silu {  // x / (1 + exp(-x)); exp overflows to +inf for x < -88, giving -0 as it should
  __m256 operator()(__m256 x) const {
    const __m256 e = exp(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
  }
};

template <typename Op>
void apply(float* x, const float* bias, size_t rows, size_t n, Op op) {
  for (size_t row = 0; row < rows; ++row) {
    float* x_row = x + row * n;
    size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      __m256 value = _mm256_loadu_ps(x_row + i);
      if (bias != nullptr) value = _mm256_add_ps(value, _mm256_loadu_ps(bias + i));
      _mm256_storeu_ps(x_row + i, op(value));
    }
    const size_t remaining = n - i;
    if (remaining > 0) {
      const __m256i mask = tail_mask(remaining);
      __m256 value = _mm256_maskload_ps(x_row + i, mask);
      if (bias != nullptr) value = _mm256_add_ps(value, _mm256_maskload_ps(bias + i, mask));
      _mm256_maskstore_ps(x_row + i, mask, op(value));
    }
  }
}

}  // namespace

void bias_activation(float* x, const float* bias, size_t rows, size_t n, Activation act) {
  switch (act) {
    case Activation::kIdentity:
      if (bias != nullptr) apply(x, bias, rows, n, Identity{});
      return;
    case Activation::kGelu:
      return apply(x, bias, rows, n, Gelu{});
    case Activation::kGeluTanh:
      return apply(x, bias, rows, n, GeluTanh{});
    case Activation::kRelu:
      return apply(x, bias, rows, n, Relu{});
    case Activation::kTanh:
      return apply(x, bias, rows, n, Tanh{});
    case Activation::kSilu:
      return apply(x, bias, rows, n, Silu{});
  }
}

}  // namespace roformer::kernels::avx2
