// Activation memory: every buffer of a forward pass is planned from the request shape before the
// first layer runs, then carved out of one block that grows only when a larger shape arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace roformer {

class ArenaPlan {
 public:
  static constexpr size_t kAlignment = 64;  // a cache line; enough for AVX-512 loads

  // Reserves `count` elements of `element_size` bytes; returns the byte offset of the buffer.
  size_t reserve(size_t count, size_t element_size = sizeof(float));
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_ = 0;
};

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Makes room for a plan; allocates only when the plan is larger than any before.
  void prepare(const ArenaPlan& plan);
  float* f32(size_t offset) const { return reinterpret_cast<float*>(block_.get() + offset); }
  int32_t* i32(size_t offset) const { return reinterpret_cast<int32_t*>(block_.get() + offset); }
  uint8_t* u8(size_t offset) const { return block_.get() + offset; }
  size_t capacity() const { return capacity_; }
  size_t allocation_count() const { return allocation_count_; }

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, FreeDeleter> block_;
  size_t capacity_ = 0;
  size_t allocation_count_ = 0;
};

}  // namespace roformer
