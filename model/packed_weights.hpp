// Weight matrices repacked for kernels::linear_packed (or, from a file that holds them packed,
// unpacked for OpenBLAS), built on first use and shared by every Session of one Model: a model
// used from many threads converts each matrix once, not once a thread.
#pragma once

#include <cstddef>
#include <cstdint>
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
  // `file` maps the weights; once a weight is converted, its pages of the mapping leave resident
  // memory, so the copy does not double the weights' footprint (they come back from the page
  // cache if read again). `capacity_floats` bounds the packed size of every matrix the model may
  // pack (0: no bound known).
  explicit PackedWeights(const gguf::File* file = nullptr, size_t capacity_floats = 0);
  ~PackedWeights();
  PackedWeights(const PackedWeights&) = delete;
  PackedWeights& operator=(const PackedWeights&) = delete;

  // weight: [out, in] row-major (the mapped file) -> its packed copy, valid while this lives.
  // Thread-safe; a weight only ever used at large row counts is never packed.
  const float* get(const float* weight, size_t out, size_t in) const;
  // packed: [panels(out), in, 16] (the mapped file) -> its [out, in] copy, likewise.
  const float* unpacked(const float* packed, size_t out, size_t in) const;
  // packed: [panels(out), in, 16] (the mapped file) -> the panels to compute with. In the first
  // forward pass that uses them (`pass`: an id unique to each pass of each session) the
  // mapping's own, so the first result waits for no copy; from a second pass on, a copy in the
  // 2 MB-page range, which a pass streams faster than the file's 4 KB pages.
  const float* panels(const float* packed, size_t out, size_t in, uint64_t pass) const;
  // How many matrices are converted so far.
  size_t count() const;
  // Whether the matrices live in one range that asked the kernel for 2 MB pages.
  bool in_huge_page_range() const { return range_ != nullptr; }

 private:
  struct FreeDeleter {
    void operator()(float* p) const;
  };
  using Buffer = std::unique_ptr<float, FreeDeleter>;

  float* allocate(size_t floats) const;
  // The copy of `source` that `convert` fills (once) in `floats` floats.
  template <typename Convert>
  const float* converted(const float* source, size_t source_bytes, size_t floats,
                         Convert convert) const;
  template <typename Convert>  // with mutex_ held
  const float* converted_locked(const float* source, size_t source_bytes, size_t floats,
                                Convert convert) const;

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
  // Panels read from the mapping so far, and the pass that read them.
  mutable std::unordered_map<const float*, uint64_t> first_pass_;
  mutable std::vector<Buffer> own_buffers_;
};

}  // namespace roformer
