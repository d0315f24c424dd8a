// attention: q, k, v: [seq, head_dim] rows ld_qkv apart; out: [seq, head_dim] rows ld_out apart;
// cos, sin: [seq, head_dim / 2]; key_mask: [seq]; scratch: attention_scratch_floats(seq, head_dim).
// The scalar reference. Real keys are rotated and packed into scratch (masked keys are dropped, so
// they contribute exactly nothing whatever their values), then every query runs an online softmax
// over blocks of kAttentionKeyBlock keys: the running maximum m and sum l are rescaled by
// exp(m_old - m_new) whenever a block raises the maximum (Milakov and Gimelshein 2018, "Online
// normalizer calculation for softmax"), so no [seq, seq] score matrix is ever stored.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/kernel_variants.hpp"

namespace roformer::kernels::scalar {

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

  for (size_t i = 0; i < args.queries; ++i) {
    float* out = args.out + i * args.ld_out;
    if (keys == 0) {  // no real key: the defined answer is zeros
      for (size_t d = 0; d < head_dim; ++d) out[d] = 0.0f;
      continue;
    }

    float* query = scratch.query;
    rotate_row(args.q + i * args.ld_qkv, query, head_dim, args.cos + i * half, args.sin + i * half);
    for (size_t d = 0; d < head_dim; ++d) query[d] *= args.scale;

    float running_max = -std::numeric_limits<float>::infinity();
    float running_sum = 0.0f;
    float* acc = scratch.acc;
    for (size_t d = 0; d < head_dim; ++d) acc[d] = 0.0f;

    for (size_t block = 0; block < keys; block += kAttentionKeyBlock) {
      const size_t block_keys = std::min(kAttentionKeyBlock, keys - block);
      float* scores = scratch.scores;

      float block_max = -std::numeric_limits<float>::infinity();
      for (size_t j = 0; j < block_keys; ++j) {
        const float* key = scratch.keys + (block + j) * padded;
        double dot = 0.0;
        for (size_t d = 0; d < head_dim; ++d) dot += static_cast<double>(query[d]) * key[d];
        scores[j] = static_cast<float>(dot);
        block_max = std::max(block_max, scores[j]);
      }

      // Rescale what earlier blocks accumulated to the new maximum (exp(-inf) = 0 on the first).
      const float new_max = std::max(running_max, block_max);
      const float correction = std::exp(running_max - new_max);
      running_sum *= correction;
      for (size_t d = 0; d < head_dim; ++d) acc[d] *= correction;
      running_max = new_max;

      for (size_t j = 0; j < block_keys; ++j) {
        const float p = std::exp(scores[j] - new_max);
        const float* value = scratch.values + (block + j) * padded;
        running_sum += p;
        for (size_t d = 0; d < head_dim; ++d) acc[d] += p * value[d];
      }
    }

    const float inv_sum = 1.0f / running_sum;
    for (size_t d = 0; d < head_dim; ++d) out[d] = acc[d] * inv_sum;
  }
}

}  // namespace roformer::kernels::scalar
