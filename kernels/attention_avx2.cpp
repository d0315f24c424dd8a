// attention: q, k, v: [seq, head_dim] rows ld_qkv apart; out: [seq, head_dim] rows ld_out apart;
// cos, sin: [seq, head_dim / 2]; key_mask: [seq]; scratch: attention_scratch_floats(seq, head_dim).
// The algorithm of attention_scalar.cpp (real keys packed, online softmax over blocks of 64 keys)
// computed for a tile of up to kAttentionQueryTile queries at once, so that every key and value
// vector loaded serves the whole tile:
//   scores: keys are stored transposed in groups of 8 ([group, d, 8]), so one vector holds the d-th
//           feature of 8 keys and a score vector is a chain of broadcast multiply-adds, with no
//           horizontal sums;
//   values: for each 8-feature slice of the output, the tile's accumulators stay in registers
//           while the block's keys stream past.
// With 8 queries both loops hold 8 accumulators, one vector load and one broadcast: 10 of the 16
// ymm registers, and 8 independent FMA chains, enough to cover the FMA latency.
// Each query's arithmetic is the same whichever queries share its tile.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx2.hpp"

namespace roformer::kernels::avx2 {

namespace {

constexpr size_t kGroup = kLanes;  // keys per transposed group
constexpr size_t kTile = kAttentionQueryTile;
static_assert(kAttentionKeyBlock % kGroup == 0, "a key block is whole groups");

// Rotated real keys into transposed groups keys: [groups, padded, 8] and values into rows
// values: [keys8, padded]; lanes and rows past the last real key are zeros. Returns the count.
// The groups of 8 fill no more than the [keys16, padded] floats the scratch sets aside.
size_t pack_keys(const AttentionArgs& args, size_t padded, const AttentionScratch& scratch,
                 float* row) {
  const size_t head_dim = args.head_dim, half = head_dim / 2;
  size_t keys = 0;
  for (size_t j = 0; j < args.seq; ++j) {
    if (args.key_mask != nullptr && args.key_mask[j] == 0) continue;
    rotate_row(args.k + j * args.ld_qkv, row, head_dim, args.cos + j * half, args.sin + j * half);
    float* group = scratch.keys + keys / kGroup * padded * kGroup;
    for (size_t d = 0; d < head_dim; ++d) group[d * kGroup + keys % kGroup] = row[d];
    float* value = scratch.values + keys * padded;
    if (args.rotary_value) {
      rotate_row(args.v + j * args.ld_qkv, value, head_dim, args.cos + j * half,
                 args.sin + j * half);
    } else {
      std::memcpy(value, args.v + j * args.ld_qkv, head_dim * sizeof(float));
    }
    for (size_t d = head_dim; d < padded; ++d) value[d] = 0.0f;
    ++keys;
  }
  const size_t keys8 = (keys + kGroup - 1) / kGroup * kGroup;
  if (keys8 > keys) {
    float* group = scratch.keys + keys / kGroup * padded * kGroup;
    for (size_t d = 0; d < head_dim; ++d) {
      for (size_t lane = keys % kGroup; lane < kGroup; ++lane) group[d * kGroup + lane] = 0.0f;
    }
    std::memset(scratch.values + keys * padded, 0, (keys8 - keys) * padded * sizeof(float));
  }
  return keys;
}

// scores[q][g * 8 + lane] = query[q] . key(g * 8 + lane) for the groups of one block.
// queries: [Q, padded]; groups: [count, padded, 8]; scores: [Q, kAttentionKeyBlock].
template <size_t Q>
void tile_scores(const float* queries, const float* groups, size_t group_count, size_t head_dim,
                 size_t padded, float* scores) {
  for (size_t g = 0; g < group_count; ++g) {
    const float* group = groups + g * padded * kGroup;
    __m256 acc[Q];
    for (size_t q = 0; q < Q; ++q) acc[q] = _mm256_setzero_ps();
    for (size_t d = 0; d < head_dim; ++d) {
      const __m256 key = _mm256_load_ps(group + d * kGroup);
      for (size_t q = 0; q < Q; ++q) {
        acc[q] = _mm256_fmadd_ps(_mm256_broadcast_ss(queries + q * padded + d), key, acc[q]);
      }
    }
    for (size_t q = 0; q < Q; ++q) {
      _mm256_store_ps(scores + q * kAttentionKeyBlock + g * kGroup, acc[q]);
    }
  }
}

// acc[q] += sum_j p[q][j] * values[j] for j < count; acc: [Q, padded], p: [Q, kAttentionKeyBlock].
template <size_t Q>
void tile_values(const float* p, const float* values, size_t count, size_t padded, float* acc) {
  for (size_t c = 0; c < padded; c += kLanes) {
    __m256 a[Q];
    for (size_t q = 0; q < Q; ++q) a[q] = _mm256_load_ps(acc + q * padded + c);
    for (size_t j = 0; j < count; ++j) {
      const __m256 value = _mm256_load_ps(values + j * padded + c);
      for (size_t q = 0; q < Q; ++q) {
        a[q] = _mm256_fmadd_ps(_mm256_broadcast_ss(p + q * kAttentionKeyBlock + j), value, a[q]);
      }
    }
    for (size_t q = 0; q < Q; ++q) _mm256_store_ps(acc + q * padded + c, a[q]);
  }
}

// The largest of scores[0..count), count <= kAttentionKeyBlock; scores 32-byte aligned.
float max_of(const float* scores, size_t count) {
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
float exponentiate(float* scores, size_t count, float max) {
  const __m256 m = _mm256_set1_ps(max);
  __m256 sum = _mm256_setzero_ps();
  size_t j = 0;
  for (; j + kLanes <= count; j += kLanes) {
    const __m256 e = exp(_mm256_sub_ps(_mm256_load_ps(scores + j), m));
    _mm256_store_ps(scores + j, e);
    sum = _mm256_add_ps(sum, e);
  }
  const size_t remaining = count - j;
  if (remaining > 0) {
    const __m256i mask = tail_mask(remaining);
    const __m256 e = _mm256_and_ps(exp(_mm256_sub_ps(_mm256_maskload_ps(scores + j, mask), m)),
                                   _mm256_castsi256_ps(mask));
    _mm256_maskstore_ps(scores + j, mask, e);
    sum = _mm256_add_ps(sum, e);
  }
  return hsum(sum);
}

void scale_in_place(float* x, size_t padded, float factor) {
  const __m256 f = _mm256_set1_ps(factor);
  for (size_t d = 0; d < padded; d += kLanes) {
    _mm256_store_ps(x + d, _mm256_mul_ps(_mm256_load_ps(x + d), f));
  }
}

// Queries first .. first + Q - 1 against every packed key.
template <size_t Q>
void query_tile(const AttentionArgs& args, size_t first, size_t keys, size_t padded,
                const AttentionScratch& scratch) {
  const size_t head_dim = args.head_dim, half = head_dim / 2;
  for (size_t q = 0; q < Q; ++q) {
    const size_t i = first + q;
    float* query = scratch.query + q * padded;
    rotate_row(args.q + i * args.ld_qkv, query, head_dim, args.cos + i * half, args.sin + i * half);
    for (size_t d = head_dim; d < padded; ++d) query[d] = 0.0f;
    scale_in_place(query, padded, args.scale);
  }
  std::memset(scratch.acc, 0, Q * padded * sizeof(float));
  float running_max[Q], running_sum[Q];
  for (size_t q = 0; q < Q; ++q) {
    running_max[q] = -std::numeric_limits<float>::infinity();
    running_sum[q] = 0.0f;
  }

  for (size_t block = 0; block < keys; block += kAttentionKeyBlock) {
    const size_t block_keys = std::min(kAttentionKeyBlock, keys - block);
    tile_scores<Q>(scratch.query, scratch.keys + block * padded, (block_keys + kGroup - 1) / kGroup,
                   head_dim, padded, scratch.scores);
    for (size_t q = 0; q < Q; ++q) {
      // Rescale what earlier blocks accumulated to the new maximum.
      float* scores = scratch.scores + q * kAttentionKeyBlock;
      const float new_max = std::max(running_max[q], max_of(scores, block_keys));
      if (new_max > running_max[q] && block > 0) {
        const float correction = std::exp(running_max[q] - new_max);
        running_sum[q] *= correction;
        scale_in_place(scratch.acc + q * padded, padded, correction);
      }
      running_max[q] = new_max;
      running_sum[q] += exponentiate(scores, block_keys, new_max);
    }
    tile_values<Q>(scratch.scores, scratch.values + block * padded, block_keys, padded,
                   scratch.acc);
  }

  const size_t out_full = head_dim / kLanes * kLanes;
  const __m256i out_mask = tail_mask(head_dim - out_full);
  for (size_t q = 0; q < Q; ++q) {
    float* out = args.out + (first + q) * args.ld_out;
    const float* acc = scratch.acc + q * padded;
    const __m256 inv_sum = _mm256_set1_ps(1.0f / running_sum[q]);
    for (size_t d = 0; d < out_full; d += kLanes) {
      _mm256_storeu_ps(out + d, _mm256_mul_ps(_mm256_load_ps(acc + d), inv_sum));
    }
    if (out_full < head_dim) {  // the remaining head_dim % 8 features
      _mm256_maskstore_ps(out + out_full, out_mask,
                          _mm256_mul_ps(_mm256_load_ps(acc + out_full), inv_sum));
    }
  }
}

template <size_t... Q>
void query_tile_of(size_t count, std::index_sequence<Q...>, const AttentionArgs& args, size_t first,
                   size_t keys, size_t padded, const AttentionScratch& scratch) {
  using Tile = void (*)(const AttentionArgs&, size_t, size_t, size_t, const AttentionScratch&);
  static constexpr Tile kTiles[] = {query_tile<Q + 1>...};
  kTiles[count - 1](args, first, keys, padded, scratch);
}

}  // namespace

void attention(const AttentionArgs& args) {
  assert(args.head_dim % 2 == 0);
  assert(reinterpret_cast<uintptr_t>(args.scratch) % 64 == 0);
  const size_t padded = attention_padded_dim(args.head_dim);
  const AttentionScratch scratch = split_attention_scratch(args.scratch, args.seq, args.head_dim);

  const size_t keys = pack_keys(args, padded, scratch, scratch.acc);
  if (keys == 0) {  // no real key: the defined answer is zeros
    for (size_t i = 0; i < args.seq; ++i) {
      std::memset(args.out + i * args.ld_out, 0, args.head_dim * sizeof(float));
    }
    return;
  }
  for (size_t first = 0; first < args.seq; first += kTile) {
    const size_t count = std::min(kTile, args.seq - first);
    query_tile_of(count, std::make_index_sequence<kTile>{}, args, first, keys, padded, scratch);
  }
}

}  // namespace roformer::kernels::avx2
