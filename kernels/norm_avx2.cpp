// layer_norm: x, residual, y: [rows, n]; gamma, beta: [n]. y = norm(x + residual) * gamma + beta.
// rms_norm:   x, residual, y: [rows, n]. y = (x + residual) / rms(x + residual).
// Two passes like the scalar reference, with float lane accumulators (n / 8 terms per lane, then
// a horizontal sum) and the mean corrected in the second pass; tails use masked loads and stores.
#include <cmath>

#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx2.hpp"

namespace roformer::kernels::avx2 {

namespace {

// y = x + residual (residual may be null); returns the sum of y.
double add_residual_and_sum(const float* x, const float* residual, float* y, size_t n) {
  __m256 sum = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    __m256 value = _mm256_loadu_ps(x + i);
    if (residual != nullptr) value = _mm256_add_ps(value, _mm256_loadu_ps(residual + i));
    _mm256_storeu_ps(y + i, value);
    sum = _mm256_add_ps(sum, value);
  }
  const size_t remaining = n - i;
  if (remaining > 0) {
    const __m256i mask = tail_mask(remaining);
    __m256 value = _mm256_maskload_ps(x + i, mask);
    if (residual != nullptr) value = _mm256_add_ps(value, _mm256_maskload_ps(residual + i, mask));
    _mm256_maskstore_ps(y + i, mask, value);
    sum = _mm256_add_ps(sum, value);  // masked-off lanes loaded as 0
  }
  return hsum(sum);
}

struct Moments {
  double sum;          // sum of (y - centre)
  double sum_squares;  // sum of (y - centre)^2
};

// The first two moments of y about `centre`.
Moments centred_moments(const float* y, size_t n, float centre) {
  const __m256 c = _mm256_set1_ps(centre);
  __m256 sum = _mm256_setzero_ps(), squares = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(y + i), c);
    sum = _mm256_add_ps(sum, d);
    squares = _mm256_fmadd_ps(d, d, squares);
  }
  const size_t remaining = n - i;
  if (remaining > 0) {
    const __m256i mask = tail_mask(remaining);
    // Masked-off lanes load as 0 and would contribute centre^2, so zero them after centring.
    const __m256 d =
        _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(y + i, mask), c), _mm256_castsi256_ps(mask));
    sum = _mm256_add_ps(sum, d);
    squares = _mm256_fmadd_ps(d, d, squares);
  }
  return {hsum(sum), hsum(squares)};
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
    const __m256 inv_std = _mm256_set1_ps(static_cast<float>(1.0 / std::sqrt(variance + eps)));
    const __m256 m = _mm256_set1_ps(mean);

    size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      __m256 value = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(y_row + i), m), inv_std);
      if (gamma != nullptr) value = _mm256_mul_ps(value, _mm256_loadu_ps(gamma + i));
      if (beta != nullptr) value = _mm256_add_ps(value, _mm256_loadu_ps(beta + i));
      _mm256_storeu_ps(y_row + i, value);
    }
    const size_t remaining = n - i;
    if (remaining > 0) {
      const __m256i mask = tail_mask(remaining);
      __m256 value = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(y_row + i, mask), m), inv_std);
      if (gamma != nullptr) value = _mm256_mul_ps(value, _mm256_maskload_ps(gamma + i, mask));
      if (beta != nullptr) value = _mm256_add_ps(value, _mm256_maskload_ps(beta + i, mask));
      _mm256_maskstore_ps(y_row + i, mask, value);
    }
  }
}

void rms_norm(const float* x, const float* residual, float* y, size_t rows, size_t n, float eps) {
  for (size_t row = 0; row < rows; ++row) {
    const float* residual_row = residual != nullptr ? residual + row * n : nullptr;
    float* y_row = y + row * n;

    add_residual_and_sum(x + row * n, residual_row, y_row, n);
    const double mean_square = centred_moments(y_row, n, 0.0f).sum_squares / static_cast<double>(n);
    const __m256 inv_rms = _mm256_set1_ps(static_cast<float>(1.0 / std::sqrt(mean_square + eps)));

    size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      _mm256_storeu_ps(y_row + i, _mm256_mul_ps(_mm256_loadu_ps(y_row + i), inv_rms));
    }
    const size_t remaining = n - i;
    if (remaining > 0) {
      const __m256i mask = tail_mask(remaining);
      _mm256_maskstore_ps(y_row + i, mask,
                          _mm256_mul_ps(_mm256_maskload_ps(y_row + i, mask), inv_rms));
    }
  }
}

}  // namespace roformer::kernels::avx2
