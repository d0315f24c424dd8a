// attention: q, k, v: [seq, head_dim] rows ld_qkv apart; out: [seq, head_dim] rows ld_out apart;
// cos, sin: [seq, head_dim / 2]; key_mask: [seq]; scratch: attention_scratch_floats(seq, head_dim).
// The query-tiled attention of kernels/attention_tiled.hpp with 16-lane vectors: keys transposed
// in groups of 16; short blocks and the output tail use k-masks.
#include <algorithm>
#include <cstddef>
#include <limits>

#include "kernels/attention_tiled.hpp"
#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx512.hpp"

namespace roformer::kernels::avx512 {

namespace {

// This ISA's vector pieces for tiled::attention (the contract is in attention_tiled.hpp).
struct Ops {
  static constexpr size_t kGroup = kLanes;

  static void rotate_row(const float* src, float* dst, size_t head_dim, const float* cos,
                         const float* sin) {
    avx512::rotate_row(src, dst, head_dim, cos, sin);
  }

  // scores[q][g * 16 + lane] = query[q] . key(g * 16 + lane) for the groups of one block.
  // queries: [Q, padded]; groups: [count, padded, 16]; scores: [Q, kAttentionKeyBlock].
  template <size_t Q>
  static void tile_scores(const float* queries, const float* groups, size_t group_count,
                          size_t head_dim, size_t padded, float* scores) {
    for (size_t g = 0; g < group_count; ++g) {
      const float* group = groups + g * padded * kGroup;
      __m512 acc[Q];
      for (size_t q = 0; q < Q; ++q) acc[q] = _mm512_setzero_ps();
      for (size_t d = 0; d < head_dim; ++d) {
        const __m512 key = _mm512_load_ps(group + d * kGroup);
        for (size_t q = 0; q < Q; ++q) {
          acc[q] = _mm512_fmadd_ps(_mm512_set1_ps(queries[q * padded + d]), key, acc[q]);
        }
      }
      for (size_t q = 0; q < Q; ++q) {
        _mm512_store_ps(scores + q * kAttentionKeyBlock + g * kGroup, acc[q]);
      }
    }
  }

  // acc[q] += sum_j p[q][j] * values[j] for j < count; acc: [Q, padded], p: [Q,
  // kAttentionKeyBlock].
  template <size_t Q>
  static void tile_values(const float* p, const float* values, size_t count, size_t padded,
                          float* acc) {
    for (size_t c = 0; c < padded; c += kLanes) {
      __m512 a[Q];
      for (size_t q = 0; q < Q; ++q) a[q] = _mm512_load_ps(acc + q * padded + c);
      for (size_t j = 0; j < count; ++j) {
        const __m512 value = _mm512_load_ps(values + j * padded + c);
        for (size_t q = 0; q < Q; ++q) {
          a[q] = _mm512_fmadd_ps(_mm512_set1_ps(p[q * kAttentionKeyBlock + j]), value, a[q]);
        }
      }
      for (size_t q = 0; q < Q; ++q) _mm512_store_ps(acc + q * padded + c, a[q]);
    }
  }

  // Lane sums and maxima through memory, not _mm512_reduce_add_ps / _mm512_reduce_max_ps: GCC 12's
  // header trips -Wuninitialized on those once inlined here.
  static float sum_of_lanes(__m512 x) {
    alignas(64) float lanes[kLanes];
    _mm512_store_ps(lanes, x);
    float sum = 0.0f;
    for (float lane : lanes) sum += lane;
    return sum;
  }

  static float max_of_lanes(__m512 x) {
    alignas(64) float lanes[kLanes];
    _mm512_store_ps(lanes, x);
    return *std::max_element(lanes, lanes + kLanes);
  }

  // The largest of scores[0..count), count <= kAttentionKeyBlock.
  static float max_of(const float* scores, size_t count) {
    __m512 max = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    for (size_t j = 0; j < count; j += kLanes) {
      const __mmask16 mask = tail_mask(std::min(kLanes, count - j));
      max = _mm512_mask_max_ps(max, mask, max, _mm512_maskz_loadu_ps(mask, scores + j));
    }
    return max_of_lanes(max);
  }

  // scores[j] = exp(scores[j] - max) for j < count; returns their sum.
  static float exponentiate(float* scores, size_t count, float max) {
    const __m512 m = _mm512_set1_ps(max);
    __m512 sum = _mm512_setzero_ps();
    for (size_t j = 0; j < count; j += kLanes) {
      const __mmask16 mask = tail_mask(std::min(kLanes, count - j));
      const __m512 e = _mm512_maskz_mov_ps(
          mask, exp_nonpositive(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, scores + j), m)));
      _mm512_mask_storeu_ps(scores + j, mask, e);
      sum = _mm512_add_ps(sum, e);
    }
    return sum_of_lanes(sum);
  }

  static void scale_in_place(float* x, size_t padded, float factor) {
    const __m512 f = _mm512_set1_ps(factor);
    for (size_t d = 0; d < padded; d += kLanes) {
      _mm512_store_ps(x + d, _mm512_mul_ps(_mm512_load_ps(x + d), f));
    }
  }

  // out[d] = acc[d] * factor for d < head_dim; acc: [padded].
  static void store_scaled(const float* acc, float factor, float* out, size_t head_dim) {
    const __m512 f = _mm512_set1_ps(factor);
    const size_t full = head_dim / kLanes * kLanes;
    for (size_t d = 0; d < full; d += kLanes) {
      _mm512_storeu_ps(out + d, _mm512_mul_ps(_mm512_load_ps(acc + d), f));
    }
    if (full < head_dim) {  // the remaining head_dim % 16 features
      _mm512_mask_storeu_ps(out + full, tail_mask(head_dim - full),
                            _mm512_mul_ps(_mm512_load_ps(acc + full), f));
    }
  }
};

}  // namespace

void attention(const AttentionArgs& args) { tiled::attention<Ops>(args); }

}  // namespace roformer::kernels::avx512
