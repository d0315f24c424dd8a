// rotate_row: src, dst: [head_dim]; cos, sin: [head_dim / 2]. dst may alias src.
// rotary:     x: [rows, head_dim] in place, rows `ld` apart; cos, sin: [rows, head_dim / 2].
// Interleaved pairs, as RoFormer rotates them: pair i is features (2i, 2i + 1), turned by angle i:
//   x'[2i] = x[2i] cos - x[2i + 1] sin,   x'[2i + 1] = x[2i + 1] cos + x[2i] sin.
#include "kernels/kernel_variants.hpp"

namespace roformer::kernels::scalar {

void rotate_row(const float* src, float* dst, size_t head_dim, const float* cos, const float* sin) {
  for (size_t pair = 0; pair < head_dim / 2; ++pair) {
    const float even = src[2 * pair];
    const float odd = src[2 * pair + 1];
    dst[2 * pair] = even * cos[pair] - odd * sin[pair];
    dst[2 * pair + 1] = odd * cos[pair] + even * sin[pair];
  }
}

void rotary(float* x, size_t ld, size_t rows, size_t head_dim, const float* cos, const float* sin) {
  const size_t half = head_dim / 2;
  for (size_t row = 0; row < rows; ++row) {
    rotate_row(x + row * ld, x + row * ld, head_dim, cos + row * half, sin + row * half);
  }
}

}  // namespace roformer::kernels::scalar
