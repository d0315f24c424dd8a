// linear_packed: x_tiles: pack_rows of x [m, k], packed: [panels, k, 16], bias: [n] or null,
// y: [m, n] rows ld_y apart, columns of panels [panel_begin, panel_end) only, y = act(x w^T + b).
// A tile is up to 6 rows (of one 16-row tile of x_tiles) by one 16-column panel (two vectors):
// 12 accumulators of the 16 ymm registers, two weight loads and 12 broadcast multiply-adds per
// step of k. Panels are the outer loop so one panel stays in L2 while every row tile passes over
// it. The order of every sum is the scalar one.
#include <immintrin.h>

#include <utility>

#include "kernels/kernel_variants.hpp"
#include "kernels/pack_rows_x86.hpp"
#include "kernels/packed_gemm.hpp"
#include "kernels/simd_avx2.hpp"

namespace roformer::kernels::avx2 {

namespace {

constexpr size_t kTileRows = 6;
constexpr size_t kPrefetchSteps = 64;  // 4 KB ahead

template <size_t R>
void tile(const float* x, const float* w, const float* bias, float* y, size_t ld_y, size_t k,
          size_t width) {
  __m256 lo[R], hi[R];
#pragma GCC unroll 16
  for (size_t r = 0; r < R; ++r) lo[r] = hi[r] = _mm256_setzero_ps();
  for (size_t p = 0; p < k; ++p) {
    // As in the AVX-512 kernel: the 64-byte line of the panel kPrefetchSteps steps ahead.
    _mm_prefetch(reinterpret_cast<const char*>(w + (p + kPrefetchSteps) * kPackedPanel),
                 _MM_HINT_T0);
    const __m256 w_lo = _mm256_load_ps(w + p * kPackedPanel);
    const __m256 w_hi = _mm256_load_ps(w + p * kPackedPanel + 8);
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r) {
      const __m256 xr = _mm256_broadcast_ss(x + p * kRowTile + r);
      lo[r] = _mm256_fmadd_ps(xr, w_lo, lo[r]);
      hi[r] = _mm256_fmadd_ps(xr, w_hi, hi[r]);
    }
  }
  // Columns past `width` (a short last panel) are neither read from bias nor written.
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask_lo = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(width)), lane);
  const __m256i mask_hi = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(width) - 8), lane);
  if (bias != nullptr) {
    const __m256 b_lo = _mm256_maskload_ps(bias, mask_lo);
    const __m256 b_hi = _mm256_maskload_ps(bias + 8, mask_hi);
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r) {
      lo[r] = _mm256_add_ps(lo[r], b_lo);
      hi[r] = _mm256_add_ps(hi[r], b_hi);
    }
  }
  if (width == kPackedPanel) {  // plain stores: masked ones cost several times more on some CPUs
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r) {
      _mm256_storeu_ps(y + r * ld_y, lo[r]);
      _mm256_storeu_ps(y + r * ld_y + 8, hi[r]);
    }
    return;
  }
#pragma GCC unroll 16
  for (size_t r = 0; r < R; ++r) {
    _mm256_maskstore_ps(y + r * ld_y, mask_lo, lo[r]);
    _mm256_maskstore_ps(y + r * ld_y + 8, mask_hi, hi[r]);
  }
}

// y: [rows, width] rows ld_y apart, in place: y = op(y), as bias_activation.
template <typename Op>
void activate_tile(float* y, size_t ld_y, size_t rows, size_t width, Op op) {
  if (width == kPackedPanel) {
    for (size_t r = 0; r < rows; ++r) {
      float* row = y + r * ld_y;
      _mm256_storeu_ps(row, op(_mm256_loadu_ps(row)));
      _mm256_storeu_ps(row + 8, op(_mm256_loadu_ps(row + 8)));
    }
    return;
  }
  const __m256i mask_lo = tail_mask(width < 8 ? width : 8);
  const __m256i mask_hi = tail_mask(width > 8 ? width - 8 : 0);
  for (size_t r = 0; r < rows; ++r) {
    float* row = y + r * ld_y;
    _mm256_maskstore_ps(row, mask_lo, op(_mm256_maskload_ps(row, mask_lo)));
    _mm256_maskstore_ps(row + 8, mask_hi, op(_mm256_maskload_ps(row + 8, mask_hi)));
  }
}

template <size_t... R>
void tile_rows(size_t rows, std::index_sequence<R...>, const float* x, const float* w,
               const float* bias, float* y, size_t ld_y, size_t k, size_t width) {
  using Tile = void (*)(const float*, const float*, const float*, float*, size_t, size_t, size_t);
  static constexpr Tile kTiles[] = {tile<R + 1>...};
  kTiles[rows - 1](x, w, bias, y, ld_y, k, width);
}

}  // namespace

void linear_packed(const float* x_tiles, const float* packed, const float* bias, Activation act,
                   float* y, size_t ld_y, size_t m, size_t n, size_t k, size_t panel_begin,
                   size_t panel_end) {
  for (size_t panel = panel_begin; panel < panel_end; ++panel) {
    const size_t first = panel * kPackedPanel;
    const size_t width = n - first < kPackedPanel ? n - first : kPackedPanel;
    const float* w = packed + panel * k * kPackedPanel;
    const float* b = bias != nullptr ? bias + first : nullptr;
    for (size_t tile_row = 0; tile_row < m; tile_row += kRowTile) {
      const float* x = x_tiles + tile_row * k;
      const size_t tile_end = m - tile_row < kRowTile ? m : tile_row + kRowTile;
      for (size_t row = tile_row; row < tile_end; row += kTileRows) {
        const size_t rows = tile_end - row < kTileRows ? tile_end - row : kTileRows;
        float* y_tile = y + row * ld_y + first;
        tile_rows(rows, std::make_index_sequence<kTileRows>{}, x + (row - tile_row), w, b, y_tile,
                  ld_y, k, width);
        if (act == Activation::kIdentity) continue;
        with_activation(act, [&](auto op) { activate_tile(y_tile, ld_y, rows, width, op); });
      }
    }
  }
}

void pack_rows(const float* x, size_t ld_x, size_t m, size_t k, float* tiles) {
  pack_rows_by_blocks(x, ld_x, m, k, tiles);
}

}  // namespace roformer::kernels::avx2
