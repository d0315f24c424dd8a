// GGUF v3 reader over a read-only mapping. The layout follows the GGUF specification in the ggml
// repository (docs/gguf.md): header, metadata key/values, tensor infos, padding to the alignment,
// then the data section with each tensor padded to the alignment. The writer is gguf_writer.cpp.
#include "model/gguf/gguf.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include "engine/error.hpp"
#include "model/gguf/gguf_format.hpp"

namespace roformer::gguf {
namespace {

using namespace format;  // NOLINT: the on-disk constants are used throughout this file

constexpr uint64_t kDefaultAlignment = 32;  // the specification's default without general.alignment
constexpr uint32_t kMaxDims = 4;

// Smallest encodings, used to reject counts that cannot fit in the bytes left before reading
// (and allocating for) any of them.
constexpr uint64_t kMinHeaderBytes = 4 + 4 + 8 + 8;  // magic, version, two counts
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;      // key length, 1-byte key, type, u8
constexpr uint64_t kMinTensorInfoBytes =
    8 + 1 + 4 + 8 + 4 + 8;  // name, n_dims, 1 dim, type, offset

const char* gguf_type_name(uint32_t type) {
  static const char* const kNames[kTypeCount] = {"UINT8",  "INT8",    "UINT16", "INT16",  "UINT32",
                                                 "INT32",  "FLOAT32", "BOOL",   "STRING", "ARRAY",
                                                 "UINT64", "INT64",   "FLOAT64"};
  return type < kTypeCount ? kNames[type] : "unknown";
}

uint64_t element_bytes(TensorType type) { return type == TensorType::kF16 ? 2 : 4; }

[[noreturn]] void bad_model(const std::string& path, const std::string& what) {
  fail(ErrorCode::kBadModel, path, ": ", what,
       "; the file is not a valid roformer GGUF v3 model, re-run `roformer convert` to rebuild it");
}

// Names the field being read, for error messages; formatted only when a read fails, so reading
// a large vocabulary costs no string building per element.
struct Where {
  static constexpr uint64_t kNoIndex = ~uint64_t{0};
  const std::string& what;    // "metadata 'tokenizer.vocab'"
  const char* detail = "";    // " (array length)"
  uint64_t index = kNoIndex;  // element or dim index, when there is one

  std::string describe() const {
    return index == kNoIndex ? str(what, detail) : str(what, detail, index);
  }
};

// Bounds-checked little-endian reads over the mapped bytes. Every read first checks that the
// bytes exist, so a truncated or corrupt file throws instead of reading past the mapping.
class Cursor {
 public:
  Cursor(const std::string& path, const uint8_t* data, uint64_t size)
      : path_(path), data_(data), size_(size) {}

  uint64_t pos() const { return pos_; }
  uint64_t left() const { return size_ - pos_; }

  void need(uint64_t bytes, const Where& where) const {
    if (bytes > left()) {
      bad_model(path_, str(where.describe(), " runs past the end of the file: needs ", bytes,
                           " bytes at offset ", pos_, ", only ", left(), " left"));
    }
  }

  template <typename T>
  T read(const Where& where) {
    need(sizeof(T), where);
    T value;
    std::memcpy(&value, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  std::string read_string(const Where& where) {
    const uint64_t length = read<uint64_t>(where);
    need(length, where);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), length);
    pos_ += length;
    return s;
  }

 private:
  const std::string& path_;
  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

template <typename Out, typename In>
std::vector<Out> read_array(Cursor& cursor, uint64_t count, const std::string& what) {
  std::vector<Out> values;
  values.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    values.push_back(static_cast<Out>(cursor.read<In>({what, " element ", i})));
  }
  return values;
}

uint64_t min_encoded_bytes(uint32_t type) {
  switch (type) {
    case kTypeU8:
    case kTypeI8:
    case kTypeBool:
      return 1;
    case kTypeU16:
    case kTypeI16:
      return 2;
    case kTypeU32:
    case kTypeI32:
    case kTypeF32:
      return 4;
    case kTypeString:
      return 8;  // the length alone
    case kTypeArray:
      return 4 + 8;  // element type and count
    default:
      return 8;  // 64-bit kinds
  }
}

Value read_array_value(const std::string& path, Cursor& cursor, const std::string& what) {
  const uint32_t element_type = cursor.read<uint32_t>({what, " (array element type)"});
  const uint64_t count = cursor.read<uint64_t>({what, " (array length)"});
  if (element_type >= kTypeCount) {
    bad_model(path, str(what, " is an array of unknown element type ", element_type,
                        " (expected 0..", kTypeCount - 1, ")"));
  }
  const uint64_t min_bytes = min_encoded_bytes(element_type);
  if (count > cursor.left() / min_bytes) {
    bad_model(path, str(what, " has an array length of ", count, " ", gguf_type_name(element_type),
                        " elements, which needs at least ", min_bytes, " bytes each but only ",
                        cursor.left(), " bytes are left in the file"));
  }
  switch (element_type) {
    case kTypeU8:
      return read_array<uint32_t, uint8_t>(cursor, count, what);
    case kTypeU16:
      return read_array<uint32_t, uint16_t>(cursor, count, what);
    case kTypeU32:
      return read_array<uint32_t, uint32_t>(cursor, count, what);
    case kTypeI8:
      return read_array<int32_t, int8_t>(cursor, count, what);
    case kTypeI16:
      return read_array<int32_t, int16_t>(cursor, count, what);
    case kTypeI32:
      return read_array<int32_t, int32_t>(cursor, count, what);
    case kTypeF32:
      return read_array<float, float>(cursor, count, what);
    case kTypeString: {
      std::vector<std::string> strings;
      strings.reserve(count);
      for (uint64_t i = 0; i < count; ++i)
        strings.push_back(cursor.read_string({what, " element ", i}));
      return strings;
    }
    default:
      // Arrays of BOOL, 64-bit kinds and nested arrays have no Value kind; the roformer writer
      // never produces them, so refusing is clearer than a lossy conversion.
      bad_model(path, str(what, " is an array of ", gguf_type_name(element_type),
                          ", which this reader does not support (supported: arrays of 8/16/32-bit "
                          "integers, FLOAT32 and STRING)"));
  }
}

// Narrow integer kinds widen to the 32-bit Value kinds; INT64 and FLOAT64 narrow when exact enough.
Value read_value(const std::string& path, Cursor& cursor, uint32_t type, const std::string& what) {
  switch (type) {
    case kTypeU8:
      return static_cast<uint32_t>(cursor.read<uint8_t>({what}));
    case kTypeI8:
      return static_cast<int32_t>(cursor.read<int8_t>({what}));
    case kTypeU16:
      return static_cast<uint32_t>(cursor.read<uint16_t>({what}));
    case kTypeI16:
      return static_cast<int32_t>(cursor.read<int16_t>({what}));
    case kTypeU32:
      return cursor.read<uint32_t>({what});
    case kTypeI32:
      return cursor.read<int32_t>({what});
    case kTypeF32:
      return cursor.read<float>({what});
    case kTypeU64:
      return cursor.read<uint64_t>({what});
    case kTypeBool: {
      const uint8_t byte = cursor.read<uint8_t>({what});
      if (byte > 1)
        bad_model(path, str(what, " is a BOOL stored as ", unsigned{byte}, ", expected 0 or 1"));
      return byte == 1;
    }
    case kTypeString:
      return cursor.read_string({what});
    case kTypeArray:
      return read_array_value(path, cursor, what);
    case kTypeI64: {
      const int64_t v = cursor.read<int64_t>({what});
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        bad_model(path, str(what, " is an INT64 of ", v,
                            ", outside the int32 range this reader keeps signed integers in"));
      }
      return static_cast<int32_t>(v);
    }
    case kTypeF64:
      return static_cast<float>(cursor.read<double>({what}));  // float is all we keep
    default:
      bad_model(path,
                str(what, " has unknown value type ", type, " (expected 0..", kTypeCount - 1, ")"));
  }
}

// Reads the whole file into a private read-only mapping; throws kIo when it cannot be opened.
struct Mapping {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

Mapping map_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(ErrorCode::kIo, "cannot open model file ", path, ": ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    fail(ErrorCode::kIo, "cannot stat model file ", path, ": ", std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(ErrorCode::kIo, "model file ", path, " is not a regular file");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < kMinHeaderBytes) {
    ::close(fd);
    bad_model(path, str("file too small for a GGUF header: expected at least ", kMinHeaderBytes,
                        " bytes, got ", size));
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps its own reference to the file
  if (data == MAP_FAILED)
    fail(ErrorCode::kIo, "cannot map model file ", path, ": ", std::strerror(err));
  return {static_cast<const uint8_t*>(data), static_cast<size_t>(size)};
}

std::string show_magic(const uint8_t* bytes) {
  std::string printable;
  std::string hex;
  char buf[4];
  for (int i = 0; i < 4; ++i) {
    printable += (bytes[i] >= 0x20 && bytes[i] < 0x7f) ? static_cast<char>(bytes[i]) : '.';
    std::snprintf(buf, sizeof(buf), "%02X", bytes[i]);
    hex += (i ? " " : "") + std::string(buf);
  }
  return "'" + printable + "' (" + hex + ")";
}

// A key or tensor name as an error quotes it: a damaged length field can make a "name" of the
// whole rest of the file, so a long one is cut, with its length.
std::string shown_name(const std::string& name) {
  constexpr size_t kLongest = 80;
  if (name.size() <= kLongest) return name;
  return str(name.substr(0, kLongest), "... (", name.size(), " bytes)");
}

// Our writer lays tensors out one after another; a tensor whose bytes run into the next one's
// (a damaged offset) would silently read another tensor's weights.
void refuse_overlapping_tensors(const std::string& path, const std::vector<TensorInfo>& tensors) {
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(tensors.size());
  for (const TensorInfo& info : tensors) by_offset.push_back(&info);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo& before = *by_offset[i - 1];
    const TensorInfo& after = *by_offset[i];
    if (before.offset + before.size_bytes > after.offset) {
      bad_model(path, str("tensor '", shown_name(before.name), "' (", before.size_bytes,
                          " bytes at offset ", before.offset, ") overlaps tensor '",
                          shown_name(after.name), "' (at offset ", after.offset, ")"));
    }
  }
}

}  // namespace

const char* value_kind_name(const Value& value) {
  static const char* const kNames[] = {
      "uint32", "int32",        "uint64",       "float32",     "bool",
      "string", "string array", "uint32 array", "int32 array", "float32 array"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == std::variant_size_v<Value>);
  return kNames[value.index()];
}

// ---------------------------------------------------------------------------------------------
// Reader

std::shared_ptr<const File> File::open(const std::string& path) {
  // Owned from the moment the mapping exists, so a parse error unmaps through ~File.
  std::unique_ptr<File> file(new File());
  file->path_ = path;
  const Mapping mapping = map_file(path);
  file->mapped_ = mapping.data;
  file->mapped_size_ = mapping.size;
  file->parse();
  return std::shared_ptr<const File>(file.release());
}

File::~File() {
  if (mapped_ != nullptr) ::munmap(const_cast<uint8_t*>(mapped_), mapped_size_);
}

void File::release_pages(const void* begin, size_t bytes) const {
  const auto first = reinterpret_cast<uintptr_t>(begin);
  const auto start = reinterpret_cast<uintptr_t>(mapped_);
  if (mapped_ == nullptr || first < start || first + bytes > start + mapped_size_) return;
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t from = (first + page - 1) / page * page, to = (first + bytes) / page * page;
  // The mapping is private and never written, so its pages are clean copies of the file.
  if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
}

void File::parse() {
  const std::string& path = path_;
  Cursor cursor(path, mapped_, mapped_size_);

  // Header.
  if (std::memcmp(mapped_, kMagic, 4) != 0) {
    bad_model(path, str("wrong magic: expected 'GGUF' (47 47 55 46), got ", show_magic(mapped_)));
  }
  const std::string header = "header";
  cursor.read<uint32_t>({header, " (magic)"});
  version_ = cursor.read<uint32_t>({header, " (version)"});
  if (version_ != kVersion) {
    bad_model(path, str("unsupported GGUF version: expected ", kVersion, ", got ", version_));
  }
  const uint64_t tensor_count = cursor.read<uint64_t>({header, " (tensor count)"});
  const uint64_t kv_count = cursor.read<uint64_t>({header, " (metadata count)"});
  if (kv_count > cursor.left() / kMinKvBytes) {
    bad_model(path, str("metadata count ", kv_count, " cannot fit in the ", cursor.left(),
                        " bytes after the header of this ", mapped_size_,
                        "-byte file: each key/value takes at least ", kMinKvBytes, " bytes"));
  }
  if (tensor_count > cursor.left() / kMinTensorInfoBytes) {
    bad_model(path,
              str("tensor count ", tensor_count, " cannot fit in the ", cursor.left(),
                  " bytes after the header of this ", mapped_size_,
                  "-byte file: each tensor info takes at least ", kMinTensorInfoBytes, " bytes"));
  }

  // Metadata.
  const std::string metadata_key = "metadata key";
  metadata_.reserve(kv_count);
  for (uint64_t i = 0; i < kv_count; ++i) {
    std::string key = cursor.read_string({metadata_key, " #", i});
    if (key.empty()) bad_model(path, str("metadata key #", i, " is empty"));
    const std::string what = str("metadata '", shown_name(key), "'");
    if (metadata_index_.count(key) != 0) {
      bad_model(path, str("duplicate metadata key '", shown_name(key), "'"));
    }
    const uint32_t type = cursor.read<uint32_t>({what, " (value type)"});
    if (key == kAlignmentKey && type != kTypeU32) {
      bad_model(path, str(what, " must be UINT32, got ", gguf_type_name(type), " (", type, ")"));
    }
    Value value = read_value(path, cursor, type, what);
    metadata_index_.emplace(key, metadata_.size());
    metadata_.emplace_back(std::move(key), std::move(value));
  }

  alignment_ = kDefaultAlignment;
  if (const Value* value = find(kAlignmentKey)) {
    const uint32_t alignment = std::get<uint32_t>(*value);
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
      bad_model(path, str(kAlignmentKey, " must be a power of two, got ", alignment));
    }
    alignment_ = alignment;
  }

  // Tensor infos.
  const std::string tensor_name = "tensor name";
  tensors_.reserve(tensor_count);
  for (uint64_t i = 0; i < tensor_count; ++i) {
    TensorInfo info;
    info.name = cursor.read_string({tensor_name, " #", i});
    if (info.name.empty()) bad_model(path, str("tensor name #", i, " is empty"));
    const std::string what = str("tensor '", shown_name(info.name), "'");
    if (tensor_index_.count(info.name) != 0) {
      bad_model(path, str("duplicate tensor name '", shown_name(info.name), "'"));
    }

    const uint32_t n_dims = cursor.read<uint32_t>({what, " (n_dims)"});
    if (n_dims == 0 || n_dims > kMaxDims) {
      bad_model(path, str(what, " has n_dims ", n_dims, ", expected 1..", kMaxDims));
    }
    info.shape.resize(n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) {
      // On disk innermost first; TensorInfo::shape is outermost first.
      info.shape[n_dims - 1 - d] = cursor.read<uint64_t>({what, " dim ", d});
    }

    const uint32_t type = cursor.read<uint32_t>({what, " (type)"});
    if (type != static_cast<uint32_t>(TensorType::kF32) &&
        type != static_cast<uint32_t>(TensorType::kF16)) {
      bad_model(path, str(what, " has ggml type ", type, ", expected F32 (0) or F16 (1)"));
    }
    info.type = static_cast<TensorType>(type);

    uint64_t bytes = element_bytes(info.type);
    for (uint64_t dim : info.shape) {
      if (__builtin_mul_overflow(bytes, dim, &bytes)) {
        bad_model(path, str(what, " has dims whose byte size overflows 64 bits"));
      }
    }
    info.size_bytes = bytes;

    info.offset = cursor.read<uint64_t>({what, " (offset)"});
    if (info.offset % alignment_ != 0) {
      bad_model(path, str(what, " has offset ", info.offset,
                          ", expected a multiple of the alignment ", alignment_));
    }
    tensor_index_.emplace(info.name, tensors_.size());
    tensors_.push_back(std::move(info));
  }

  // Data section.
  data_offset_ = align_up(cursor.pos(), alignment_);
  if (tensors_.empty()) return;
  if (data_offset_ > mapped_size_) {
    bad_model(path, str("data section should start at byte ", data_offset_,
                        " but the file has only ", mapped_size_, " bytes"));
  }
  const uint64_t data_bytes = mapped_size_ - data_offset_;
  for (TensorInfo& info : tensors_) {
    if (info.offset > data_bytes || info.size_bytes > data_bytes - info.offset) {
      bad_model(path, str("data of tensor '", shown_name(info.name),
                          "' runs past the end of the file: needs ",
                          info.size_bytes, " bytes at offset ", info.offset,
                          " of the data section, which holds only ", data_bytes, " bytes"));
    }
    info.data = mapped_ + data_offset_ + info.offset;
  }
  refuse_overlapping_tensors(path, tensors_);
}

const Value* File::find(const std::string& key) const {
  const auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

const TensorInfo* File::find_tensor(const std::string& name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

template <typename T>
const T& File::get(const std::string& key, const char* expected) const {
  const Value* value = find(key);
  if (value == nullptr)
    bad_model(path_, str("metadata key '", key, "' is missing (expected ", expected, ")"));
  if (!std::holds_alternative<T>(*value)) {
    bad_model(path_, str("metadata key '", key, "' has kind ", value_kind_name(*value),
                         ", expected ", expected));
  }
  return std::get<T>(*value);
}

uint32_t File::get_u32(const std::string& key) const { return get<uint32_t>(key, "uint32"); }
int32_t File::get_i32(const std::string& key) const { return get<int32_t>(key, "int32"); }
uint64_t File::get_u64(const std::string& key) const { return get<uint64_t>(key, "uint64"); }
float File::get_f32(const std::string& key) const { return get<float>(key, "float32"); }
bool File::get_bool(const std::string& key) const { return get<bool>(key, "bool"); }
const std::string& File::get_string(const std::string& key) const {
  return get<std::string>(key, "string");
}
const std::vector<std::string>& File::get_strings(const std::string& key) const {
  return get<std::vector<std::string>>(key, "string array");
}
const std::vector<uint32_t>& File::get_u32s(const std::string& key) const {
  return get<std::vector<uint32_t>>(key, "uint32 array");
}
const std::vector<int32_t>& File::get_i32s(const std::string& key) const {
  return get<std::vector<int32_t>>(key, "int32 array");
}
const std::vector<float>& File::get_f32s(const std::string& key) const {
  return get<std::vector<float>>(key, "float32 array");
}

}  // namespace roformer::gguf
