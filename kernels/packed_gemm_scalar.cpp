// linear_packed: x_tiles: pack_rows of x [m, k], packed: [panels, k, 16], bias: [n] or null,
// y: [m, n] rows ld_y apart, columns of panels [panel_begin, panel_end) only, y = act(x w^T + b).
// The reference: every element is acc = fma(x[p], w[p], acc) for p = 0..k-1 from acc = 0, then
// acc + bias, exactly the order of the vector variants (std::fma, so no contraction choices);
// then act, by this ISA's bias_activation.
#include <cmath>

#include "kernels/kernel_variants.hpp"
#include "kernels/packed_gemm.hpp"

namespace roformer::kernels::scalar {

void linear_packed(const float* x_tiles, const float* packed, const float* bias, Activation act,
                   float* y, size_t ld_y, size_t m, size_t n, size_t k, size_t panel_begin,
                   size_t panel_end) {
  for (size_t panel = panel_begin; panel < panel_end; ++panel) {
    const float* w = packed + panel * k * kPackedPanel;
    for (size_t row = 0; row < m; ++row) {
      const float* x = x_tiles + (row / kRowTile) * k * kRowTile + row % kRowTile;
      for (size_t c = 0; c < kPackedPanel && panel * kPackedPanel + c < n; ++c) {
        const size_t column = panel * kPackedPanel + c;
        float acc = 0.0f;
        for (size_t p = 0; p < k; ++p) {
          acc = std::fma(x[p * kRowTile], w[p * kPackedPanel + c], acc);
        }
        y[row * ld_y + column] = bias != nullptr ? acc + bias[column] : acc;
      }
      if (act == Activation::kIdentity) continue;
      const size_t first = panel * kPackedPanel;
      const size_t width = n - first < kPackedPanel ? n - first : kPackedPanel;
      bias_activation(y + row * ld_y + first, nullptr, 1, width, act);
    }
  }
}

void pack_rows(const float* x, size_t ld_x, size_t m, size_t k, float* tiles) {
  kernels::pack_rows(x, ld_x, m, k, tiles);
}

}  // namespace roformer::kernels::scalar
