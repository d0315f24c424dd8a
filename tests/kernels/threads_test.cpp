// The engine's parallel loops hand every index to exactly one call, whatever the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

#include "engine/threads.hpp"

namespace roformer {
namespace {

// Every (count, threads) pair: the chunks are non-empty, disjoint, cover [0, count), and number
// at most threads * kChunksPerWorker.
TEST(ThreadsTest, BalancedChunksCoverEveryIndexOnce) {
  for (int threads : {1, 2, 3, 8}) {
    for (size_t count : {size_t(0), size_t(1), size_t(2), size_t(7), size_t(48), size_t(193)}) {
      std::mutex lock;
      std::vector<std::pair<size_t, size_t>> chunks;
      std::vector<std::atomic<int>> seen(count);
      parallel_chunks_balanced(count, threads, [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) seen[i].fetch_add(1);
        std::lock_guard<std::mutex> hold(lock);
        chunks.emplace_back(begin, end);
      });
      for (size_t i = 0; i < count; ++i) {
        EXPECT_EQ(seen[i].load(), 1) << "index " << i << " of " << count << ", " << threads;
      }
      EXPECT_LE(chunks.size(), std::max<size_t>(1, size_t(threads) * kChunksPerWorker));
      for (const auto& [begin, end] : chunks) {
        if (count > 0) {
          EXPECT_LT(begin, end) << count << ", " << threads;
        }
      }
    }
  }
}

}  // namespace
}  // namespace roformer
