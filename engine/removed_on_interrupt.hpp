// Temporary files that Ctrl-C must not leave behind. Outputs are written to a temporary file
// beside their path and renamed into place; SIGINT, SIGTERM or SIGHUP ending the process between
// the two would leave the temporary file. A writer registers its temporary file for as long as it
// exists (RemovedOnInterrupt); a program that wants them removed calls
// install_interrupt_cleanup() once, and a library user who does not is unaffected. Header-only,
// like output_path.hpp, for the libraries that do not link the engine.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>

namespace roformer {
namespace interrupt_cleanup {

// Writers at once (embed's .npy, convert's model, infer's outputs: one each) with room to spare,
// and the longest path kept: a longer one, or one past the slots, is not registered.
constexpr int kSlots = 8;
constexpr size_t kLongestPath = 4096;

enum SlotState : int { kFree = 0, kFilling = 1, kArmed = 2 };

struct Slot {
  std::atomic<int> state{kFree};  // lock-free, so the handler may read it
  char path[kLongestPath];
};

inline Slot slots[kSlots];

// Async-signal-safe: only atomic loads, unlink, signal and raise.
inline void remove_armed_files_then_end(int signal_number) {
  for (Slot& slot : slots) {
    if (slot.state.load() == kArmed) ::unlink(slot.path);
  }
  // Pending until this handler returns (the signal is blocked while it runs), then the default
  // action ends the process, so the exit status is the signal's (130 for SIGINT, 143 for SIGTERM).
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

}  // namespace interrupt_cleanup

// Registers a temporary file for removal when the process is interrupted, while it lives or
// until disarm(). Registering before the file exists is harmless: removing it then fails quietly.
class RemovedOnInterrupt {
 public:
  RemovedOnInterrupt() = default;
  explicit RemovedOnInterrupt(const std::string& path) { arm(path); }
  ~RemovedOnInterrupt() { disarm(); }
  RemovedOnInterrupt(const RemovedOnInterrupt&) = delete;
  RemovedOnInterrupt& operator=(const RemovedOnInterrupt&) = delete;

  void arm(const std::string& path) {
    using namespace interrupt_cleanup;
    disarm();
    if (path.size() >= kLongestPath) return;
    for (int i = 0; i < kSlots; ++i) {
      int expected = kFree;
      if (!slots[i].state.compare_exchange_strong(expected, kFilling)) continue;
      std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
      slots[i].state.store(kArmed);
      slot_ = i;
      return;
    }
  }

  // Once the file is renamed into place (or removed): its path is no longer the writer's.
  void disarm() {
    if (slot_ < 0) return;
    interrupt_cleanup::slots[slot_].state.store(interrupt_cleanup::kFree);
    slot_ = -1;
  }

 private:
  int slot_ = -1;
};

// SIGINT, SIGTERM and SIGHUP remove the registered files, then end the process as they would
// have. A signal already ignored (a command started with nohup, or in the background by a
// non-interactive shell) stays ignored.
inline void install_interrupt_cleanup() {
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction current {};
    if (::sigaction(signal_number, nullptr, &current) != 0 || current.sa_handler == SIG_IGN) {
      continue;
    }
    struct sigaction cleanup {};
    cleanup.sa_handler = interrupt_cleanup::remove_armed_files_then_end;
    sigemptyset(&cleanup.sa_mask);
    ::sigaction(signal_number, &cleanup, nullptr);
  }
}

}  // namespace roformer
