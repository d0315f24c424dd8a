// bias_activation: x: [rows, n] in place, bias: [n] or null. x = act(x + bias).
// The scalar reference, on the C library's erf, tanh and exp.
#include <cmath>

#include "kernels/kernel_variants.hpp"

namespace roformer::kernels::scalar {

namespace {

float activate(float x, Activation act) {
  switch (act) {
    case Activation::kIdentity:
      return x;
    case Activation::kGelu:
      return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case Activation::kGeluTanh: {
      const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.0f + std::tanh(inner));
    }
    case Activation::kRelu:
      return x > 0.0f ? x : 0.0f;
    case Activation::kTanh:
      return std::tanh(x);
    case Activation::kSilu:
      return x / (1.0f + std::exp(-x));
  }
  return x;
}

}  // namespace

void bias_activation(float* x, const float* bias, size_t rows, size_t n, Activation act) {
  for (size_t row = 0; row < rows; ++row) {
    float* x_row = x + row * n;
    for (size_t i = 0; i < n; ++i) {
      const float value = bias != nullptr ? x_row[i] + bias[i] : x_row[i];
      x_row[i] = activate(value, act);
    }
  }
}

}  // namespace roformer::kernels::scalar
