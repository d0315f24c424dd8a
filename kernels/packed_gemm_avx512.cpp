// linear_packed: x_tiles: pack_rows of x [m, k], packed: [panels, k, 16], bias: [n] or null,
// y: [m, n] rows ld_y apart, columns of panels [panel_begin, panel_end) only, y = act(x w^T + b).
// A tile is up to 16 rows by one 16-column panel: 16 accumulators, and per step of k one weight
// vector, 16 broadcasts from one line of x_tiles and 16 multiply-adds. Panels are the outer loop
// so one panel (k * 64 bytes) stays in L2 while every row tile passes over it. The order of every
// sum is the scalar one.
#include <immintrin.h>

#include <utility>

#include "kernels/kernel_variants.hpp"
#include "kernels/pack_rows_x86.hpp"
#include "kernels/packed_gemm.hpp"
#include "kernels/simd_avx512.hpp"

namespace roformer::kernels::avx512 {

namespace {

constexpr size_t kPrefetchSteps = 64;  // 4 KB ahead

template <size_t R>
void tile(const float* x, const float* w, const float* bias, float* y, size_t ld_y, size_t k,
          __mmask16 columns) {
  __m512 acc[R];
  for (size_t r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (size_t p = 0; p < k; ++p) {
    // One 64-byte line of the panel per step; ask for the line kPrefetchSteps ahead, since a
    // large model's weights stream from memory faster than the hardware prefetcher asks.
    _mm_prefetch(reinterpret_cast<const char*>(w + (p + kPrefetchSteps) * kPackedPanel),
                 _MM_HINT_T0);
    const __m512 wp = _mm512_load_ps(w + p * kPackedPanel);
    const float* xp = x + p * kRowTile;
    for (size_t r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(xp[r]), wp, acc[r]);
  }
  if (bias != nullptr) {
    const __m512 b = _mm512_maskz_loadu_ps(columns, bias);
    for (size_t r = 0; r < R; ++r) acc[r] = _mm512_add_ps(acc[r], b);
  }
  for (size_t r = 0; r < R; ++r) _mm512_mask_storeu_ps(y + r * ld_y, columns, acc[r]);
}

// y: [rows, width] rows ld_y apart, width as `columns`, in place: y = op(y), as bias_activation.
template <typename Op>
void activate_tile(float* y, size_t ld_y, size_t rows, __mmask16 columns, Op op) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = y + r * ld_y;
    _mm512_mask_storeu_ps(row, columns, op(_mm512_maskz_loadu_ps(columns, row)));
  }
}

template <size_t... R>
void tile_rows(size_t rows, std::index_sequence<R...>, const float* x, const float* w,
               const float* bias, float* y, size_t ld_y, size_t k, __mmask16 columns) {
  using Tile =
      void (*)(const float*, const float*, const float*, float*, size_t, size_t, __mmask16);
  static constexpr Tile kTiles[] = {tile<R + 1>...};
  kTiles[rows - 1](x, w, bias, y, ld_y, k, columns);
}

}  // namespace

void linear_packed(const float* x_tiles, const float* packed, const float* bias, Activation act,
                   float* y, size_t ld_y, size_t m, size_t n, size_t k, size_t panel_begin,
                   size_t panel_end) {
  for (size_t panel = panel_begin; panel < panel_end; ++panel) {
    const size_t first = panel * kPackedPanel;
    const size_t width = n - first < kPackedPanel ? n - first : kPackedPanel;
    const __mmask16 columns = static_cast<__mmask16>((1u << width) - 1);
    const float* w = packed + panel * k * kPackedPanel;
    const float* b = bias != nullptr ? bias + first : nullptr;
    for (size_t row = 0; row < m; row += kRowTile) {
      const size_t rows = m - row < kRowTile ? m - row : kRowTile;
      float* y_tile = y + row * ld_y + first;
      tile_rows(rows, std::make_index_sequence<kRowTile>{}, x_tiles + row * k, w, b, y_tile, ld_y,
                k, columns);
      if (act == Activation::kIdentity) continue;
      with_activation(act, [&](auto op) { activate_tile(y_tile, ld_y, rows, columns, op); });
    }
  }
}

void pack_rows(const float* x, size_t ld_x, size_t m, size_t k, float* tiles) {
  pack_rows_by_blocks(x, ld_x, m, k, tiles);
}

}  // namespace roformer::kernels::avx512
