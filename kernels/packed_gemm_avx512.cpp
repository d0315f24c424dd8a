// linear_packed: x_tiles: pack_rows of x [m, k], packed: [panels, k, 16], bias: [n] or null,
// y: [m, n] rows ld_y apart, columns of panels [panel_begin, panel_end) only, y = act(x w^T + b).
// A tile is up to 8 rows (half of a 16-row tile of x_tiles) by up to 3 panels (48 columns): 24
// accumulators, and per step of k three weight vectors, 8 broadcasts and 24 multiply-adds, which
// keeps both FMA ports busy where 16 rows by one panel (17 loads per 16 multiply-adds) did not:
// 185-197 against 156-164 GFLOP/s from 64 to 512 rows on a Xeon with two 512-bit FMA units.
// Two loop orders, one sum order (the scalar one; a sum split over blocks of k resumes from y):
// - few rows: groups of 3 panels outside, so a group stays in L2 while every row tile passes over
//   it and the weights stream from memory once;
// - many rows (packed x over 1 MiB, past what L2 keeps beside the weights): BLIS's order, blocks
//   of 768 steps of k by 384 columns (1.2 MB of weights, in L2) outside, then row tiles, whose
//   768 steps of x stay in L1 while the block's groups pass over them. 1x512 of RoFormer-base on
//   one thread: 4-7% faster (the feed-forward's 3072-step product gains most); 16 rows: 8% slower,
//   hence the two orders.
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
constexpr size_t kBlockSteps = 768;
constexpr size_t kBlockPanels = 24;
static_assert(kBlockPanels % kTilePanels == 0, "a block of panels holds whole groups");
constexpr size_t kBlockedOrderBytes = size_t(1) << 20;

// x: rows of a tile, step-major kRowTile apart; w: P panels, panel_floats apart; y: [R, P * 16]
// rows ld_y apart, the last panel's columns as `last_columns`. y += x w^T over `steps` steps
// when `resume` (the sums of earlier steps are in y), y = x w^T otherwise; then + bias if given.
template <size_t R, size_t P>
void tile(const float* x, const float* w, size_t panel_floats, const float* bias, float* y,
          size_t ld_y, size_t steps, __mmask16 last_columns, bool resume) {
  __m512 acc[R][P];
#pragma GCC unroll 8
  for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 3
    for (size_t q = 0; q < P; ++q) {
      const __mmask16 columns = q + 1 == P ? last_columns : __mmask16(0xFFFF);
      acc[r][q] = resume ? _mm512_maskz_loadu_ps(columns, y + r * ld_y + q * kPackedPanel)
                         : _mm512_setzero_ps();
    }
  }
  for (size_t p = 0; p < steps; ++p) {
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
                      __mmask16, bool);

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

// Steps [first_step, first_step + steps) of rows [row, row + rows) by panels [panel, panel +
// panels), the group's columns y[row.., first..]; the activation after the last step.
struct Group {
  const float* x_tiles;
  const float* packed;
  const float* bias;
  Activation act;
  float* y;
  size_t ld_y, n, k;

  void run(size_t row, size_t rows, size_t panel, size_t panels, size_t first_step,
           size_t steps) const {
    const size_t first = panel * kPackedPanel;
    const size_t width = n - first < panels * kPackedPanel ? n - first : panels * kPackedPanel;
    const bool last_steps = first_step + steps == k;
    // Row `row` sits at position row % kRowTile of its 16-row tile.
    const float* x =
        x_tiles + row / kRowTile * kRowTile * k + row % kRowTile + first_step * kRowTile;
    float* y_tile = y + row * ld_y + first;
    kTiles[panels - 1][rows - 1](x, packed + panel * k * kPackedPanel + first_step * kPackedPanel,
                                 k * kPackedPanel, last_steps && bias ? bias + first : nullptr,
                                 y_tile, ld_y, steps,
                                 tail_mask(width - (panels - 1) * kPackedPanel), first_step > 0);
    if (!last_steps || act == Activation::kIdentity) return;
    with_activation(act, [&](auto op) { activate_tile(y_tile, ld_y, rows, width, op); });
  }
};

size_t at_most(size_t limit, size_t wanted) { return wanted < limit ? wanted : limit; }

}  // namespace

void linear_packed(const float* x_tiles, const float* packed, const float* bias, Activation act,
                   float* y, size_t ld_y, size_t m, size_t n, size_t k, size_t panel_begin,
                   size_t panel_end) {
  const Group group{x_tiles, packed, bias, act, y, ld_y, n, k};
  if (row_tile_floats(m, k) * sizeof(float) <= kBlockedOrderBytes) {
    for (size_t panel = panel_begin; panel < panel_end; panel += kTilePanels) {
      const size_t panels = at_most(panel_end - panel, kTilePanels);
      for (size_t row = 0; row < m; row += kTileRows) {
        group.run(row, at_most(m - row, kTileRows), panel, panels, 0, k);
      }
    }
    return;
  }
  for (size_t step = 0; step < k; step += kBlockSteps) {
    const size_t steps = at_most(k - step, kBlockSteps);
    for (size_t block = panel_begin; block < panel_end; block += kBlockPanels) {
      const size_t block_end = block + at_most(panel_end - block, kBlockPanels);
      for (size_t row = 0; row < m; row += kTileRows) {
        for (size_t panel = block; panel < block_end; panel += kTilePanels) {
          group.run(row, at_most(m - row, kTileRows), panel,
                    at_most(block_end - panel, kTilePanels), step, steps);
        }
      }
    }
  }
}

void pack_rows(const float* x, size_t ld_x, size_t m, size_t k, float* tiles) {
  pack_rows_by_blocks(x, ld_x, m, k, tiles);
}

}  // namespace roformer::kernels::avx512
