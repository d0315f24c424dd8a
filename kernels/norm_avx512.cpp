// layer_norm: x, residual, y: [rows, n]; gamma, beta: [n]. y = norm(x + residual) * gamma + beta.
// rms_norm:   x, residual, y: [rows, n]. y = (x + residual) / rms(x + residual).
// Two passes like the scalar reference, with float lane accumulators and the mean corrected in
// the second pass; tails use k-masks.
#include <cmath>

#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx512.hpp"

namespace roformer::kernels::avx512 {

namespace {

// y = x + residual (residual may be null); returns the sum of y.
double add_residual_and_sum(const float* x, const float* residual, float* y, size_t n) {
  __m512 sum = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += kLanes) {
    const size_t remaining = n - i < kLanes ? n - i : kLanes;
    const __mmask16 mask = tail_mask(remaining);
    __m512 value = _mm512_maskz_loadu_ps(mask, x + i);
    if (residual != nullptr)
      value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, residual + i));
    _mm512_mask_storeu_ps(y + i, mask, value);
    sum = _mm512_add_ps(sum, value);  // masked-off lanes are 0
  }
  return _mm512_reduce_add_ps(sum);
}

struct Moments {
  double sum;          // sum of (y - centre)
  double sum_squares;  // sum of (y - centre)^2
};

// The first two moments of y about `centre`.
Moments centred_moments(const float* y, size_t n, float centre) {
  const __m512 c = _mm512_set1_ps(centre);
  __m512 sum = _mm512_setzero_ps(), squares = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += kLanes) {
    const size_t remaining = n - i < kLanes ? n - i : kLanes;
    const __mmask16 mask = tail_mask(remaining);
    // maskz_sub leaves masked-off lanes at 0 rather than -centre.
    const __m512 d = _mm512_maskz_sub_ps(mask, _mm512_maskz_loadu_ps(mask, y + i), c);
    sum = _mm512_add_ps(sum, d);
    squares = _mm512_fmadd_ps(d, d, squares);
  }
  return {_mm512_reduce_add_ps(sum), _mm512_reduce_add_ps(squares)};
}

}  // namespace

void layer_norm(const float* x, const float* residual, const float* gamma, const float* beta,
                float* y, size_t rows, size_t n, float eps) {
  for (size_t row = 0; row < rows; ++row) {
    const float* residual_row = residual != nullptr ? residual + row * n : nullptr;
    float* y_row = y + row * n;

    // The float sum's rounding leaves the first mean slightly off; the moments about it give the
    // correction (the corrected two-pass algorithm of Chan, Golub and LeVeque, 1983).
    const double count = static_cast<double>(n);
    const float rough_mean =
        static_cast<float>(add_residual_and_sum(x + row * n, residual_row, y_row, n) / count);
    const Moments moments = centred_moments(y_row, n, rough_mean);
    const double shift = moments.sum / count;
    const double variance = moments.sum_squares / count - shift * shift;
    const float mean = static_cast<float>(rough_mean + shift);
    const __m512 inv_std = _mm512_set1_ps(static_cast<float>(1.0 / std::sqrt(variance + eps)));
    const __m512 m = _mm512_set1_ps(mean);

    for (size_t i = 0; i < n; i += kLanes) {
      const size_t remaining = n - i < kLanes ? n - i : kLanes;
      const __mmask16 mask = tail_mask(remaining);
      __m512 value =
          _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, y_row + i), m), inv_std);
      if (gamma != nullptr) value = _mm512_mul_ps(value, _mm512_maskz_loadu_ps(mask, gamma + i));
      if (beta != nullptr) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, beta + i));
      _mm512_mask_storeu_ps(y_row + i, mask, value);
    }
  }
}

void rms_norm(const float* x, const float* residual, float* y, size_t rows, size_t n, float eps) {
  for (size_t row = 0; row < rows; ++row) {
    const float* residual_row = residual != nullptr ? residual + row * n : nullptr;
    float* y_row = y + row * n;

    add_residual_and_sum(x + row * n, residual_row, y_row, n);
    const double mean_square = centred_moments(y_row, n, 0.0f).sum_squares / static_cast<double>(n);
    const __m512 inv_rms = _mm512_set1_ps(static_cast<float>(1.0 / std::sqrt(mean_square + eps)));

    for (size_t i = 0; i < n; i += kLanes) {
      const size_t remaining = n - i < kLanes ? n - i : kLanes;
      const __mmask16 mask = tail_mask(remaining);
      _mm512_mask_storeu_ps(y_row + i, mask,
                            _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, y_row + i), inv_rms));
    }
  }
}

}  // namespace roformer::kernels::avx512
