// Private to model/gguf: the GGUF v3 on-disk constants shared by the reader and the writer.
#pragma once

#include <cstdint>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "GGUF files are little-endian; the reader and writer copy integers without swapping bytes"
#endif

namespace roformer::gguf::format {

// Metadata value type ids (gguf_type in ggml's specification, docs/gguf.md).
enum Type : uint32_t {
  kTypeU8 = 0,
  kTypeI8 = 1,
  kTypeU16 = 2,
  kTypeI16 = 3,
  kTypeU32 = 4,
  kTypeI32 = 5,
  kTypeF32 = 6,
  kTypeBool = 7,
  kTypeString = 8,
  kTypeArray = 9,
  kTypeU64 = 10,
  kTypeI64 = 11,
  kTypeF64 = 12,
};
constexpr uint32_t kTypeCount = 13;

constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr char kAlignmentKey[] = "general.alignment";
constexpr char kArchitectureKey[] = "general.architecture";

inline uint64_t align_up(uint64_t n, uint64_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

}  // namespace roformer::gguf::format
