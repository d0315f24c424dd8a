// Weight matrices repacked for kernels::linear_packed, built on first use and shared by every
// Session of one Model: a model used from many threads packs each matrix once, not once a thread.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace roformer {

namespace gguf {
class File;
}  // namespace gguf

class PackedWeights {
 public:
  // `file` maps the weights; once a weight is packed, its pages of the mapping leave resident
  // memory, so the packed copy does not double the weights' footprint (they come back from the
  // page cache if a large batch reads them through OpenBLAS). `capacity_floats` bounds the
  // packed size of every matrix the model may pack (0: no bound known).
  explicit PackedWeights(const gguf::File* file = nullptr, size_t capacity_floats = 0);
  ~PackedWeights();
  PackedWeights(const PackedWeights&) = delete;
  PackedWeights& operator=(const PackedWeights&) = delete;

  // weight: [out, in] row-major (the mapped file) -> its packed copy, valid while this lives.
  // Thread-safe; a weight only ever used at large row counts is never packed.
  const float* get(const float* weight, size_t out, size_t in) const;
  // How many matrices are packed so far.
  size_t count() const;
  // Whether the matrices live in one range that asked the kernel for 2 MB pages.
  bool in_huge_page_range() const { return range_ != nullptr; }

 private:
  struct FreeDeleter {
    void operator()(float* p) const;
  };
  using Buffer = std::unique_ptr<float, FreeDeleter>;

  float* allocate(size_t floats) const;

  const gguf::File* file_;
  // One reserved address range for every packed matrix (see the constructor); matrices are
  // carved from it in order. Null when it could not be reserved: each matrix is then allocated
  // on its own.
  void* mapping_ = nullptr;
  size_t mapping_bytes_ = 0;
  float* range_ = nullptr;
  size_t range_floats_ = 0;
  mutable size_t range_used_ = 0;
  mutable std::mutex mutex_;
  mutable std::unordered_map<const float*, const float*> packed_;
  mutable std::vector<Buffer> own_buffers_;
};

}  // namespace roformer
