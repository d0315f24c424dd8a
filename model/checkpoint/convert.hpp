// Internal helpers shared by the checkpoint readers and writer: element conversion to float32,
// overflow-checked sizes and whole-file I/O. Not part of the public interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace roformer::checkpoint::detail {

// The element types a checkpoint may store; everything is converted to float32 on load.
enum class ElementType { kF32, kF16, kBF16 };

size_t element_size(ElementType type);
const char* element_type_name(ElementType type);

// IEEE binary16 and bfloat16 bit patterns to float32 (exact: both are subsets of float32).
float half_to_float(uint16_t bits);
float bfloat16_to_float(uint16_t bits);

// Converts `count` little-endian elements of `type` starting at `bytes` into `out[0..count)`.
void convert_to_float(ElementType type, const uint8_t* bytes, size_t count, float* out);

// Product of dims, or false when a dim is negative or the product overflows int64.
bool checked_element_count(const std::vector<int64_t>& shape, int64_t* count);

// Size of the file in bytes; throws kIo naming the file when it cannot be examined.
uint64_t file_size_or_throw(const std::string& path);

}  // namespace roformer::checkpoint::detail
