#include "engine/threads.hpp"

#include <cblas.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define ROFORMER_PAUSE() _mm_pause()
#else
#define ROFORMER_PAUSE() ((void)0)
#endif

namespace roformer {

void set_blas_threads(int threads) { openblas_set_num_threads(std::max(threads, 1)); }

namespace {

// About 10-50 microseconds of polling before sleeping: long enough to catch the next region of a
// forward pass, short enough not to starve other processes.
constexpr int kSpinPolls = 4000;

// A team larger than the machine's hardware threads spins not at all: a worker polling for the
// next region would hold a core that a teammate with work is waiting for (classifying 50 texts
// with 1024 threads on 2 cores took 8.0 s spinning, 1.5 s sleeping at once).
int spin_polls_for(int threads) {
  static const int hardware_threads = static_cast<int>(std::thread::hardware_concurrency());
  return hardware_threads > 0 && threads > hardware_threads ? 0 : kSpinPolls;
}

thread_local bool t_in_team = false;

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
  }

  void run(int threads, void (*body)(void*, int), void* context) {
    std::lock_guard<std::mutex> turn(turn_);
    while (static_cast<int>(workers_.size()) < threads - 1) {
      const int index = static_cast<int>(workers_.size()) + 1;
      const uint64_t seen = generation_.load();  // before this run's increment, so none is missed
      workers_.emplace_back([this, index, seen] { work(index, seen); });
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = body;
      context_ = context;
      team_ = threads;
      spin_polls_.store(spin_polls_for(threads));
      pending_.store(threads - 1);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    t_in_team = true;
    body(context, 0);
    t_in_team = false;
    const int spin_polls = spin_polls_.load();
    for (int poll = 0; pending_.load() != 0 && poll < spin_polls; ++poll) ROFORMER_PAUSE();
    if (pending_.load() != 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return pending_.load() == 0; });
    }
  }

 private:
  void work(int index, uint64_t seen) {
    t_in_team = true;
    for (;;) {
      const int spin_polls = spin_polls_.load();
      for (int poll = 0; generation_.load() == seen && poll < spin_polls; ++poll) ROFORMER_PAUSE();
      if (generation_.load() == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen; });
      }
      int team;
      void (*body)(void*, int);
      void* context;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
        seen = generation_.load();
        team = team_;
        body = body_;
        context = context_;
      }
      if (index >= team) continue;
      body(context, index);
      if (pending_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);  // pairs with the waiter's check
        done_.notify_one();
      }
    }
  }

  std::mutex turn_;   // one team at a time
  std::mutex mutex_;  // guards the fields below and the sleeps
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> spin_polls_{kSpinPolls};  // the last team's, see spin_polls_for
  void (*body_)(void*, int) = nullptr;
  void* context_ = nullptr;
  int team_ = 0;
  bool stopping_ = false;
};

}  // namespace

void run_team(int threads, void (*body)(void* context, int worker), void* context) {
  if (threads <= 1 || t_in_team) {
    for (int worker = 0; worker < std::max(threads, 1); ++worker) body(context, worker);
    return;
  }
  static Pool pool;
  pool.run(threads, body, context);
}

}  // namespace roformer
