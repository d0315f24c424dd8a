// A tensor view: shape, strides, dtype and a pointer it does not own. Activations are views into
// a session's arena; weights are views into the mapped model file.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "engine/error.hpp"

namespace roformer {

enum class DType { kF32, kI32 };

constexpr size_t dtype_size(DType dtype) { return dtype == DType::kF32 ? sizeof(float) : sizeof(int32_t); }

class TensorView {
 public:
  static constexpr int kMaxRank = 4;

  TensorView() = default;
  // A contiguous row-major view, outermost dimension first.
  TensorView(void* data, DType dtype, std::initializer_list<int64_t> shape)
      : data_(data), dtype_(dtype), rank_(static_cast<int>(shape.size())) {
    if (rank_ > kMaxRank) fail(ErrorCode::kInternal, "tensor rank ", rank_, " > ", kMaxRank);
    int i = 0;
    for (int64_t extent : shape) shape_[i++] = extent;
    int64_t stride = 1;
    for (int d = rank_ - 1; d >= 0; --d) {
      strides_[d] = stride;
      stride *= shape_[d];
    }
  }
  static TensorView f32(float* data, std::initializer_list<int64_t> shape) {
    return TensorView(data, DType::kF32, shape);
  }

  int rank() const { return rank_; }
  DType dtype() const { return dtype_; }
  int64_t dim(int d) const { return shape_[d]; }
  int64_t stride(int d) const { return strides_[d]; }
  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < rank_; ++d) n *= shape_[d];
    return n;
  }
  bool contiguous() const {
    int64_t stride = 1;
    for (int d = rank_ - 1; d >= 0; --d) {
      if (strides_[d] != stride) return false;
      stride *= shape_[d];
    }
    return true;
  }

  float* f32() const { return static_cast<float*>(data_); }
  int32_t* i32() const { return static_cast<int32_t*>(data_); }

  // The sub-tensor at index i of the outermost dimension.
  TensorView operator[](int64_t i) const {
    TensorView sub;
    sub.data_ = static_cast<char*>(data_) + i * strides_[0] * int64_t(dtype_size(dtype_));
    sub.dtype_ = dtype_;
    sub.rank_ = rank_ - 1;
    for (int d = 1; d < rank_; ++d) {
      sub.shape_[d - 1] = shape_[d];
      sub.strides_[d - 1] = strides_[d];
    }
    return sub;
  }

  // Rows [begin, end) of the outermost dimension.
  TensorView rows(int64_t begin, int64_t end) const {
    TensorView sub = *this;
    sub.data_ = static_cast<char*>(data_) + begin * strides_[0] * int64_t(dtype_size(dtype_));
    sub.shape_[0] = end - begin;
    return sub;
  }

  std::string shape_text() const {
    std::string text = "[";
    for (int d = 0; d < rank_; ++d) text += (d ? ", " : "") + std::to_string(shape_[d]);
    return text + "]";
  }

 private:
  void* data_ = nullptr;
  DType dtype_ = DType::kF32;
  int rank_ = 0;
  std::array<int64_t, kMaxRank> shape_{};
  std::array<int64_t, kMaxRank> strides_{};
};

}  // namespace roformer
