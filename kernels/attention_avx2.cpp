// attention: q, k, v: [seq, head_dim] rows ld_qkv apart; out: [seq, head_dim] rows ld_out apart;
// cos, sin: [seq, head_dim / 2]; key_mask: [seq]; scratch: attention_scratch_floats(seq, head_dim).
// The query-tiled attention of kernels/attention_tiled.hpp with 8-lane vectors: keys transposed in
// groups of 8. Both loops work on blocks of 4 of the tile's 8 queries by two vectors (16 keys, or
// 16 output columns): 8 accumulators, two vector loads and a broadcast of the 16 ymm registers,
// 8 independent FMA chains, and 6 loads for 8 multiply-adds (9 with one vector of 8 queries).
#include <algorithm>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "kernels/attention_tiled.hpp"
#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx2.hpp"

namespace roformer::kernels::avx2 {

namespace {

// This ISA's vector pieces for tiled::attention (the contract is in attention_tiled.hpp).
struct Ops {
  static constexpr size_t kGroup = kLanes;

  static void rotate_row(const float* src, float* dst, size_t head_dim, const float* cos,
                         const float* sin) {
    avx2::rotate_row(src, dst, head_dim, cos, sin);
  }

  // scores[q][g * 8 + lane] = query[q] . key(g * 8 + lane) for the groups of one block.
  // queries: [Q, padded]; groups: [count, padded, 8]; scores: [Q, kAttentionKeyBlock].
  template <size_t Q>
  static void tile_scores(const float* queries, const float* groups, size_t group_count,
                          size_t head_dim, size_t padded, float* scores) {
    for_query_blocks<Q>([&](auto block, size_t first) {
      size_t g = 0;
      for (; g + 2 <= group_count; g += 2) {
        scores_block<block, 2>(queries + first * padded, groups + g * padded * kGroup, head_dim,
                               padded, scores + first * kAttentionKeyBlock + g * kGroup);
      }
      if (g < group_count) {
        scores_block<block, 1>(queries + first * padded, groups + g * padded * kGroup, head_dim,
                               padded, scores + first * kAttentionKeyBlock + g * kGroup);
      }
    });
  }

  // acc[q] += sum_j p[q][j] * values[j] for j < count; acc: [Q, padded], p: [Q,
  // kAttentionKeyBlock].
  template <size_t Q>
  static void tile_values(const float* p, const float* values, size_t count, size_t padded,
                          float* acc) {
    for_query_blocks<Q>([&](auto block, size_t first) {
      // padded is a multiple of 16: two vectors of output columns at a time.
      for (size_t c = 0; c < padded; c += 2 * kLanes) {
        values_block<block>(p + first * kAttentionKeyBlock, values + c, count, padded,
                            acc + first * padded + c);
      }
    });
  }

  // Calls f(std::integral_constant<size_t, B>, first) for blocks of B <= kQueryBlock queries
  // covering [0, Q): each block's accumulators for two vectors of keys or values fit in registers
  // (2 B of the 16 ymm, two loads and a broadcast), so every load serves more multiply-adds.
  static constexpr size_t kQueryBlock = 4;
  template <size_t Q, size_t First = 0, class F>
  static void for_query_blocks(F&& f) {
    if constexpr (First < Q) {
      constexpr size_t kBlock = Q - First < kQueryBlock ? Q - First : kQueryBlock;
      f(std::integral_constant<size_t, kBlock>{}, First);
      for_query_blocks<Q, First + kBlock>(f);
    }
  }

  // scores[q][v * 8 + lane] for B queries and G <= 2 groups (one vector each).
  template <size_t B, size_t G>
  static void scores_block(const float* queries, const float* groups, size_t head_dim,
                           size_t padded, float* scores) {
    __m256 acc[B][G];
    for (size_t q = 0; q < B; ++q) {
      for (size_t v = 0; v < G; ++v) acc[q][v] = _mm256_setzero_ps();
    }
    for (size_t d = 0; d < head_dim; ++d) {
      __m256 key[G];
      for (size_t v = 0; v < G; ++v)
        key[v] = _mm256_load_ps(groups + v * padded * kGroup + d * kGroup);
      for (size_t q = 0; q < B; ++q) {
        const __m256 query = _mm256_broadcast_ss(queries + q * padded + d);
        for (size_t v = 0; v < G; ++v) acc[q][v] = _mm256_fmadd_ps(query, key[v], acc[q][v]);
      }
    }
    for (size_t q = 0; q < B; ++q) {
      for (size_t v = 0; v < G; ++v) {
        _mm256_store_ps(scores + q * kAttentionKeyBlock + v * kGroup, acc[q][v]);
      }
    }
  }

  // acc[q][0..16) += sum_j p[q][j] * values[j][0..16) for B queries.
  template <size_t B>
  static void values_block(const float* p, const float* values, size_t count, size_t padded,
                           float* acc) {
    __m256 a[B][2];
    for (size_t q = 0; q < B; ++q) {
      for (size_t v = 0; v < 2; ++v) a[q][v] = _mm256_load_ps(acc + q * padded + v * kLanes);
    }
    for (size_t j = 0; j < count; ++j) {
      const __m256 value[2] = {_mm256_load_ps(values + j * padded),
                               _mm256_load_ps(values + j * padded + kLanes)};
      for (size_t q = 0; q < B; ++q) {
        const __m256 weight = _mm256_broadcast_ss(p + q * kAttentionKeyBlock + j);
        for (size_t v = 0; v < 2; ++v) a[q][v] = _mm256_fmadd_ps(weight, value[v], a[q][v]);
      }
    }
    for (size_t q = 0; q < B; ++q) {
      for (size_t v = 0; v < 2; ++v) _mm256_store_ps(acc + q * padded + v * kLanes, a[q][v]);
    }
  }

  // The largest of scores[0..count), count <= kAttentionKeyBlock; scores 32-byte aligned.
  static float max_of(const float* scores, size_t count) {
    const __m256 minus_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256 max = minus_inf;
    size_t j = 0;
    for (; j + kLanes <= count; j += kLanes) max = _mm256_max_ps(max, _mm256_load_ps(scores + j));
    const size_t remaining = count - j;
    if (remaining > 0) {
      const __m256 mask = _mm256_castsi256_ps(tail_mask(remaining));
      max = _mm256_max_ps(max, _mm256_blendv_ps(minus_inf, _mm256_load_ps(scores + j), mask));
    }
    return hmax(max);
  }

  // scores[j] = exp(scores[j] - max) for j < count; returns their sum.
  static float exponentiate(float* scores, size_t count, float max) {
    const __m256 m = _mm256_set1_ps(max);
    __m256 sum = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + kLanes <= count; j += kLanes) {
      const __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_load_ps(scores + j), m));
      _mm256_store_ps(scores + j, e);
      sum = _mm256_add_ps(sum, e);
    }
    const size_t remaining = count - j;
    if (remaining > 0) {
      const __m256i mask = tail_mask(remaining);
      const __m256 e =
          _mm256_and_ps(exp_nonpositive(_mm256_sub_ps(_mm256_maskload_ps(scores + j, mask), m)),
                        _mm256_castsi256_ps(mask));
      _mm256_maskstore_ps(scores + j, mask, e);
      sum = _mm256_add_ps(sum, e);
    }
    return hsum(sum);
  }

  static void scale_in_place(float* x, size_t padded, float factor) {
    const __m256 f = _mm256_set1_ps(factor);
    for (size_t d = 0; d < padded; d += kLanes) {
      _mm256_store_ps(x + d, _mm256_mul_ps(_mm256_load_ps(x + d), f));
    }
  }

  // out[d] = acc[d] * factor for d < head_dim; acc: [padded].
  static void store_scaled(const float* acc, float factor, float* out, size_t head_dim) {
    const __m256 f = _mm256_set1_ps(factor);
    const size_t full = head_dim / kLanes * kLanes;
    for (size_t d = 0; d < full; d += kLanes) {
      _mm256_storeu_ps(out + d, _mm256_mul_ps(_mm256_load_ps(acc + d), f));
    }
    if (full < head_dim) {  // the remaining head_dim % 8 features
      _mm256_maskstore_ps(out + full, tail_mask(head_dim - full),
                          _mm256_mul_ps(_mm256_load_ps(acc + full), f));
    }
  }
};

}  // namespace

void attention(const AttentionArgs& args) { tiled::attention<Ops>(args); }

}  // namespace roformer::kernels::avx2
