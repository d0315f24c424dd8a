// GGUF v3 writer: header and tensor infos built in memory, tensor data streamed after them, all
// into a temporary file beside the target that is renamed over it once complete.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <type_traits>

#include "engine/error.hpp"
#include "engine/output_path.hpp"
#include "engine/removed_on_interrupt.hpp"
#include "model/gguf/gguf.hpp"
#include "model/gguf/gguf_format.hpp"

namespace roformer::gguf {
namespace {

using namespace format;  // NOLINT: the on-disk constants are used throughout this file

constexpr size_t kMaxDims = 4;

class Bytes {
 public:
  template <typename T>
  void put(T value) {
    static_assert(std::is_arithmetic_v<T>);
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
  }
  void put_raw(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    put_raw(s.data(), s.size());
  }
  void pad_to(uint64_t alignment) { bytes_.resize(align_up(bytes_.size(), alignment), 0); }
  const std::vector<uint8_t>& data() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

template <typename T>
void put_array(Bytes& out, Type element_type, const std::vector<T>& values) {
  out.put<uint32_t>(element_type);
  out.put<uint64_t>(values.size());
  for (const T& v : values) {
    if constexpr (std::is_same_v<T, std::string>) {
      out.put_string(v);
    } else {
      out.put<T>(v);
    }
  }
}

// Value type id followed by the value, for each Value kind.
void put_value(Bytes& out, const Value& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, uint32_t>) {
          out.put<uint32_t>(kTypeU32), out.put(v);
        } else if constexpr (std::is_same_v<T, int32_t>) {
          out.put<uint32_t>(kTypeI32), out.put(v);
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          out.put<uint32_t>(kTypeU64), out.put(v);
        } else if constexpr (std::is_same_v<T, float>) {
          out.put<uint32_t>(kTypeF32), out.put(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.put<uint32_t>(kTypeBool), out.put<uint8_t>(v ? 1 : 0);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.put<uint32_t>(kTypeString), out.put_string(v);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          out.put<uint32_t>(kTypeArray), put_array(out, kTypeString, v);
        } else if constexpr (std::is_same_v<T, std::vector<uint32_t>>) {
          out.put<uint32_t>(kTypeArray), put_array(out, kTypeU32, v);
        } else if constexpr (std::is_same_v<T, std::vector<int32_t>>) {
          out.put<uint32_t>(kTypeArray), put_array(out, kTypeI32, v);
        } else {
          static_assert(std::is_same_v<T, std::vector<float>>, "every Value kind needs a writer");
          out.put<uint32_t>(kTypeArray), put_array(out, kTypeF32, v);
        }
      },
      value);
}

void put_kv(Bytes& out, const std::string& key, const Value& value) {
  out.put_string(key);
  put_value(out, value);
}

// Writes all of [data, data + size) to fd, retrying short writes; returns false with errno set.
bool write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void Writer::set(const std::string& key, Value value) {
  if (key.empty()) fail(ErrorCode::kInvalidArgument, "GGUF metadata key must not be empty");
  if (key == kAlignmentKey) {
    // The writer always records kAlignment itself; another value would lie about the layout.
    const auto* alignment = std::get_if<uint32_t>(&value);
    if (alignment == nullptr || *alignment != kAlignment) {
      fail(ErrorCode::kInvalidArgument, "GGUF metadata '", kAlignmentKey,
           "' is set by the writer: expected uint32 ", kAlignment, ", got ",
           value_kind_name(value));
    }
    return;
  }
  for (auto& entry : metadata_) {
    if (entry.first == key) {
      entry.second = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(key, std::move(value));
}

void Writer::add_tensor(const std::string& name, std::vector<uint64_t> shape, const float* data) {
  if (name.empty()) fail(ErrorCode::kInvalidArgument, "GGUF tensor name must not be empty");
  for (const auto& entry : tensors_) {
    if (entry.first.name == name)
      fail(ErrorCode::kInvalidArgument, "duplicate GGUF tensor name '", name, "'");
  }
  if (shape.empty() || shape.size() > kMaxDims) {
    fail(ErrorCode::kInvalidArgument, "GGUF tensor '", name, "': expected 1..", kMaxDims,
         " dims, got ", shape.size());
  }
  uint64_t count = 1;
  uint64_t bytes = 0;
  for (uint64_t dim : shape) {
    if (__builtin_mul_overflow(count, dim, &count)) {
      fail(ErrorCode::kInvalidArgument, "GGUF tensor '", name,
           "': element count overflows 64 bits");
    }
  }
  if (__builtin_mul_overflow(count, uint64_t{sizeof(float)}, &bytes) ||
      count > SIZE_MAX / sizeof(float)) {
    fail(ErrorCode::kInvalidArgument, "GGUF tensor '", name, "': byte size overflows");
  }
  if (count > 0 && data == nullptr) {
    fail(ErrorCode::kInvalidArgument, "GGUF tensor '", name, "': data is null for ", count,
         " elements");
  }

  TensorInfo info;
  info.name = name;
  info.shape = std::move(shape);
  info.type = TensorType::kF32;
  info.size_bytes = bytes;
  info.offset = 0;  // assigned in write(), from the order of the tensors
  tensors_.emplace_back(std::move(info), std::vector<float>(data, data + count));
}

void Writer::write(const std::string& path) const {
  // Header and metadata: general.architecture first when present, then general.alignment.
  Bytes head;
  head.put_raw(kMagic, sizeof(kMagic));
  head.put<uint32_t>(kVersion);
  head.put<uint64_t>(tensors_.size());
  head.put<uint64_t>(metadata_.size() + 1);
  for (const auto& [key, value] : metadata_) {
    if (key == kArchitectureKey) put_kv(head, key, value);
  }
  put_kv(head, kAlignmentKey, Value{static_cast<uint32_t>(kAlignment)});
  for (const auto& [key, value] : metadata_) {
    if (key != kArchitectureKey) put_kv(head, key, value);
  }

  // Tensor infos, dims innermost first as ggml stores them; offsets follow insertion order.
  uint64_t offset = 0;
  for (const auto& [info, data] : tensors_) {
    head.put_string(info.name);
    head.put<uint32_t>(static_cast<uint32_t>(info.shape.size()));
    for (auto dim = info.shape.rbegin(); dim != info.shape.rend(); ++dim) head.put<uint64_t>(*dim);
    head.put<uint32_t>(static_cast<uint32_t>(info.type));
    head.put<uint64_t>(offset);
    offset = align_up(offset + info.size_bytes, kAlignment);
  }
  head.pad_to(kAlignment);

  require_replaceable_output(path);
  // mkstemp in the target's folder, so the final rename never crosses file systems.
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0)
    fail(ErrorCode::kIo, "cannot create a temporary file for ", path, ": ", std::strerror(errno));
  // Removed by a program's interrupt handler (roformer's) if a signal ends the process here.
  const RemovedOnInterrupt temp_removed_on_interrupt(temp);
  auto give_up = [&](const char* action) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    fail(ErrorCode::kIo, "cannot ", action, " ", path, " (via ", temp, "): ", std::strerror(err));
  };

  if (::fchmod(fd, 0644) != 0) give_up("set permissions on");  // mkstemp creates 0600
  if (!write_all(fd, head.data().data(), head.data().size())) give_up("write");
  static const uint8_t kZeros[kAlignment] = {};
  for (const auto& [info, data] : tensors_) {
    if (!write_all(fd, data.data(), info.size_bytes)) give_up("write");
    const uint64_t padding = align_up(info.size_bytes, kAlignment) - info.size_bytes;
    if (!write_all(fd, kZeros, padding)) give_up("write");
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    fail(ErrorCode::kIo, "cannot write ", path, " (via ", temp, "): ", std::strerror(err));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    fail(ErrorCode::kIo, "cannot rename ", temp, " to ", path, ": ", std::strerror(err));
  }
}

}  // namespace roformer::gguf
