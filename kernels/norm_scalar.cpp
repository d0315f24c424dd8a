// layer_norm: x, residual, y: [rows, n]; gamma, beta: [n]. y = norm(x + residual) * gamma + beta.
// rms_norm:   x, residual, y: [rows, n]. y = (x + residual) / rms(x + residual).
// The scalar reference: two passes with double accumulators.
#include <cmath>

#include "kernels/kernel_variants.hpp"

namespace roformer::kernels::scalar {

void layer_norm(const float* x, const float* residual, const float* gamma, const float* beta,
                float* y, size_t rows, size_t n, float eps) {
  for (size_t row = 0; row < rows; ++row) {
    const float* x_row = x + row * n;
    const float* residual_row = residual != nullptr ? residual + row * n : nullptr;
    float* y_row = y + row * n;

    // Pass 1: y = x + residual (y may alias x), and the mean.
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
      const float value = residual_row != nullptr ? x_row[i] + residual_row[i] : x_row[i];
      y_row[i] = value;
      sum += value;
    }
    const double mean = sum / static_cast<double>(n);

    // Pass 2: the variance about that mean (no E[x^2] - E[x]^2 cancellation).
    double squares = 0.0;
    for (size_t i = 0; i < n; ++i) {
      const double centred = y_row[i] - mean;
      squares += centred * centred;
    }
    const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(n) + eps);

    for (size_t i = 0; i < n; ++i) {
      double value = (y_row[i] - mean) * inv_std;
      if (gamma != nullptr) value *= gamma[i];
      if (beta != nullptr) value += beta[i];
      y_row[i] = static_cast<float>(value);
    }
  }
}

void rms_norm(const float* x, const float* residual, float* y, size_t rows, size_t n, float eps) {
  for (size_t row = 0; row < rows; ++row) {
    const float* x_row = x + row * n;
    const float* residual_row = residual != nullptr ? residual + row * n : nullptr;
    float* y_row = y + row * n;

    double squares = 0.0;
    for (size_t i = 0; i < n; ++i) {
      const float value = residual_row != nullptr ? x_row[i] + residual_row[i] : x_row[i];
      y_row[i] = value;
      squares += static_cast<double>(value) * value;
    }
    const double inv_rms = 1.0 / std::sqrt(squares / static_cast<double>(n) + eps);

    for (size_t i = 0; i < n; ++i) y_row[i] = static_cast<float>(y_row[i] * inv_rms);
  }
}

}  // namespace roformer::kernels::scalar
