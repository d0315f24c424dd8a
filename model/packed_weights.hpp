// Weight matrices repacked for kernels::linear_packed, built on first use and shared by every
// Session of one Model: a model used from many threads packs each matrix once, not once a thread.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace roformer {

namespace gguf {
class File;
}  // namespace gguf

class PackedWeights {
 public:
  // `file` maps the weights; once a weight is packed, its pages of the mapping leave resident
  // memory, so the packed copy does not double the weights' footprint (they come back from the
  // page cache if a large batch reads them through OpenBLAS).
  explicit PackedWeights(const gguf::File* file = nullptr) : file_(file) {}

  // weight: [out, in] row-major (the mapped file) -> its packed copy, valid while this lives.
  // Thread-safe; a weight only ever used at large row counts is never packed.
  const float* get(const float* weight, size_t out, size_t in) const;
  // How many matrices are packed so far.
  size_t count() const;

 private:
  struct FreeDeleter {
    void operator()(float* p) const;
  };
  using Buffer = std::unique_ptr<float, FreeDeleter>;

  const gguf::File* file_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<const float*, Buffer> packed_;
};

}  // namespace roformer
