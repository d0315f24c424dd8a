// attention: q, k, v: [seq, head_dim] rows ld_qkv apart; out: [seq, head_dim] rows ld_out apart;
// cos, sin: [seq, head_dim / 2]; key_mask: [seq]; scratch: attention_scratch_floats(seq, head_dim).
// The query-tiled attention of kernels/attention_tiled.hpp with 16-lane vectors: keys transposed
// in groups of 16; short blocks and the output tail use k-masks. Scores take the tile's 8 queries
// by 3 groups of keys, values 8 queries by 2 vectors of output columns: 24 or 16 of the 32 zmm
// registers accumulate, and 11 or 10 loads serve 24 or 16 multiply-adds (9 per 8 with one vector).
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
  // Three groups (48 keys) at a time: 3 Q accumulators, 3 key loads and Q broadcasts per feature.
  template <size_t Q>
  static void tile_scores(const float* queries, const float* groups, size_t group_count,
                          size_t head_dim, size_t padded, float* scores) {
    size_t g = 0;
    for (; g + 3 <= group_count; g += 3) {
      scores_block<Q, 3>(queries, groups + g * padded * kGroup, head_dim, padded,
                         scores + g * kGroup);
    }
    if (g + 2 == group_count) {
      scores_block<Q, 2>(queries, groups + g * padded * kGroup, head_dim, padded,
                         scores + g * kGroup);
    } else if (g + 1 == group_count) {
      scores_block<Q, 1>(queries, groups + g * padded * kGroup, head_dim, padded,
                         scores + g * kGroup);
    }
  }

  // acc[q] += sum_j p[q][j] * values[j] for j < count; acc: [Q, padded], p: [Q,
  // kAttentionKeyBlock]. Two vectors of output columns (32) at a time: 2 Q accumulators, 2 value
  // loads and Q broadcasts per key.
  template <size_t Q>
  static void tile_values(const float* p, const float* values, size_t count, size_t padded,
                          float* acc) {
    size_t c = 0;
    for (; c + 2 * kLanes <= padded; c += 2 * kLanes) {
      values_block<Q, 2>(p, values + c, count, padded, acc + c);
    }
    if (c < padded) values_block<Q, 1>(p, values + c, count, padded, acc + c);
  }

  // scores[q][v * 16 + lane] for Q queries and G groups (one vector each).
  template <size_t Q, size_t G>
  static void scores_block(const float* queries, const float* groups, size_t head_dim,
                           size_t padded, float* scores) {
    __m512 acc[Q][G];
    for (size_t q = 0; q < Q; ++q) {
      for (size_t v = 0; v < G; ++v) acc[q][v] = _mm512_setzero_ps();
    }
    for (size_t d = 0; d < head_dim; ++d) {
      __m512 key[G];
      for (size_t v = 0; v < G; ++v) key[v] = _mm512_load_ps(groups + v * padded * kGroup + d * kGroup);
      for (size_t q = 0; q < Q; ++q) {
        const __m512 query = _mm512_set1_ps(queries[q * padded + d]);
        for (size_t v = 0; v < G; ++v) acc[q][v] = _mm512_fmadd_ps(query, key[v], acc[q][v]);
      }
    }
    for (size_t q = 0; q < Q; ++q) {
      for (size_t v = 0; v < G; ++v) {
        _mm512_store_ps(scores + q * kAttentionKeyBlock + v * kGroup, acc[q][v]);
      }
    }
  }

  // acc[q][0..16 V) += sum_j p[q][j] * values[j][0..16 V) for Q queries.
  template <size_t Q, size_t V>
  static void values_block(const float* p, const float* values, size_t count, size_t padded,
                           float* acc) {
    __m512 a[Q][V];
    for (size_t q = 0; q < Q; ++q) {
      for (size_t v = 0; v < V; ++v) a[q][v] = _mm512_load_ps(acc + q * padded + v * kLanes);
    }
    for (size_t j = 0; j < count; ++j) {
      __m512 value[V];
      for (size_t v = 0; v < V; ++v) value[v] = _mm512_load_ps(values + j * padded + v * kLanes);
      for (size_t q = 0; q < Q; ++q) {
        const __m512 weight = _mm512_set1_ps(p[q * kAttentionKeyBlock + j]);
        for (size_t v = 0; v < V; ++v) a[q][v] = _mm512_fmadd_ps(weight, value[v], a[q][v]);
      }
    }
    for (size_t q = 0; q < Q; ++q) {
      for (size_t v = 0; v < V; ++v) _mm512_store_ps(acc + q * padded + v * kLanes, a[q][v]);
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
