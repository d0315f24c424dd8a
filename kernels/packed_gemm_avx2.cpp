// linear_packed: x: [m, k] rows ld_x apart, packed: [panels, k, 16], bias: [n] or null,
// y: [m, n] rows ld_y apart, columns of panels [panel_begin, panel_end) only.
// A tile is up to 6 rows by one 16-column panel (two vectors): 12 accumulators of the 16 ymm
// registers, two weight loads and 12 broadcast multiply-adds per step of k. Panels are the outer
// loop so one panel stays in L2 while every row block passes over it. The order of every sum is
// the scalar one.
#include <immintrin.h>

#include <cstring>
#include <utility>

#include "kernels/kernel_variants.hpp"
#include "kernels/packed_gemm.hpp"

namespace roformer::kernels::avx2 {

namespace {

constexpr size_t kTileRows = 6;

template <size_t R>
void tile(const float* x, size_t ld_x, const float* w, const float* bias, float* y, size_t ld_y,
          size_t k, size_t width) {
  __m256 lo[R], hi[R];
  for (size_t r = 0; r < R; ++r) lo[r] = hi[r] = _mm256_setzero_ps();
  for (size_t p = 0; p < k; ++p) {
    const __m256 w_lo = _mm256_load_ps(w + p * kPackedPanel);
    const __m256 w_hi = _mm256_load_ps(w + p * kPackedPanel + 8);
    for (size_t r = 0; r < R; ++r) {
      const __m256 xr = _mm256_broadcast_ss(x + r * ld_x + p);
      lo[r] = _mm256_fmadd_ps(xr, w_lo, lo[r]);
      hi[r] = _mm256_fmadd_ps(xr, w_hi, hi[r]);
    }
  }
  alignas(32) float b[kPackedPanel] = {};
  if (bias != nullptr) {
    std::memcpy(b, bias, width * sizeof(float));
    for (size_t r = 0; r < R; ++r) {
      lo[r] = _mm256_add_ps(lo[r], _mm256_load_ps(b));
      hi[r] = _mm256_add_ps(hi[r], _mm256_load_ps(b + 8));
    }
  }
  for (size_t r = 0; r < R; ++r) {
    if (width == kPackedPanel) {
      _mm256_storeu_ps(y + r * ld_y, lo[r]);
      _mm256_storeu_ps(y + r * ld_y + 8, hi[r]);
      continue;
    }
    alignas(32) float row[kPackedPanel];  // a short last panel: only `width` columns are real
    _mm256_store_ps(row, lo[r]);
    _mm256_store_ps(row + 8, hi[r]);
    std::memcpy(y + r * ld_y, row, width * sizeof(float));
  }
}

template <size_t... R>
void tile_rows(size_t rows, std::index_sequence<R...>, const float* x, size_t ld_x,
               const float* w, const float* bias, float* y, size_t ld_y, size_t k, size_t width) {
  using Tile = void (*)(const float*, size_t, const float*, const float*, float*, size_t, size_t,
                        size_t);
  static constexpr Tile kTiles[] = {tile<R + 1>...};
  kTiles[rows - 1](x, ld_x, w, bias, y, ld_y, k, width);
}

}  // namespace

void linear_packed(const float* x, size_t ld_x, const float* packed, const float* bias, float* y,
                   size_t ld_y, size_t m, size_t n, size_t k, size_t panel_begin,
                   size_t panel_end) {
  for (size_t panel = panel_begin; panel < panel_end; ++panel) {
    const size_t first = panel * kPackedPanel;
    const size_t width = n - first < kPackedPanel ? n - first : kPackedPanel;
    const float* w = packed + panel * k * kPackedPanel;
    const float* b = bias != nullptr ? bias + first : nullptr;
    for (size_t row = 0; row < m; row += kTileRows) {
      const size_t rows = m - row < kTileRows ? m - row : kTileRows;
      tile_rows(rows, std::make_index_sequence<kTileRows>{}, x + row * ld_x, ld_x, w, b,
                y + row * ld_y + first, ld_y, k, width);
    }
  }
}

}  // namespace roformer::kernels::avx2
