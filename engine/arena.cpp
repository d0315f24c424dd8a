#include "engine/arena.hpp"

#include <cstdlib>

#include "engine/error.hpp"

namespace roformer {

size_t ArenaPlan::reserve(size_t count, size_t element_size) {
  size_t offset = bytes_;
  size_t size = count * element_size;
  bytes_ += (size + kAlignment - 1) / kAlignment * kAlignment;
  return offset;
}

void Arena::FreeDeleter::operator()(uint8_t* p) const { std::free(p); }

void Arena::prepare(const ArenaPlan& plan) {
  if (plan.bytes() <= capacity_ && block_) return;
  size_t bytes = std::max<size_t>(plan.bytes(), ArenaPlan::kAlignment);
  void* block = std::aligned_alloc(ArenaPlan::kAlignment, bytes);
  if (!block) fail(ErrorCode::kInternal, "cannot allocate ", bytes, " bytes of activation memory");
  block_.reset(static_cast<uint8_t*>(block));
  capacity_ = bytes;
  ++allocation_count_;
}

}  // namespace roformer
