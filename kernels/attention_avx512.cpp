// attention: q, k, v: [seq, head_dim] rows ld_qkv apart; out: [seq, head_dim] rows ld_out apart;
// cos, sin: [seq, head_dim / 2]; key_mask: [seq]; scratch: attention_scratch_floats(seq, head_dim).
// The algorithm of attention_scalar.cpp (real keys packed, online softmax over blocks of 64 keys)
// computed for a tile of up to kAttentionQueryTile queries at once, so that every key and value
// vector loaded serves the whole tile:
//   scores: keys are stored transposed in groups of 16 ([group, d, 16]), so one vector holds the
//           d-th feature of 16 keys and a score vector is a chain of broadcast multiply-adds, with
//           no horizontal sums;
//   values: for each 16-feature slice of the output, the tile's accumulators stay in registers
//           while the block's keys stream past.
// Each query's arithmetic is the same whichever queries share its tile.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx512.hpp"

namespace roformer::kernels::avx512 {

namespace {

constexpr size_t kGroup = kLanes;  // keys per transposed group
constexpr size_t kTile = kAttentionQueryTile;
static_assert(kAttentionKeyBlock % kGroup == 0, "a key block is whole groups");

// Rotated real keys into transposed groups keys: [groups, padded, 16] and values into rows
// values: [keys16, padded]; lanes and rows past the last real key are zeros. Returns the count.
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
  const size_t keys16 = (keys + kGroup - 1) / kGroup * kGroup;
  if (keys16 > keys) {
    float* group = scratch.keys + keys / kGroup * padded * kGroup;
    for (size_t d = 0; d < head_dim; ++d) {
      for (size_t lane = keys % kGroup; lane < kGroup; ++lane) group[d * kGroup + lane] = 0.0f;
    }
    std::memset(scratch.values + keys * padded, 0, (keys16 - keys) * padded * sizeof(float));
  }
  return keys;
}

// scores[q][g * 16 + lane] = query[q] . key(g * 16 + lane) for the groups of one block.
// queries: [Q, padded]; groups: [count, padded, 16]; scores: [Q, kAttentionKeyBlock].
template <size_t Q>
void tile_scores(const float* queries, const float* groups, size_t group_count, size_t head_dim,
                 size_t padded, float* scores) {
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

// acc[q] += sum_j p[q][j] * values[j] for j < count; acc: [Q, padded], p: [Q, kAttentionKeyBlock].
template <size_t Q>
void tile_values(const float* p, const float* values, size_t count, size_t padded, float* acc) {
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
float sum_of_lanes(__m512 x) {
  alignas(64) float lanes[kLanes];
  _mm512_store_ps(lanes, x);
  float sum = 0.0f;
  for (float lane : lanes) sum += lane;
  return sum;
}

float max_of_lanes(__m512 x) {
  alignas(64) float lanes[kLanes];
  _mm512_store_ps(lanes, x);
  return *std::max_element(lanes, lanes + kLanes);
}

// The largest of scores[0..count), count <= kAttentionKeyBlock.
float max_of(const float* scores, size_t count) {
  __m512 max = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (size_t j = 0; j < count; j += kLanes) {
    const __mmask16 mask = tail_mask(std::min(kLanes, count - j));
    max = _mm512_mask_max_ps(max, mask, max, _mm512_maskz_loadu_ps(mask, scores + j));
  }
  return max_of_lanes(max);
}

// scores[j] = exp(scores[j] - max) for j < count; returns their sum.
float exponentiate(float* scores, size_t count, float max) {
  const __m512 m = _mm512_set1_ps(max);
  __m512 sum = _mm512_setzero_ps();
  for (size_t j = 0; j < count; j += kLanes) {
    const __mmask16 mask = tail_mask(std::min(kLanes, count - j));
    const __m512 e =
        _mm512_maskz_mov_ps(mask, exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, scores + j), m)));
    _mm512_mask_storeu_ps(scores + j, mask, e);
    sum = _mm512_add_ps(sum, e);
  }
  return sum_of_lanes(sum);
}

void scale_in_place(float* x, size_t padded, float factor) {
  const __m512 f = _mm512_set1_ps(factor);
  for (size_t d = 0; d < padded; d += kLanes) {
    _mm512_store_ps(x + d, _mm512_mul_ps(_mm512_load_ps(x + d), f));
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
  const __mmask16 out_mask = tail_mask(head_dim - out_full);
  for (size_t q = 0; q < Q; ++q) {
    float* out = args.out + (first + q) * args.ld_out;
    const float* acc = scratch.acc + q * padded;
    const __m512 inv_sum = _mm512_set1_ps(1.0f / running_sum[q]);
    for (size_t d = 0; d < out_full; d += kLanes) {
      _mm512_storeu_ps(out + d, _mm512_mul_ps(_mm512_load_ps(acc + d), inv_sum));
    }
    if (out_full < head_dim) {  // the remaining head_dim % 16 features
      _mm512_mask_storeu_ps(out + out_full, out_mask,
                            _mm512_mul_ps(_mm512_load_ps(acc + out_full), inv_sum));
    }
  }
}

template <size_t... Q>
void query_tile_of(size_t count, std::index_sequence<Q...>, const AttentionArgs& args,
                   size_t first, size_t keys, size_t padded, const AttentionScratch& scratch) {
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

}  // namespace roformer::kernels::avx512
