// rotate_row: src, dst: [head_dim]; cos, sin: [head_dim / 2]. dst may alias src.
// rotary:     x: [rows, head_dim] in place, rows `ld` apart; cos, sin: [rows, head_dim / 2].
// Interleaved pairs (2i, 2i + 1), eight pairs per vector, rotated with one fmaddsub as in
// rotary_avx2.cpp. The last < 8 pairs use k-masked loads.
#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx512.hpp"

namespace roformer::kernels::avx512 {

namespace {

constexpr size_t kPairs = kLanes / 2;

// (a0 .. a7) -> (a0 a0 a1 a1 .. a7 a7)
inline __m512 duplicate_pairs(__m256 a) {
  return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7),
                               _mm512_castps256_ps512(a));
}

inline __m512 rotate(__m512 x, __m256 cos8, __m256 sin8) {
  const __m512 swapped = _mm512_permute_ps(x, 0xB1);  // (x1 x0 x3 x2 ..)
  return _mm512_fmaddsub_ps(x, duplicate_pairs(cos8),
                            _mm512_mul_ps(swapped, duplicate_pairs(sin8)));
}

}  // namespace

void rotate_row(const float* src, float* dst, size_t head_dim, const float* cos, const float* sin) {
  const size_t pairs = head_dim / 2;
  size_t pair = 0;
  for (; pair + kPairs <= pairs; pair += kPairs) {
    _mm512_storeu_ps(dst + 2 * pair,
                     rotate(_mm512_loadu_ps(src + 2 * pair), _mm256_loadu_ps(cos + pair),
                            _mm256_loadu_ps(sin + pair)));
  }
  const size_t remaining = pairs - pair;
  if (remaining > 0) {
    const __mmask16 mask = tail_mask(2 * remaining);
    const __mmask8 angle_mask = static_cast<__mmask8>((1u << remaining) - 1u);
    const __m512 rotated = rotate(_mm512_maskz_loadu_ps(mask, src + 2 * pair),
                                  _mm256_maskz_loadu_ps(angle_mask, cos + pair),
                                  _mm256_maskz_loadu_ps(angle_mask, sin + pair));
    _mm512_mask_storeu_ps(dst + 2 * pair, mask, rotated);
  }
}

void rotary(float* x, size_t ld, size_t rows, size_t head_dim, const float* cos, const float* sin) {
  const size_t half = head_dim / 2;
  for (size_t row = 0; row < rows; ++row) {
    rotate_row(x + row * ld, x + row * ld, head_dim, cos + row * half, sin + row * half);
  }
}

}  // namespace roformer::kernels::avx512
