#include "model/checkpoint/convert.hpp"

#include <cstring>
#include <filesystem>
#include <limits>
#include <system_error>

#include "engine/error.hpp"

namespace roformer::checkpoint::detail {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "checkpoint files are little-endian and are read with plain copies");

size_t element_size(ElementType type) {
  switch (type) {
    case ElementType::kF32:
      return 4;
    case ElementType::kF16:
    case ElementType::kBF16:
      return 2;
  }
  return 0;
}

const char* element_type_name(ElementType type) {
  switch (type) {
    case ElementType::kF32:
      return "F32";
    case ElementType::kF16:
      return "F16";
    case ElementType::kBF16:
      return "BF16";
  }
  return "?";
}

float half_to_float(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t out;
  if (exponent == 0x1f) {
    // Inf or NaN: keep the payload in the top mantissa bits.
    out = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    // Normal: rebias the exponent from 15 to 127.
    out = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    out = sign;
  } else {
    // Subnormal half: value = mantissa * 2^-24; normalise it into a float32 normal.
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    mantissa &= 0x3ffu;
    out = sign | (static_cast<uint32_t>(113 - shift) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &out, sizeof(value));
  return value;
}

float bfloat16_to_float(uint16_t bits) {
  const uint32_t out = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &out, sizeof(value));
  return value;
}

void convert_to_float(ElementType type, const uint8_t* bytes, size_t count, float* out) {
  if (count == 0) return;  // `out` may be null for an empty tensor; memcpy must not see it
  switch (type) {
    case ElementType::kF32:
      std::memcpy(out, bytes, count * sizeof(float));
      return;
    case ElementType::kF16:
      for (size_t i = 0; i < count; ++i) {
        uint16_t bits;
        std::memcpy(&bits, bytes + 2 * i, sizeof(bits));
        out[i] = half_to_float(bits);
      }
      return;
    case ElementType::kBF16:
      for (size_t i = 0; i < count; ++i) {
        uint16_t bits;
        std::memcpy(&bits, bytes + 2 * i, sizeof(bits));
        out[i] = bfloat16_to_float(bits);
      }
      return;
  }
}

bool checked_element_count(const std::vector<int64_t>& shape, int64_t* count) {
  int64_t product = 1;
  for (int64_t dim : shape) {
    if (dim < 0) return false;
    if (dim != 0 && product > std::numeric_limits<int64_t>::max() / dim) return false;
    product *= dim;
  }
  *count = product;
  return true;
}

uint64_t file_size_or_throw(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    fail(ErrorCode::kIo, path, ": cannot open: file not found");
  }
  if (!std::filesystem::is_regular_file(status)) {
    fail(ErrorCode::kIo, path, ": cannot open: not a regular file");
  }
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(ErrorCode::kIo, path, ": cannot read its size: ", ec.message());
  return size;
}

}  // namespace roformer::checkpoint::detail
