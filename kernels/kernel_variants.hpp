// Private to kernels/: the per-ISA entry points that dispatch.cpp gathers into KernelTables, and
// the scratch layout that every attention variant shares. Same shapes as the KernelTable members.
#pragma once

#include <cstddef>

#include "kernels/kernels.hpp"

namespace roformer::kernels {

// Attention works on rows padded to a multiple of 16 floats (one AVX-512 vector, two AVX2 vectors)
// with zeros in the padding, so its inner loops never need a tail.
constexpr size_t kAttentionRowAlign = 16;
// Keys are consumed in blocks of this many for the online softmax; the block's scores live in
// scratch, so memory stays O(seq * head_dim) however long the sequence is. Each block costs a
// maximum, a sum and maybe a rescale per query: 256 keys ran 9% faster than 64 at 512 tokens
// (BM_Attention, AVX-512), with the tile's scores (8 x 256 floats) still in L1.
constexpr size_t kAttentionKeyBlock = 256;

// Queries computed together by the vector variants that tile them (scores and values of up to this
// many queries share each key load). The scalar and AVX2 variants use the first row of each.
constexpr size_t kAttentionQueryTile = 8;

inline size_t attention_padded_dim(size_t head_dim) {
  return (head_dim + kAttentionRowAlign - 1) / kAttentionRowAlign * kAttentionRowAlign;
}

// The scratch split, in floats from the start (all offsets multiples of 16, so 64-byte aligned),
// with keys16 = seq rounded up to a multiple of 16 and tile = kAttentionQueryTile:
//   keys:   [keys16, padded]        rotated real keys, packed (masked keys dropped); a variant may
//                                   store them transposed in groups of 16 ([keys16 / 16, padded, 16])
//   values: [keys16, padded]        values of the real keys (rotated when rotary_value), packed
//   query:  [tile, padded]          the current queries, rotated and multiplied by scale
//   acc:    [tile, padded]          their running sums of probability * value
//   scores: [tile, kAttentionKeyBlock]
struct AttentionScratch {
  float* keys;
  float* values;
  float* query;
  float* acc;
  float* scores;
};

inline AttentionScratch split_attention_scratch(float* scratch, size_t seq, size_t head_dim) {
  const size_t padded = attention_padded_dim(head_dim);
  AttentionScratch s;
  const size_t keys16 = (seq + 15) / 16 * 16;
  s.keys = scratch;
  s.values = s.keys + keys16 * padded;
  s.query = s.values + keys16 * padded;
  s.acc = s.query + kAttentionQueryTile * padded;
  s.scores = s.acc + kAttentionQueryTile * padded;
  return s;
}

#define ROFORMER_DECLARE_KERNELS                                                                \
  void layer_norm(const float* x, const float* residual, const float* gamma, const float* beta, \
                  float* y, size_t rows, size_t n, float eps);                                  \
  void rms_norm(const float* x, const float* residual, float* y, size_t rows, size_t n,         \
                float eps);                                                                     \
  void bias_activation(float* x, const float* bias, size_t rows, size_t n, Activation act);     \
  void softmax(float* x, size_t n);                                                             \
  void rotary(float* x, size_t ld, size_t rows, size_t head_dim, const float* cos,              \
              const float* sin);                                                                \
  void attention(const AttentionArgs& args);                                                    \
  void linear_packed(const float* x_tiles, const float* packed, const float* bias,              \
                     Activation act, float* y, size_t ld_y, size_t m, size_t n, size_t k,       \
                     size_t panel_begin, size_t panel_end);                                     \
  /* kernels::pack_rows, the same bits, faster where vectors allow. */                          \
  void pack_rows(const float* x, size_t ld_x, size_t m, size_t k, float* tiles);                \
  /* src, dst: [head_dim], cos, sin: [head_dim / 2]; dst may alias src. */                      \
  void rotate_row(const float* src, float* dst, size_t head_dim, const float* cos,              \
                  const float* sin);

namespace scalar {
ROFORMER_DECLARE_KERNELS
}  // namespace scalar
namespace avx2 {
ROFORMER_DECLARE_KERNELS
}  // namespace avx2
namespace avx512 {
ROFORMER_DECLARE_KERNELS
}  // namespace avx512

#undef ROFORMER_DECLARE_KERNELS

}  // namespace roformer::kernels
