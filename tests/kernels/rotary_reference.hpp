// The rotary angles RoFormer uses, and the rotation in double, shared by the rotary and attention
// tests.
#pragma once

#include <cmath>
#include <vector>

namespace roformer::kernels::testing {

// cos, sin: [positions, head_dim / 2]; angle(p, i) = p * 10000^(-2i / head_dim).
struct RotaryAngles {
  std::vector<float> cos, sin;
  RotaryAngles(size_t positions, size_t head_dim) {
    const size_t half = head_dim / 2;
    cos.resize(positions * half);
    sin.resize(positions * half);
    for (size_t p = 0; p < positions; ++p) {
      for (size_t i = 0; i < half; ++i) {
        const double angle = p * std::pow(10000.0, -2.0 * i / head_dim);
        cos[p * half + i] = static_cast<float>(std::cos(angle));
        sin[p * half + i] = static_cast<float>(std::sin(angle));
      }
    }
  }
};

// x, y: [head_dim]; cos, sin: [head_dim / 2]. Interleaved pairs (2i, 2i + 1), in double.
inline void rotate_reference(const float* x, double* y, size_t head_dim, const float* cos,
                             const float* sin) {
  for (size_t i = 0; i < head_dim / 2; ++i) {
    const double even = x[2 * i], odd = x[2 * i + 1];
    y[2 * i] = even * cos[i] - odd * static_cast<double>(sin[i]);
    y[2 * i + 1] = odd * cos[i] + even * static_cast<double>(sin[i]);
  }
}

}  // namespace roformer::kernels::testing
