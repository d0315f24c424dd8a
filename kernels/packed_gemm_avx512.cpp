// linear_packed: x_tiles: pack_rows of x [m, k], packed: [panels, k, 16], bias: [n] or null,
// y: [m, n] rows ld_y apart, columns of panels [panel_begin, panel_end) only, y = act(x w^T + b).
// A tile is up to 8 rows (half of a 16-row tile of x_tiles) by up to 3 panels (48 columns): 24
// accumulators, and per step of k three weight vectors, 8 broadcasts and 24 multiply-adds, which
// keeps both FMA ports busy where 16 rows by one panel (17 loads per 16 multiply-adds) did not:
// 185-197 against 156-164 GFLOP/s from 64 to 512 rows on a Xeon with two 512-bit FMA units.
// Groups of panels are the outer loop so they stay in L2 while every row tile passes over them.
// The order of every sum is the scalar one.
#include <immintrin.h>

#include <array>
#include <utility>

#include "kernels/kernel_variants.hpp"
#include "kernels/pack_rows_x86.hpp"
#include "kernels/packed_gemm.hpp"
#include "kernels/simd_avx512.hpp"

namespace roformer::kernels::avx512 {

namespace {

constexpr size_t kTileRows = 8;
constexpr size_t kTilePanels = 3;
static_assert(kRowTile % kTileRows == 0, "a tile of rows never crosses a tile of x_tiles");
constexpr size_t kPrefetchSteps = 64;  // 4 KB ahead

// x: rows of a tile, step-major kRowTile apart; w: P panels, panel_floats apart; y: [R, P * 16]
// rows ld_y apart, the last panel's columns as `last_columns`.
template <size_t R, size_t P>
void tile(const float* x, const float* w, size_t panel_floats, const float* bias, float* y,
          size_t ld_y, size_t k, __mmask16 last_columns) {
  __m512 acc[R][P];
#pragma GCC unroll 8
  for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 3
    for (size_t q = 0; q < P; ++q) acc[r][q] = _mm512_setzero_ps();
  }
  for (size_t p = 0; p < k; ++p) {
    __m512 wp[P];
#pragma GCC unroll 3
    for (size_t q = 0; q < P; ++q) {
      // One 64-byte line of each panel per step; ask for the line kPrefetchSteps ahead, since a
      // large model's weights stream from memory faster than the hardware prefetcher asks.
      const float* line = w + q * panel_floats + p * kPackedPanel;
      _mm_prefetch(reinterpret_cast<const char*>(line + kPrefetchSteps * kPackedPanel),
                   _MM_HINT_T0);
      wp[q] = _mm512_load_ps(line);
    }
    const float* xp = x + p * kRowTile;
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r) {
      const __m512 xr = _mm512_set1_ps(xp[r]);
#pragma GCC unroll 3
      for (size_t q = 0; q < P; ++q) acc[r][q] = _mm512_fmadd_ps(xr, wp[q], acc[r][q]);
    }
  }
#pragma GCC unroll 3
  for (size_t q = 0; q < P; ++q) {
    const __mmask16 columns = q + 1 == P ? last_columns : __mmask16(0xFFFF);
    if (bias != nullptr) {
      const __m512 b = _mm512_maskz_loadu_ps(columns, bias + q * kPackedPanel);
#pragma GCC unroll 8
      for (size_t r = 0; r < R; ++r) acc[r][q] = _mm512_add_ps(acc[r][q], b);
    }
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r) {
      _mm512_mask_storeu_ps(y + r * ld_y + q * kPackedPanel, columns, acc[r][q]);
    }
  }
}

// y: [rows, width] rows ld_y apart, in place: y = op(y), as bias_activation.
template <typename Op>
void activate_tile(float* y, size_t ld_y, size_t rows, size_t width, Op op) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = y + r * ld_y;
    for (size_t c = 0; c < width; c += kLanes) {
      const __mmask16 columns = tail_mask(width - c < kLanes ? width - c : kLanes);
      _mm512_mask_storeu_ps(row + c, columns, op(_mm512_maskz_loadu_ps(columns, row + c)));
    }
  }
}

using Tile = void (*)(const float*, const float*, size_t, const float*, float*, size_t, size_t,
                      __mmask16);

template <size_t P, size_t... R>
constexpr std::array<Tile, sizeof...(R)> tiles_of_panels(std::index_sequence<R...>) {
  return {tile<R + 1, P>...};
}

// kTiles[P - 1][R - 1]: the tile of R rows by P panels.
constexpr std::array<Tile, kTileRows> kTiles[kTilePanels] = {
    tiles_of_panels<1>(std::make_index_sequence<kTileRows>{}),
    tiles_of_panels<2>(std::make_index_sequence<kTileRows>{}),
    tiles_of_panels<3>(std::make_index_sequence<kTileRows>{}),
};

}  // namespace

void linear_packed(const float* x_tiles, const float* packed, const float* bias, Activation act,
                   float* y, size_t ld_y, size_t m, size_t n, size_t k, size_t panel_begin,
                   size_t panel_end) {
  const size_t panel_floats = k * kPackedPanel;
  for (size_t panel = panel_begin; panel < panel_end; panel += kTilePanels) {
    const size_t panels = panel_end - panel < kTilePanels ? panel_end - panel : kTilePanels;
    const size_t first = panel * kPackedPanel;
    const size_t width = n - first < panels * kPackedPanel ? n - first : panels * kPackedPanel;
    const __mmask16 last_columns = tail_mask(width - (panels - 1) * kPackedPanel);
    const float* w = packed + panel * panel_floats;
    const float* b = bias != nullptr ? bias + first : nullptr;
    for (size_t row = 0; row < m; row += kTileRows) {
      const size_t rows = m - row < kTileRows ? m - row : kTileRows;
      // Row `row` sits at position row % kRowTile of its 16-row tile.
      const float* x = x_tiles + row / kRowTile * kRowTile * k + row % kRowTile;
      float* y_tile = y + row * ld_y + first;
      kTiles[panels - 1][rows - 1](x, w, panel_floats, b, y_tile, ld_y, k, last_columns);
      if (act == Activation::kIdentity) continue;
      with_activation(act, [&](auto op) { activate_tile(y_tile, ld_y, rows, width, op); });
    }
  }
}

void pack_rows(const float* x, size_t ld_x, size_t m, size_t k, float* tiles) {
  pack_rows_by_blocks(x, ld_x, m, k, tiles);
}

}  // namespace roformer::kernels::avx512
