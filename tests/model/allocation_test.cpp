// The forward pass allocates nothing that grows with tokens or layers: after a warm-up at the
// largest shape, a run allocates only its results (the output vectors), whatever the length, and
// the arena is never resized. Counted by replacing global operator new in this test binary only
// (OpenBLAS and libgomp allocate through their own pools, outside this count).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "kernels/packed_gemm.hpp"
#include "model/packed_weights.hpp"
#include "model_test_util.hpp"

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace roformer::test {
namespace {

// batch: [2 sequences, length tokens], ids inside every fixture's vocabulary.
std::vector<SequenceInput> two_sequences(size_t length) {
  std::vector<SequenceInput> batch(2);
  for (size_t s = 0; s < batch.size(); ++s) {
    for (size_t t = 0; t < length; ++t) batch[s].input_ids.push_back(int32_t(5 + (t * 7 + s) % 200));
  }
  return batch;
}

TEST(Allocation, ForwardPassAllocatesOnlyItsResults) {
  auto model = Model::load(converted_fixture("v1_seqcls"));
  Session session(model);
  // 2 x 8 tokens runs the packed-weight GEMM; 2 x 100 tokens runs it too on AVX-512, and
  // OpenBLAS on AVX2 (CMakeLists.txt runs this binary again with ROFORMER_ISA=avx2).
  const auto short_batch = two_sequences(8), long_batch = two_sequences(100);
  for (int threads : {1, 2}) {
    RunOptions options;
    options.threads = threads;
    session.run(long_batch, options);  // warm-up: sizes the arena, packs the weights
    session.run(short_batch, options);
    const size_t arena_allocations = session.arena().allocation_count();

    size_t before = g_allocations.load();
    auto short_out = session.run(short_batch, options);
    const size_t short_count = g_allocations.load() - before;
    before = g_allocations.load();
    auto long_out = session.run(long_batch, options);
    const size_t long_count = g_allocations.load() - before;

    EXPECT_EQ(short_count, long_count) << "threads " << threads;
    // the outputs vector, one logits vector per sequence, the plan's sequence starts
    EXPECT_LE(long_count, 1 + short_batch.size() + 1) << "threads " << threads;
    EXPECT_EQ(session.arena().allocation_count(), arena_allocations) << "threads " << threads;
  }
}

// A file in rows is packed in memory on first use, once for every session.
TEST(Allocation, SessionsOfOneModelShareThePackedWeights) {
  auto model = Model::load(converted_fixture("v1_seqcls", WeightLayout::kRows));
  const auto short_batch = two_sequences(8);
  Session first(model);
  first.run(short_batch, RunOptions{});
  const size_t packed = model->packed_weights().count();
  EXPECT_GT(packed, 0u);  // 8 tokens run the packed-weight GEMM
  Session second(model);
  auto again = second.run(short_batch, RunOptions{});
  EXPECT_EQ(model->packed_weights().count(), packed);
  EXPECT_EQ(again[0].logits, first.run(short_batch, RunOptions{})[0].logits);
}

// A range with room for one matrix (2 MB, the range's unit): the first is carved from it, the
// second allocated on its own; both hold pack_weights' layout, start on a 64-byte line, and come
// back on the next request.
TEST(PackedWeightsTest, MatricesPastTheReservedRangeStillPack) {
  const size_t out = 512, in = 1024, floats = kernels::packed_floats(out, in);
  ASSERT_EQ(floats * sizeof(float), size_t(2) << 20);
  std::vector<float> first(out * in), second(out * in);
  for (size_t i = 0; i < first.size(); ++i) {
    first[i] = float(i % 1000);
    second[i] = -float(i % 999);
  }
  PackedWeights packed(nullptr, floats);
  EXPECT_TRUE(packed.in_huge_page_range());
  const float* a = packed.get(first.data(), out, in);
  const float* b = packed.get(second.data(), out, in);
  EXPECT_EQ(packed.get(first.data(), out, in), a);
  EXPECT_EQ(packed.count(), 2u);
  for (const auto& [matrix, weights] : {std::pair{a, &first}, std::pair{b, &second}}) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(matrix) % 64, 0u);
    std::vector<float> want(floats);
    kernels::pack_weights(weights->data(), out, in, want.data());
    EXPECT_EQ(std::vector<float>(matrix, matrix + floats), want);
  }
}

}  // namespace
}  // namespace roformer::test
