// Private to kernels/, included only by packed_gemm_avx2.cpp and packed_gemm_avx512.cpp (each
// compiles its own copy, in an unnamed namespace, with its own target flags): pack_rows by 8 x 8
// transposes in AVX registers, the bits of kernels::pack_rows (a copy).
#pragma once

#include <immintrin.h>

#include <cstddef>

#include "kernels/packed_gemm.hpp"

namespace roformer::kernels {
namespace {

// src: [8 rows, 8 steps], rows ld apart -> dst: [8 steps, 8 rows], steps kRowTile apart.
inline void transpose_8x8(const float* src, size_t ld, float* dst) {
  __m256 r[8], t[8], s[8];
  for (size_t i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ld);
  for (size_t i = 0; i < 8; i += 2) {  // t[i]: steps 0,1,4,5 of rows i, i+1; t[i+1]: 2,3,6,7
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (size_t i = 0; i < 8; i += 4) {  // s[i + j]: steps j and j + 4 of rows i..i+3
    s[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (size_t j = 0; j < 4; ++j) {
    _mm256_storeu_ps(dst + j * kRowTile, _mm256_permute2f128_ps(s[j], s[j + 4], 0x20));
    _mm256_storeu_ps(dst + (j + 4) * kRowTile, _mm256_permute2f128_ps(s[j], s[j + 4], 0x31));
  }
}

// x: [m, k] rows ld_x apart -> tiles: [row_tiles(m), k, kRowTile], as kernels::pack_rows.
// Full tiles go through 8 x 8 blocks; the last partial tile and the last k % 8 steps through the
// portable code.
inline void pack_rows_by_blocks(const float* x, size_t ld_x, size_t m, size_t k, float* tiles) {
  const size_t full_tiles = m / kRowTile, blocked_steps = k / 8 * 8;
  for (size_t tile = 0; tile < full_tiles; ++tile) {
    const float* src = x + tile * kRowTile * ld_x;
    float* dst = tiles + tile * k * kRowTile;
    for (size_t p = 0; p < blocked_steps; p += 8) {
      transpose_8x8(src + p, ld_x, dst + p * kRowTile);
      transpose_8x8(src + 8 * ld_x + p, ld_x, dst + p * kRowTile + 8);
    }
    for (size_t p = blocked_steps; p < k; ++p) {
      for (size_t r = 0; r < kRowTile; ++r) dst[p * kRowTile + r] = src[r * ld_x + p];
    }
  }
  if (full_tiles * kRowTile < m) {
    const size_t first = full_tiles * kRowTile;
    kernels::pack_rows(x + first * ld_x, ld_x, m - first, k, tiles + full_tiles * k * kRowTile);
  }
}

}  // namespace
}  // namespace roformer::kernels
