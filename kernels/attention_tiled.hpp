// Private to kernels/: the query-tiled fused attention that the AVX2 and AVX-512 variants share.
// The algorithm of attention_scalar.cpp (real keys packed, online softmax over blocks of
// kAttentionKeyBlock keys) computed for a tile of up to kAttentionQueryTile queries at once, so
// that every key and value vector loaded serves the whole tile:
//   scores: keys are stored transposed in groups of Ops::kGroup (one vector: [group, padded,
//           kGroup]), so one vector holds the d-th feature of kGroup keys and a score vector is a
//           chain of broadcast multiply-adds, with no horizontal sums;
//   values: for each vector-wide slice of the output, the tile's accumulators stay in registers
//           while the block's keys stream past.
// Each query's arithmetic is the same whichever queries share its tile.
//
// Ops is one ISA's vector pieces (included only from that ISA's file, so each instance is compiled
// with its own target flags):
//   kGroup                                        keys per transposed group = vector lanes
//   rotate_row(src, dst, head_dim, cos, sin)      the interleaved-pair rotation
//   tile_scores<Q>(queries, groups, group_count, head_dim, padded, scores)
//                                                 scores[q][g * kGroup + lane] for a block
//   tile_values<Q>(p, values, count, padded, acc) acc[q] += sum_j p[q][j] * values[j]
//   max_of(scores, count), exponentiate(scores, count, max) -> sum, scale_in_place(x, padded, f)
//   store_scaled(acc, factor, out, head_dim)      out[d] = acc[d] * factor, d < head_dim
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "kernels/kernel_variants.hpp"

namespace roformer::kernels::tiled {

// Rotated real keys into transposed groups keys: [groups, padded, kGroup] and values into rows
// values: [keys rounded up to kGroup, padded]; lanes and rows past the last real key are zeros.
// `row` is head_dim floats of room. Returns the number of real keys. kGroup <= 16, so the groups
// fill no more than the [keys16, padded] floats the scratch sets aside.
template <class Ops>
size_t pack_keys(const AttentionArgs& args, size_t padded, const AttentionScratch& scratch,
                 float* row) {
  constexpr size_t kGroup = Ops::kGroup;
  static_assert(kGroup <= kAttentionRowAlign && kAttentionKeyBlock % kGroup == 0);
  const size_t head_dim = args.head_dim, half = head_dim / 2;
  size_t keys = 0;
  for (size_t j = 0; j < args.seq; ++j) {
    if (args.key_mask != nullptr && args.key_mask[j] == 0) continue;
    Ops::rotate_row(args.k + j * args.ld_qkv, row, head_dim, args.cos + j * half,
                    args.sin + j * half);
    float* group = scratch.keys + keys / kGroup * padded * kGroup;
    for (size_t d = 0; d < head_dim; ++d) group[d * kGroup + keys % kGroup] = row[d];
    float* value = scratch.values + keys * padded;
    if (args.rotary_value) {
      Ops::rotate_row(args.v + j * args.ld_qkv, value, head_dim, args.cos + j * half,
                      args.sin + j * half);
    } else {
      std::memcpy(value, args.v + j * args.ld_qkv, head_dim * sizeof(float));
    }
    for (size_t d = head_dim; d < padded; ++d) value[d] = 0.0f;
    ++keys;
  }
  const size_t rounded = (keys + kGroup - 1) / kGroup * kGroup;
  if (rounded > keys) {
    float* group = scratch.keys + keys / kGroup * padded * kGroup;
    for (size_t d = 0; d < head_dim; ++d) {
      for (size_t lane = keys % kGroup; lane < kGroup; ++lane) group[d * kGroup + lane] = 0.0f;
    }
    std::memset(scratch.values + keys * padded, 0, (rounded - keys) * padded * sizeof(float));
  }
  return keys;
}

// Queries first .. first + Q - 1 against every packed key.
template <class Ops, size_t Q>
void query_tile(const AttentionArgs& args, size_t first, size_t keys, size_t padded,
                const AttentionScratch& scratch) {
  const size_t head_dim = args.head_dim, half = head_dim / 2;
  for (size_t q = 0; q < Q; ++q) {
    const size_t i = first + q;
    float* query = scratch.query + q * padded;
    Ops::rotate_row(args.q + i * args.ld_qkv, query, head_dim, args.cos + i * half,
                    args.sin + i * half);
    for (size_t d = head_dim; d < padded; ++d) query[d] = 0.0f;
    Ops::scale_in_place(query, padded, args.scale);
  }
  std::memset(scratch.acc, 0, Q * padded * sizeof(float));
  float running_max[Q], running_sum[Q];
  for (size_t q = 0; q < Q; ++q) {
    running_max[q] = -std::numeric_limits<float>::infinity();
    running_sum[q] = 0.0f;
  }

  for (size_t block = 0; block < keys; block += kAttentionKeyBlock) {
    const size_t block_keys = std::min(kAttentionKeyBlock, keys - block);
    Ops::template tile_scores<Q>(scratch.query, scratch.keys + block * padded,
                                 (block_keys + Ops::kGroup - 1) / Ops::kGroup, head_dim, padded,
                                 scratch.scores);
    for (size_t q = 0; q < Q; ++q) {
      // Rescale what earlier blocks accumulated to the new maximum.
      float* scores = scratch.scores + q * kAttentionKeyBlock;
      const float new_max = std::max(running_max[q], Ops::max_of(scores, block_keys));
      if (new_max > running_max[q] && block > 0) {
        const float correction = std::exp(running_max[q] - new_max);
        running_sum[q] *= correction;
        Ops::scale_in_place(scratch.acc + q * padded, padded, correction);
      }
      running_max[q] = new_max;
      running_sum[q] += Ops::exponentiate(scores, block_keys, new_max);
    }
    Ops::template tile_values<Q>(scratch.scores, scratch.values + block * padded, block_keys,
                                 padded, scratch.acc);
  }

  for (size_t q = 0; q < Q; ++q) {
    Ops::store_scaled(scratch.acc + q * padded, 1.0f / running_sum[q],
                      args.out + (first + q) * args.ld_out, head_dim);
  }
}

template <class Ops, size_t... Q>
void query_tile_of(size_t count, std::index_sequence<Q...>, const AttentionArgs& args, size_t first,
                   size_t keys, size_t padded, const AttentionScratch& scratch) {
  using Tile = void (*)(const AttentionArgs&, size_t, size_t, size_t, const AttentionScratch&);
  static constexpr Tile kTiles[] = {query_tile<Ops, Q + 1>...};
  kTiles[count - 1](args, first, keys, padded, scratch);
}

template <class Ops>
void attention(const AttentionArgs& args) {
  assert(args.head_dim % 2 == 0);
  assert(reinterpret_cast<uintptr_t>(args.scratch) % 64 == 0);
  const size_t padded = attention_padded_dim(args.head_dim);
  const AttentionScratch scratch = split_attention_scratch(args.scratch, args.seq, args.head_dim);

  const size_t keys = pack_keys<Ops>(args, padded, scratch, scratch.acc);
  if (keys == 0) {  // no real key: the defined answer is zeros
    for (size_t i = 0; i < args.queries; ++i) {
      std::memset(args.out + i * args.ld_out, 0, args.head_dim * sizeof(float));
    }
    return;
  }
  constexpr size_t kTile = kAttentionQueryTile;
  for (size_t first = 0; first < args.queries; first += kTile) {
    const size_t count = std::min(kTile, args.queries - first);
    query_tile_of<Ops>(count, std::make_index_sequence<kTile>{}, args, first, keys, padded,
                       scratch);
  }
}

}  // namespace roformer::kernels::tiled
