// The kernel families and their run-time dispatch table. Kernels are pure functions on raw
// pointers and sizes; they assume valid arguments (callers validate) and only debug-assert.
// Shapes use one notation everywhere: outermost first, e.g. x: [rows, n].
#pragma once

#include <cstddef>
#include <cstdint>

namespace roformer::kernels {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
const char* isa_name(Isa isa);

enum class Activation { kIdentity, kGelu, kGeluTanh, kRelu, kTanh, kSilu };

// One attention problem: a single sequence and a single head.
struct AttentionArgs {
  const float* q;        // q: [seq, head_dim], rows `ld_qkv` floats apart (not yet rotated)
  const float* k;        // k: [seq, head_dim], same stride
  const float* v;        // v: [seq, head_dim], same stride
  size_t ld_qkv;
  float* out;            // out: [seq, head_dim], rows `ld_out` floats apart
  size_t ld_out;
  size_t seq;
  size_t queries;        // queries 0..queries-1 (<= seq) are computed; later rows of out untouched
  size_t head_dim;       // even
  const float* cos;      // cos, sin: [seq, head_dim / 2]; row p holds the angles of position p
  const float* sin;
  const uint8_t* key_mask;  // key_mask: [seq], 1 = real key, 0 = padding; null = every key is real
  bool rotary_value;     // rotate v with the same rotation as q and k
  float scale;           // usually 1 / sqrt(head_dim)
  float* scratch;        // at least attention_scratch_floats(seq, head_dim) floats, 64-byte aligned
};

size_t attention_scratch_floats(size_t seq, size_t head_dim);

struct KernelTable {
  Isa isa;

  // x, residual, y: [rows, n]; gamma, beta: [n].
  // y = (x + residual - mean) / sqrt(var + eps) * gamma + beta. residual, gamma, beta may be null;
  // y may alias x.
  void (*layer_norm)(const float* x, const float* residual, const float* gamma, const float* beta,
                     float* y, size_t rows, size_t n, float eps);

  // x, residual, y: [rows, n]. y = (x + residual) / sqrt(mean((x + residual)^2) + eps), no gain,
  // no bias (RoFormer-v2). residual may be null; y may alias x.
  void (*rms_norm)(const float* x, const float* residual, float* y, size_t rows, size_t n,
                   float eps);

  // x: [rows, n] in place, bias: [n] or null. x = act(x + bias).
  void (*bias_activation)(float* x, const float* bias, size_t rows, size_t n, Activation act);

  // x: [n] in place. Numerically safe softmax.
  void (*softmax)(float* x, size_t n);

  // x: [rows, head_dim] in place, rows `ld` floats apart; cos, sin: [rows, head_dim / 2].
  // Rotates interleaved pairs (2i, 2i+1) of row r by the angles of row r.
  void (*rotary)(float* x, size_t ld, size_t rows, size_t head_dim, const float* cos,
                 const float* sin);

  // Fused rotary attention for one (sequence, head): rotate q and k (and v when rotary_value),
  // scores = q k^T * scale, masked keys excluded, softmax, out = probabilities v.
  // A query with no real key gets zeros.
  void (*attention)(const AttentionArgs& args);

  // x_tiles: pack_rows of x [m, k]; packed: pack_weights of w [n, k]; bias: [n] or null;
  // y: [m, n] rows ld_y apart. y = act(x w^T + bias) for the output columns of panels
  // [panel_begin, panel_end) only, each element summed in the order packed_gemm.hpp fixes
  // (bit-identical on every ISA), then activated by this ISA's bias_activation while the tile is
  // in L1: the same bits as bias_activation run over y afterwards.
  void (*linear_packed)(const float* x_tiles, const float* packed, const float* bias,
                        Activation act, float* y, size_t ld_y, size_t m, size_t n, size_t k,
                        size_t panel_begin, size_t panel_end);

  // kernels::pack_rows (packed_gemm.hpp): x: [m, k] rows ld_x apart -> tiles for linear_packed.
  // A copy: the same bits on every ISA.
  void (*pack_rows)(const float* x, size_t ld_x, size_t m, size_t k, float* tiles);
};

// The table for one ISA, or null when this build did not compile that ISA. Whether the CPU can run
// it is the caller's question (engine/cpu_features.hpp).
const KernelTable* kernel_table(Isa isa);

}  // namespace roformer::kernels
