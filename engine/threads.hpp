// Threads: OpenMP for the engine's own loops, OpenBLAS's pool for GEMMs, never both at once (the
// executor calls BLAS only outside parallel regions). Work is split the same way everywhere:
// contiguous chunks of rows, one per thread.
#pragma once

#include <algorithm>
#include <cstddef>

#include <omp.h>

namespace roformer {

// Sets how many threads OpenBLAS uses for the next GEMMs (process-wide).
void set_blas_threads(int threads);

// Calls fn(begin, end) over [0, count) split into `threads` contiguous chunks.
template <typename Fn>
void parallel_chunks(size_t count, int threads, Fn&& fn) {
  if (threads <= 1 || count < 2) {
    fn(size_t{0}, count);
    return;
  }
  const int workers = static_cast<int>(std::min<size_t>(threads, count));
#pragma omp parallel num_threads(workers)
  {
    const size_t worker = static_cast<size_t>(omp_get_thread_num());
    const size_t begin = count * worker / workers;
    const size_t end = count * (worker + 1) / workers;
    fn(begin, end);
  }
}

// Calls fn(item, worker) for every item in [0, count), items handed out dynamically; `worker` is
// in [0, threads) and indexes per-thread scratch.
template <typename Fn>
void parallel_items(size_t count, int threads, Fn&& fn) {
  if (threads <= 1 || count < 2) {
    for (size_t item = 0; item < count; ++item) fn(item, 0);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t item = 0; item < count; ++item) fn(item, omp_get_thread_num());
}

}  // namespace roformer
