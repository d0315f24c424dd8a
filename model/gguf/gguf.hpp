// GGUF v3 container: the on-disk format of a roformer model file. A generic reader and writer;
// what the keys and tensors mean for RoFormer is model/model_file.hpp's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace roformer::gguf {

constexpr uint32_t kVersion = 3;
constexpr size_t kAlignment = 64;  // tensor data alignment (general.alignment), enough for AVX-512

// The metadata value kinds this project writes and reads.
using Value =
    std::variant<uint32_t, int32_t, uint64_t, float, bool, std::string, std::vector<std::string>,
                 std::vector<uint32_t>, std::vector<int32_t>, std::vector<float>>;

// "uint32", "string array", ...: the name of the kind a Value holds, for error messages.
const char* value_kind_name(const Value& value);

enum class TensorType : uint32_t { kF32 = 0, kF16 = 1 };

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> shape;  // outermost first (the GGUF file stores them innermost first)
  TensorType type = TensorType::kF32;
  uint64_t offset = 0;  // from the start of the data section
  uint64_t size_bytes = 0;
  const void* data = nullptr;  // points into the mapped file (reader only)
};

// Builds a file in memory and writes it atomically (temporary file, then rename). Output is
// deterministic: metadata in insertion order, tensors in insertion order, no timestamps.
// general.architecture (when set) is written first, then general.alignment = kAlignment, which the
// writer adds itself; every tensor is F32, its data padded to kAlignment.
class Writer {
 public:
  // Replaces an existing key in place. Setting general.alignment to anything but a uint32 equal
  // to kAlignment throws kInvalidArgument; setting it to kAlignment is accepted and has no effect.
  void set(const std::string& key, Value value);
  // data: shape's element count float32 values, copied. Throws kInvalidArgument for an empty or
  // repeated name, a shape of 0 or more than 4 dims, a size that overflows, or null data.
  void add_tensor(const std::string& name, std::vector<uint64_t> shape, const float* data);
  void write(const std::string& path) const;  // throws roformer::Error (kIo)

 private:
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<std::pair<TensorInfo, std::vector<float>>> tensors_;
};

// A file mapped read-only. open() validates magic, version, every string/array length, every
// tensor's offset and size against the file length and the alignment; any problem throws
// roformer::Error(kBadModel) naming the file, what is wrong, and "re-run roformer convert".
class File {
 public:
  static std::shared_ptr<const File> open(const std::string& path);
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  const std::vector<std::pair<std::string, Value>>& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  uint64_t alignment() const { return alignment_; }      // general.alignment, or 32 when absent
  uint64_t data_offset() const { return data_offset_; }  // file offset of the data section
  size_t file_size() const { return mapped_size_; }

  // Drops from the process's resident memory the whole pages of the mapping inside
  // [begin, begin + bytes) (a tensor now used only through a copy in another layout). The bytes
  // stay readable: touching them again reads them back from the page cache. Outside the mapping,
  // or where the system cannot, this does nothing.
  void release_pages(const void* begin, size_t bytes) const;

  const Value* find(const std::string& key) const;  // null if absent
  const TensorInfo* find_tensor(const std::string& name) const;

  // Typed look-ups that throw kBadModel naming the key, expected and actual kind when missing or
  // of another kind. On reading, UINT8/UINT16 widen to uint32, INT8/INT16 (and INT64 within the
  // int32 range) to int32, FLOAT64 narrows to float32; arrays likewise.
  uint32_t get_u32(const std::string& key) const;
  int32_t get_i32(const std::string& key) const;
  uint64_t get_u64(const std::string& key) const;
  float get_f32(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  const std::vector<std::string>& get_strings(const std::string& key) const;
  const std::vector<uint32_t>& get_u32s(const std::string& key) const;
  const std::vector<int32_t>& get_i32s(const std::string& key) const;
  const std::vector<float>& get_f32s(const std::string& key) const;

 private:
  File() = default;
  void parse();  // validates the mapped bytes and fills the tables below
  template <typename T>
  const T& get(const std::string& key, const char* expected) const;

  std::string path_;
  uint32_t version_ = 0;
  const uint8_t* mapped_ = nullptr;
  size_t mapped_size_ = 0;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::map<std::string, size_t> metadata_index_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;
  uint64_t alignment_ = 0;
  uint64_t data_offset_ = 0;
};

}  // namespace roformer::gguf
