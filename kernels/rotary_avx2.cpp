// rotate_row: src, dst: [head_dim]; cos, sin: [head_dim / 2]. dst may alias src.
// rotary:     x: [rows, head_dim] in place, rows `ld` apart; cos, sin: [rows, head_dim / 2].
// Interleaved pairs (2i, 2i + 1), four pairs per vector. With c = (c0 c0 c1 c1 ..) and
// s = (s0 s0 s1 s1 ..), fmaddsub(x, c, swap(x) * s) gives x0 c0 - x1 s0 in even lanes and
// x1 c0 + x0 s0 in odd lanes: the rotation in one instruction. The last < 4 pairs use masked loads.
#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx2.hpp"

namespace roformer::kernels::avx2 {

namespace {

constexpr size_t kPairs = kLanes / 2;

// (a0 a1 a2 a3) -> (a0 a0 a1 a1 a2 a2 a3 a3)
inline __m256 duplicate_pairs(__m128 a) {
  return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(a),
                                  _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
}

inline __m256 rotate(__m256 x, __m128 cos4, __m128 sin4) {
  const __m256 swapped = _mm256_permute_ps(x, 0xB1);  // (x1 x0 x3 x2 ..)
  return _mm256_fmaddsub_ps(x, duplicate_pairs(cos4),
                            _mm256_mul_ps(swapped, duplicate_pairs(sin4)));
}

}  // namespace

void rotate_row(const float* src, float* dst, size_t head_dim, const float* cos, const float* sin) {
  const size_t pairs = head_dim / 2;
  size_t pair = 0;
  for (; pair + kPairs <= pairs; pair += kPairs) {
    _mm256_storeu_ps(dst + 2 * pair, rotate(_mm256_loadu_ps(src + 2 * pair),
                                            _mm_loadu_ps(cos + pair), _mm_loadu_ps(sin + pair)));
  }
  const size_t remaining = pairs - pair;
  if (remaining > 0) {
    const __m256i mask = tail_mask(2 * remaining);
    const __m128i angle_mask = _mm256_castsi256_si128(tail_mask(remaining));
    const __m256 rotated =
        rotate(_mm256_maskload_ps(src + 2 * pair, mask), _mm_maskload_ps(cos + pair, angle_mask),
               _mm_maskload_ps(sin + pair, angle_mask));
    _mm256_maskstore_ps(dst + 2 * pair, mask, rotated);
  }
}

void rotary(float* x, size_t ld, size_t rows, size_t head_dim, const float* cos, const float* sin) {
  const size_t half = head_dim / 2;
  for (size_t row = 0; row < rows; ++row) {
    rotate_row(x + row * ld, x + row * ld, head_dim, cos + row * half, sin + row * half);
  }
}

}  // namespace roformer::kernels::avx2
