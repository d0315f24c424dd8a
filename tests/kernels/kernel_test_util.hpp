// Shared helpers for the kernel tests: the ISA parameter, buffers with guard zones, references.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu_features.hpp"
#include "kernels/kernels.hpp"

namespace roformer::kernels::testing {

inline std::vector<Isa> all_isas() { return {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}; }

inline std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) {
  return isa_name(info.param);
}

// Every test body starts here: the table for the ISA, or a skip saying why it cannot run here.
#define ROFORMER_TABLE_OR_SKIP(isa)                                                           \
  const ::roformer::kernels::KernelTable* table = ::roformer::kernels::kernel_table(isa);     \
  if (table == nullptr) GTEST_SKIP() << isa_name(isa) << " was not compiled into this build"; \
  if (!::roformer::cpu_supports(isa))                                                         \
  GTEST_SKIP() << "this CPU cannot run " << isa_name(isa)                                     \
               << " (it supports: " << ::roformer::cpu_isa_summary() << ")"

// Floats that start one float past a 64-byte boundary (so never vector aligned), followed by a
// guard zone that the kernel under test must not write.
class GuardedBuffer {
 public:
  static constexpr size_t kGuard = 32;
  static constexpr float kSentinel = -1234.5f;

  explicit GuardedBuffer(size_t n) : n_(n), storage_(n + kGuard + 32) {
    const uintptr_t base = reinterpret_cast<uintptr_t>(storage_.data());
    const size_t to_boundary = ((64 - base % 64) % 64) / sizeof(float);
    data_ = storage_.data() + to_boundary + 1;
    for (size_t i = 0; i < n + kGuard; ++i) data_[i] = kSentinel;
  }
  GuardedBuffer(const GuardedBuffer&) = delete;  // data_ points into storage_
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  float* data() { return data_; }
  const float* data() const { return data_; }
  float& operator[](size_t i) { return data_[i]; }
  size_t size() const { return n_; }

  bool guard_intact() const {
    for (size_t i = n_; i < n_ + kGuard; ++i) {
      if (std::memcmp(&data_[i], &kSentinel, sizeof(float)) != 0) return false;
    }
    return true;
  }

 private:
  size_t n_;
  std::vector<float> storage_;  // 16 floats of slack cover the alignment shift
  float* data_ = nullptr;
};

// 64-byte aligned floats, for attention scratch.
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t n) : storage_(n + 16) {
    const uintptr_t base = reinterpret_cast<uintptr_t>(storage_.data());
    data_ = storage_.data() + ((64 - base % 64) % 64) / sizeof(float);
  }
  float* data() { return data_; }

 private:
  std::vector<float> storage_;
  float* data_ = nullptr;
};

inline void fill_uniform(float* x, size_t n, std::mt19937& rng, float low, float high) {
  std::uniform_real_distribution<float> dist(low, high);
  for (size_t i = 0; i < n; ++i) x[i] = dist(rng);
}

// Tracks the largest error of one kernel on one ISA and prints it once, so the test log doubles
// as the accuracy record.
class MaxError {
 public:
  MaxError(std::string what, Isa isa) : what_(std::move(what)), isa_(isa) {}
  ~MaxError() {
    std::printf("[ max error ] %-8s %-28s %.3g\n", isa_name(isa_), what_.c_str(), max_);
  }
  double add(double actual, double expected) {
    const double error = std::fabs(actual - expected);
    if (error > max_ || std::isnan(error)) max_ = std::isnan(error) ? INFINITY : error;
    return error;
  }

 private:
  std::string what_;
  Isa isa_;
  double max_ = 0.0;
};

}  // namespace roformer::kernels::testing
