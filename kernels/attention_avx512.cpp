// attention: q, k, v: [seq, head_dim] rows ld_qkv apart; out: [seq, head_dim] rows ld_out apart;
// cos, sin: [seq, head_dim / 2]; key_mask: [seq]; scratch: attention_scratch_floats(seq, head_dim).
// The algorithm of attention_scalar.cpp and the layout of attention_avx512.cpp with 16-lane
// vectors: packed rows are zero-padded to a multiple of 16 floats, so dot products and value sums
// have no tail; the scores of a short last block and the output row use k-masks.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/kernel_variants.hpp"
#include "kernels/simd_avx512.hpp"

namespace roformer::kernels::avx512 {

namespace {

// scores[j] = query . keys[j] for j < count; rows `padded` floats long.
void block_scores(const float* query, const float* keys, size_t count, size_t padded,
                  float* scores) {
  size_t j = 0;
  for (; j + 4 <= count; j += 4) {
    const float* k0 = keys + j * padded;
    const float* k1 = k0 + padded;
    const float* k2 = k1 + padded;
    const float* k3 = k2 + padded;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    for (size_t d = 0; d < padded; d += kLanes) {
      const __m512 q = _mm512_load_ps(query + d);
      a0 = _mm512_fmadd_ps(q, _mm512_load_ps(k0 + d), a0);
      a1 = _mm512_fmadd_ps(q, _mm512_load_ps(k1 + d), a1);
      a2 = _mm512_fmadd_ps(q, _mm512_load_ps(k2 + d), a2);
      a3 = _mm512_fmadd_ps(q, _mm512_load_ps(k3 + d), a3);
    }
    scores[j] = _mm512_reduce_add_ps(a0);
    scores[j + 1] = _mm512_reduce_add_ps(a1);
    scores[j + 2] = _mm512_reduce_add_ps(a2);
    scores[j + 3] = _mm512_reduce_add_ps(a3);
  }
  for (; j < count; ++j) {  // the remaining 0..3 keys, one at a time
    const float* key = keys + j * padded;
    __m512 a = _mm512_setzero_ps();
    for (size_t d = 0; d < padded; d += kLanes) {
      a = _mm512_fmadd_ps(_mm512_load_ps(query + d), _mm512_load_ps(key + d), a);
    }
    scores[j] = _mm512_reduce_add_ps(a);
  }
}

// acc += sum_j p[j] * values[j] for j < count, two keys per pass over acc.
void accumulate_values(const float* p, const float* values, size_t count, size_t padded,
                       float* acc) {
  size_t j = 0;
  for (; j + 2 <= count; j += 2) {
    const float* v0 = values + j * padded;
    const float* v1 = v0 + padded;
    const __m512 p0 = _mm512_set1_ps(p[j]);
    const __m512 p1 = _mm512_set1_ps(p[j + 1]);
    for (size_t d = 0; d < padded; d += kLanes) {
      __m512 a = _mm512_load_ps(acc + d);
      a = _mm512_fmadd_ps(p0, _mm512_load_ps(v0 + d), a);
      a = _mm512_fmadd_ps(p1, _mm512_load_ps(v1 + d), a);
      _mm512_store_ps(acc + d, a);
    }
  }
  if (j < count) {  // the remaining key when count is odd
    const float* value = values + j * padded;
    const __m512 pj = _mm512_set1_ps(p[j]);
    for (size_t d = 0; d < padded; d += kLanes) {
      _mm512_store_ps(acc + d,
                      _mm512_fmadd_ps(pj, _mm512_load_ps(value + d), _mm512_load_ps(acc + d)));
    }
  }
}

// scores[j] = exp(scores[j] - max) for j < count; returns their sum.
float exponentiate(float* scores, size_t count, float max) {
  const __m512 m = _mm512_set1_ps(max);
  __m512 sum = _mm512_setzero_ps();
  size_t j = 0;
  for (; j + kLanes <= count; j += kLanes) {
    const __m512 e = exp(_mm512_sub_ps(_mm512_load_ps(scores + j), m));
    _mm512_store_ps(scores + j, e);
    sum = _mm512_add_ps(sum, e);
  }
  const size_t remaining = count - j;
  if (remaining > 0) {
    const __mmask16 mask = tail_mask(remaining);
    const __m512 e =
        _mm512_maskz_mov_ps(mask, exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, scores + j), m)));
    _mm512_mask_storeu_ps(scores + j, mask, e);
    sum = _mm512_add_ps(sum, e);
  }
  return _mm512_reduce_add_ps(sum);
}

float max_of(const float* x, size_t count) {
  float max = -std::numeric_limits<float>::infinity();
  for (size_t j = 0; j < count; ++j) max = std::max(max, x[j]);
  return max;
}

void scale_in_place(float* x, size_t padded, float factor) {
  const __m512 f = _mm512_set1_ps(factor);
  for (size_t d = 0; d < padded; d += kLanes) {
    _mm512_store_ps(x + d, _mm512_mul_ps(_mm512_load_ps(x + d), f));
  }
}

}  // namespace

void attention(const AttentionArgs& args) {
  assert(args.head_dim % 2 == 0);
  assert(reinterpret_cast<uintptr_t>(args.scratch) % 64 == 0);
  const size_t head_dim = args.head_dim;
  const size_t half = head_dim / 2;
  const size_t padded = attention_padded_dim(head_dim);
  const AttentionScratch scratch = split_attention_scratch(args.scratch, args.seq, head_dim);

  // Pack the real keys and their values, rotated, with zero padding.
  size_t keys = 0;
  for (size_t j = 0; j < args.seq; ++j) {
    if (args.key_mask != nullptr && args.key_mask[j] == 0) continue;
    float* key = scratch.keys + keys * padded;
    float* value = scratch.values + keys * padded;
    rotate_row(args.k + j * args.ld_qkv, key, head_dim, args.cos + j * half, args.sin + j * half);
    if (args.rotary_value) {
      rotate_row(args.v + j * args.ld_qkv, value, head_dim, args.cos + j * half,
                 args.sin + j * half);
    } else {
      std::memcpy(value, args.v + j * args.ld_qkv, head_dim * sizeof(float));
    }
    for (size_t d = head_dim; d < padded; ++d) key[d] = value[d] = 0.0f;
    ++keys;
  }

  const size_t out_full = head_dim / kLanes * kLanes;
  const __mmask16 out_mask = tail_mask(head_dim - out_full);
  for (size_t i = 0; i < args.seq; ++i) {
    float* out = args.out + i * args.ld_out;
    if (keys == 0) {  // no real key: the defined answer is zeros
      std::memset(out, 0, head_dim * sizeof(float));
      continue;
    }

    float* query = scratch.query;
    rotate_row(args.q + i * args.ld_qkv, query, head_dim, args.cos + i * half, args.sin + i * half);
    for (size_t d = head_dim; d < padded; ++d) query[d] = 0.0f;
    scale_in_place(query, padded, args.scale);

    float running_max = -std::numeric_limits<float>::infinity();
    float running_sum = 0.0f;
    std::memset(scratch.acc, 0, padded * sizeof(float));

    for (size_t block = 0; block < keys; block += kAttentionKeyBlock) {
      const size_t block_keys = std::min(kAttentionKeyBlock, keys - block);
      block_scores(query, scratch.keys + block * padded, block_keys, padded, scratch.scores);

      // Rescale what earlier blocks accumulated to the new maximum (exp(-inf) = 0 on the first).
      const float new_max = std::max(running_max, max_of(scratch.scores, block_keys));
      if (new_max > running_max && block > 0) {
        const float correction = std::exp(running_max - new_max);
        running_sum *= correction;
        scale_in_place(scratch.acc, padded, correction);
      }
      running_max = new_max;

      running_sum += exponentiate(scratch.scores, block_keys, new_max);
      accumulate_values(scratch.scores, scratch.values + block * padded, block_keys, padded,
                        scratch.acc);
    }

    const __m512 inv_sum = _mm512_set1_ps(1.0f / running_sum);
    for (size_t d = 0; d < out_full; d += kLanes) {
      _mm512_storeu_ps(out + d, _mm512_mul_ps(_mm512_load_ps(scratch.acc + d), inv_sum));
    }
    if (out_full < head_dim) {  // the remaining head_dim % 16 features
      _mm512_mask_storeu_ps(out + out_full, out_mask,
                            _mm512_mul_ps(_mm512_load_ps(scratch.acc + out_full), inv_sum));
    }
  }
}

}  // namespace roformer::kernels::avx512
