#include "model/packed_weights.hpp"

#include <cstdlib>
#include <new>

#include "kernels/packed_gemm.hpp"
#include "model/gguf/gguf.hpp"

namespace roformer {

void PackedWeights::FreeDeleter::operator()(float* p) const { std::free(p); }

const float* PackedWeights::get(const float* weight, size_t out, size_t in) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = packed_.find(weight);
  if (found != packed_.end()) return found->second.get();
  const size_t bytes = kernels::packed_floats(out, in) * sizeof(float);
  Buffer buffer(static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
  if (!buffer) throw std::bad_alloc();
  kernels::pack_weights(weight, out, in, buffer.get());
  if (file_ != nullptr) file_->release_pages(weight, out * in * sizeof(float));
  return packed_.emplace(weight, std::move(buffer)).first->second.get();
}

size_t PackedWeights::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return packed_.size();
}

}  // namespace roformer
