// pack_weights: w: [n, k] -> packed: [panels, k, 16], zero-padded past n.
// pack_rows: x: [m, k] -> tiles: [row_tiles, k, 16], zero-padded past m.
// unpack_weights: packed: [panels, k, 16] -> w: [n, k].
#include "kernels/packed_gemm.hpp"

#include <algorithm>

namespace roformer::kernels {

namespace {

static_assert(kPackedPanel == kRowTile, "weights and rows share one tile transpose");

// src: [rows, k] rows ld apart, rows <= 16 -> dst: [k, 16], slots past rows zero.
// Blocks of 16 steps keep the 16 source lines being read and the 16 destination lines being
// written in L1.
void transpose_into_tile(const float* src, size_t ld, size_t rows, size_t k, float* dst) {
  constexpr size_t kBlock = 16;
  for (size_t p0 = 0; p0 < k; p0 += kBlock) {
    const size_t p1 = std::min(k, p0 + kBlock);
    for (size_t r = 0; r < rows; ++r) {
      const float* row = src + r * ld;
      for (size_t p = p0; p < p1; ++p) dst[p * kRowTile + r] = row[p];
    }
    for (size_t r = rows; r < kRowTile; ++r) {
      for (size_t p = p0; p < p1; ++p) dst[p * kRowTile + r] = 0.0f;
    }
  }
}

}  // namespace

void pack_weights(const float* w, size_t n, size_t k, float* packed) {
  for (size_t panel = 0; panel < packed_panels(n); ++panel) {
    const size_t first = panel * kPackedPanel;
    transpose_into_tile(w + first * k, k, std::min(kPackedPanel, n - first), k,
                        packed + panel * k * kPackedPanel);
  }
}

void unpack_weights(const float* packed, size_t n, size_t k, float* w) {
  for (size_t column = 0; column < n; ++column) {
    const float* panel = packed + column / kPackedPanel * k * kPackedPanel;
    const size_t slot = column % kPackedPanel;
    float* row = w + column * k;
    for (size_t p = 0; p < k; ++p) row[p] = panel[p * kPackedPanel + slot];
  }
}

void pack_rows(const float* x, size_t ld_x, size_t m, size_t k, float* tiles) {
  for (size_t tile = 0; tile < row_tiles(m); ++tile) {
    const size_t first = tile * kRowTile;
    transpose_into_tile(x + first * ld_x, ld_x, std::min(kRowTile, m - first), k,
                        tiles + tile * k * kRowTile);
  }
}

}  // namespace roformer::kernels
