// Micro-benchmarks of every kernel on the best ISA this CPU runs (or ROFORMER_ISA): linear through
// OpenBLAS and over packed weights, layer_norm, rms_norm, GELU, softmax, rotary and the fused
// attention, with rate counters "flops" (FLOP/s) and "bytes" (bytes moved per second). Build with
// -DROFORMER_BUILD_BENCHMARKS=ON. Everything runs on one thread, OpenBLAS included, as the
// executor runs each piece of work.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/cpu_features.hpp"
#include "engine/threads.hpp"
#include "kernels/gemm.hpp"
#include "kernels/kernels.hpp"
#include "kernels/packed_gemm.hpp"

namespace {

using roformer::kernels::Activation;
using roformer::kernels::AttentionArgs;

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> values(n);
  for (float& v : values) v = dist(rng);
  return values;
}

// The first 64-byte boundary in a buffer allocated with 16 floats to spare.
float* aligned_64(float* data) {
  return data + (64 - reinterpret_cast<uintptr_t>(data) % 64) % 64 / sizeof(float);
}

// Reports `per_iteration` (flops or bytes of one iteration) as the rate counter `name`, and the
// ISA the kernel ran on as the label when it is one of ours.
void report_rate(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] =
      benchmark::Counter(per_iteration * state.iterations(), benchmark::Counter::kIsRate);
}
void report_rate(benchmark::State& state, const char* name, double per_iteration,
                 roformer::kernels::Isa isa) {
  report_rate(state, name, per_iteration);
  state.SetLabel(roformer::kernels::isa_name(isa));
}

// args: m, n, k. y[m, n] = x[m, k] w[n, k]^T + bias; 2 m n k flops.
void BM_Linear(benchmark::State& state) {
  const size_t m = state.range(0), n = state.range(1), k = state.range(2);
  const std::vector<float> x = random_floats(m * k, 1), w = random_floats(n * k, 2),
                           bias = random_floats(n, 3);
  std::vector<float> y(m * n);
  roformer::set_blas_threads(1);
  for (auto _ : state) {
    roformer::kernels::linear(x.data(), w.data(), bias.data(), y.data(), m, n, k);
    benchmark::DoNotOptimize(y.data());
  }
  report_rate(state, "flops", 2.0 * m * n * k);
}
// Rows from one token to a batch of short texts, at the widths of RoFormer-base.
#define ROFORMER_LINEAR_SHAPES                                         \
  ArgsProduct({{1, 16, 64, 128, 256, 512, 2048}, {768}, {768}})        \
      ->ArgsProduct({{1, 16, 64, 128, 256, 512, 2048}, {3072}, {768}}) \
      ->ArgsProduct({{1, 16, 64, 128, 256, 512, 2048}, {768}, {3072}}) \
      ->ArgNames({"m", "n", "k"})
BENCHMARK(BM_Linear)->ROFORMER_LINEAR_SHAPES;

// args: m, n, k. The same product through our kernel over weights packed once (not timed), the
// rows packed on every call (timed, as in the executor): compare with BM_Linear at equal m to see
// where OpenBLAS stops losing (the crossover).
void run_linear_packed(benchmark::State& state, Activation act) {
  const auto& table = roformer::active_kernels();
  const size_t m = state.range(0), n = state.range(1), k = state.range(2);
  const std::vector<float> x = random_floats(m * k, 1), w = random_floats(n * k, 2),
                           bias = random_floats(n, 3);
  std::vector<float> packed(roformer::kernels::packed_floats(n, k) + 16),
      tiles(roformer::kernels::row_tile_floats(m, k) + 16);
  std::vector<float> y(m * n);
  float* aligned = aligned_64(packed.data());
  float* x_tiles = aligned_64(tiles.data());
  roformer::kernels::pack_weights(w.data(), n, k, aligned);
  for (auto _ : state) {
    table.pack_rows(x.data(), k, m, k, x_tiles);
    table.linear_packed(x_tiles, aligned, bias.data(), act, y.data(), n, m, n, k, 0,
                        roformer::kernels::packed_panels(n));
    benchmark::DoNotOptimize(y.data());
  }
  report_rate(state, "flops", 2.0 * m * n * k, table.isa);
}

void BM_LinearPacked(benchmark::State& state) { run_linear_packed(state, Activation::kIdentity); }
BENCHMARK(BM_LinearPacked)->ROFORMER_LINEAR_SHAPES;

// The feed-forward's first product with GELU in the epilogue, against the BM_LinearPacked row of
// the same shape: the difference is the epilogue's cost.
void BM_LinearPackedGelu(benchmark::State& state) { run_linear_packed(state, Activation::kGelu); }
BENCHMARK(BM_LinearPackedGelu)->ArgsProduct({{16, 128}, {3072}, {768}})->ArgNames({"m", "n", "k"});

// args: rows, n. Reads x and residual, writes y: 12 bytes per element.
void BM_LayerNorm(benchmark::State& state) {
  const auto& table = roformer::active_kernels();
  const size_t rows = state.range(0), n = state.range(1);
  const std::vector<float> x = random_floats(rows * n, 4), residual = random_floats(rows * n, 5),
                           gamma = random_floats(n, 6), beta = random_floats(n, 7);
  std::vector<float> y(rows * n);
  for (auto _ : state) {
    table.layer_norm(x.data(), residual.data(), gamma.data(), beta.data(), y.data(), rows, n,
                     1e-12f);
    benchmark::DoNotOptimize(y.data());
  }
  report_rate(state, "bytes", 12.0 * rows * n, table.isa);
}
BENCHMARK(BM_LayerNorm)->Args({128, 768})->Args({512, 768})->ArgNames({"rows", "n"});

// args: rows, n. Reads x and residual, writes y: 12 bytes per element.
void BM_RmsNorm(benchmark::State& state) {
  const auto& table = roformer::active_kernels();
  const size_t rows = state.range(0), n = state.range(1);
  const std::vector<float> x = random_floats(rows * n, 11), residual = random_floats(rows * n, 12);
  std::vector<float> y(rows * n);
  for (auto _ : state) {
    table.rms_norm(x.data(), residual.data(), y.data(), rows, n, 1e-12f);
    benchmark::DoNotOptimize(y.data());
  }
  report_rate(state, "bytes", 12.0 * rows * n, table.isa);
}
BENCHMARK(BM_RmsNorm)->Args({128, 768})->Args({512, 768})->ArgNames({"rows", "n"});

// args: n. One softmax row in place (a masked-LM vocabulary, or a row of scores): 8 bytes per
// element. Softmax leaves a distribution, so repeating it keeps the values finite.
void BM_Softmax(benchmark::State& state) {
  const auto& table = roformer::active_kernels();
  const size_t n = state.range(0);
  std::vector<float> x = random_floats(n, 13);
  for (auto _ : state) {
    table.softmax(x.data(), n);
    benchmark::DoNotOptimize(x.data());
  }
  report_rate(state, "bytes", 8.0 * n, table.isa);
}
BENCHMARK(BM_Softmax)->Arg(512)->Arg(50000)->ArgNames({"n"});

// args: rows, head_dim. Rotates rows of one head in place: reads and writes 8 bytes per element,
// plus the angles. A rotation keeps the norm, so repeating it keeps the values finite.
void BM_Rotary(benchmark::State& state) {
  const auto& table = roformer::active_kernels();
  const size_t rows = state.range(0), head_dim = state.range(1);
  std::vector<float> x = random_floats(rows * head_dim, 14);
  const std::vector<float> angles = random_floats(rows * head_dim / 2, 15);
  std::vector<float> cos(angles.size()), sin(angles.size());
  for (size_t i = 0; i < angles.size(); ++i) {
    cos[i] = std::cos(angles[i]);
    sin[i] = std::sin(angles[i]);
  }
  for (auto _ : state) {
    table.rotary(x.data(), head_dim, rows, head_dim, cos.data(), sin.data());
    benchmark::DoNotOptimize(x.data());
  }
  report_rate(state, "bytes", 12.0 * rows * head_dim, table.isa);
}
BENCHMARK(BM_Rotary)->Args({512, 64})->ArgNames({"rows", "head_dim"});

// args: rows, n. x = gelu(x + bias) in place: reads and writes x, 8 bytes per element.
void BM_Gelu(benchmark::State& state) {
  const auto& table = roformer::active_kernels();
  const size_t rows = state.range(0), n = state.range(1);
  // Repeated GELU keeps values in a small finite range, so x needs no reset between iterations.
  std::vector<float> x = random_floats(rows * n, 8);
  const std::vector<float> bias = random_floats(n, 9);
  for (auto _ : state) {
    table.bias_activation(x.data(), bias.data(), rows, n, Activation::kGelu);
    benchmark::DoNotOptimize(x.data());
  }
  report_rate(state, "bytes", 8.0 * rows * n, table.isa);
}
BENCHMARK(BM_Gelu)->Args({128, 3072})->ArgNames({"rows", "n"});

// args: seq, head_dim. One (sequence, head): 4 seq^2 head_dim flops (scores and values).
void BM_Attention(benchmark::State& state) {
  const auto& table = roformer::active_kernels();
  const size_t seq = state.range(0), head_dim = state.range(1);
  const size_t ld = 3 * head_dim;
  const std::vector<float> qkv = random_floats(seq * ld, 10);
  std::vector<float> cos(seq * head_dim / 2), sin(seq * head_dim / 2), out(seq * head_dim);
  for (size_t p = 0; p < seq; ++p) {
    for (size_t i = 0; i < head_dim / 2; ++i) {
      const double angle = p * std::pow(10000.0, -2.0 * i / head_dim);
      cos[p * head_dim / 2 + i] = static_cast<float>(std::cos(angle));
      sin[p * head_dim / 2 + i] = static_cast<float>(std::sin(angle));
    }
  }
  std::vector<float> scratch_storage(roformer::kernels::attention_scratch_floats(seq, head_dim) +
                                     16);
  float* scratch = scratch_storage.data();
  while (reinterpret_cast<uintptr_t>(scratch) % 64 != 0) ++scratch;

  AttentionArgs args{};
  args.q = qkv.data();
  args.k = qkv.data() + head_dim;
  args.v = qkv.data() + 2 * head_dim;
  args.ld_qkv = ld;
  args.out = out.data();
  args.ld_out = head_dim;
  args.seq = seq;
  args.queries = args.seq;
  args.head_dim = head_dim;
  args.cos = cos.data();
  args.sin = sin.data();
  args.key_mask = nullptr;
  args.rotary_value = false;
  args.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  args.scratch = scratch;
  for (auto _ : state) {
    table.attention(args);
    benchmark::DoNotOptimize(out.data());
  }
  report_rate(state, "flops", 4.0 * seq * seq * head_dim, table.isa);
}
BENCHMARK(BM_Attention)->ArgsProduct({{16, 128, 512}, {64}})->ArgNames({"seq", "head_dim"});

}  // namespace

BENCHMARK_MAIN();
