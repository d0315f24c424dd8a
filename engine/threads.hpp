// Threads: one process-wide pool of workers runs the engine's loops and, split by output columns,
// its GEMMs; OpenBLAS itself stays on one thread, so two pools never compete for the cores.
// Work is split the same way everywhere: contiguous chunks of rows, one per thread.
//
// Why not OpenMP: libgomp's idle workers spin for a long time (GOMP_SPINCOUNT) and the wait
// policy can only be set by environment before the process starts. On a busy machine a spinning
// worker takes the core its teammate needs: `classify -t 2` took 9.9 s with libgomp's default and
// 2.4 s with OMP_WAIT_POLICY=passive, measured while other builds ran. These workers spin briefly
// (not at all in a team larger than the hardware threads), then sleep.
#pragma once

#include <atomic>
#include <cstddef>

namespace roformer {

// Sets how many threads OpenBLAS uses for the next GEMMs (process-wide).
void set_blas_threads(int threads);

// Runs body(context, worker) for worker = 0..threads-1 at once, the caller being worker 0, and
// returns when all are done. One team runs at a time (callers from other threads wait their
// turn); called from inside a team it runs every worker in turn on the calling thread. The body
// must not throw.
void run_team(int threads, void (*body)(void* context, int worker), void* context);

// Calls fn(begin, end) over [0, count) split into `threads` contiguous chunks.
template <typename Fn>
void parallel_chunks(size_t count, int threads, Fn&& fn) {
  if (threads <= 1 || count < 2) {
    fn(size_t{0}, count);
    return;
  }
  struct Context {
    Fn* fn;
    size_t count;
    size_t workers;
  };
  Context context{&fn, count, count < size_t(threads) ? count : size_t(threads)};
  run_team(static_cast<int>(context.workers), [](void* raw, int worker) {
    auto* c = static_cast<Context*>(raw);
    (*c->fn)(c->count * worker / c->workers, c->count * (worker + 1) / c->workers);
  }, &context);
}

// Calls fn(item, worker) for every item in [0, count), items handed out one at a time; `worker`
// is in [0, threads) and indexes per-thread scratch.
template <typename Fn>
void parallel_items(size_t count, int threads, Fn&& fn) {
  if (threads <= 1 || count < 2) {
    for (size_t item = 0; item < count; ++item) fn(item, 0);
    return;
  }
  struct Context {
    Fn* fn;
    size_t count;
    std::atomic<size_t> next{0};
  };
  Context context{&fn, count};
  run_team(threads, [](void* raw, int worker) {
    auto* c = static_cast<Context*>(raw);
    for (size_t item; (item = c->next.fetch_add(1)) < c->count;) (*c->fn)(item, worker);
  }, &context);
}

// Calls fn(begin, end) over [0, count) split into up to kChunksPerWorker contiguous chunks per
// thread, handed out one at a time: a thread whose core runs slow (a busy neighbour on a shared
// virtual machine) takes fewer chunks instead of holding up the others at the end.
constexpr size_t kChunksPerWorker = 4;
template <typename Fn>
void parallel_chunks_balanced(size_t count, int threads, Fn&& fn) {
  if (threads <= 1 || count < 2) {
    fn(size_t{0}, count);
    return;
  }
  const size_t most = size_t(threads) * kChunksPerWorker;
  const size_t chunks = count < most ? count : most;
  parallel_items(chunks, threads, [&](size_t chunk, int) {
    fn(count * chunk / chunks, count * (chunk + 1) / chunks);
  });
}

}  // namespace roformer
