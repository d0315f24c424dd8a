// pytorch_model.bin as torch.save writes it since PyTorch 1.6: a zip whose records sit under one
// top folder (its name varies: "archive/", "pytorch_model/", ...), holding <top>/data.pkl (the
// pickled state_dict) and one record <top>/data/<key> per storage, raw little-endian elements.
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>

#include "engine/error.hpp"
#include "model/checkpoint/checkpoint.hpp"
#include "model/checkpoint/convert.hpp"
#include "model/checkpoint/torch_pickle.hpp"

namespace roformer::checkpoint {
namespace {

using detail::ElementType;

// data.pkl for a state_dict is a few hundred bytes per tensor; anything near this is corrupt.
constexpr uint64_t kMaxPickleBytes = 1ull << 30;
// Deflate cannot expand more than about 1032:1; a record claiming more is corrupt, and refusing it
// keeps a forged size from causing a huge allocation.
constexpr uint64_t kMaxDeflateRatio = 1032;

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using ZipHandle = std::unique_ptr<zip_t, ZipCloser>;

struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

// Whether the file begins with a zip local file header ("PK\3\4"), as every torch.save zip does.
bool starts_like_a_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "PK\x03\x04", 4) == 0;
}

ZipHandle open_zip(const std::string& path, uint64_t* archive_size) {
  *archive_size = detail::file_size_or_throw(path);
  if (*archive_size == 0) {
    fail(ErrorCode::kBadModel, path, ": file of 0 bytes is empty (expected a zip archive written "
         "by torch.save)");
  }
  int code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (archive != nullptr) return ZipHandle(archive);

  zip_error_t error;
  zip_error_init_with_code(&error, code);
  const std::string reason = zip_error_strerror(&error);
  zip_error_fini(&error);
  if (code == ZIP_ER_OPEN || code == ZIP_ER_READ) {
    fail(ErrorCode::kIo, path, ": cannot open: ", reason);
  }
  if (code == ZIP_ER_NOZIP && starts_like_a_zip(path)) {
    fail(ErrorCode::kBadModel, path, ": truncated or corrupt zip archive (", reason,
         "): it starts like one but its directory at the end cannot be read");
  }
  if (code == ZIP_ER_NOZIP) {
    fail(ErrorCode::kBadModel, path, ": not a zip archive (", reason,
         "); the legacy torch.save format of PyTorch < 1.6 is not supported: re-save it with a "
         "newer PyTorch or convert it to model.safetensors");
  }
  fail(ErrorCode::kBadModel, path, ": corrupt or truncated zip archive: ", reason);
}

// CRC-32 as zip stores it (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit: it only
// runs to report the value of a record that libzip already found damaged.
uint32_t crc32_of(const std::string& bytes) {
  uint32_t crc = 0xffffffffu;
  for (const char byte : bytes) {
    crc ^= static_cast<uint8_t>(byte);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string hex32(uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

// libzip checks a record's CRC-32 only when a read reaches its end, so after the `bytes` the
// directory announced, one more read must report the end and nothing else.
void require_record_end(zip_file_t* file, const zip_stat_t& stat, const std::string& bytes,
                        const std::string& path, const std::string& name) {
  char extra = 0;
  const zip_int64_t got = zip_fread(file, &extra, 1);
  if (got == 0) return;
  if (got > 0) {
    fail(ErrorCode::kBadModel, path, ": zip record ", name, " holds more than the ", stat.size,
         " bytes its directory entry gives (corrupt archive)");
  }
  if (zip_error_code_zip(zip_file_get_error(file)) == ZIP_ER_CRC &&
      (stat.valid & ZIP_STAT_CRC) != 0) {
    fail(ErrorCode::kBadModel, path, ": zip record ", name, " fails its CRC-32 check (expected ",
         hex32(stat.crc), " from the zip directory, computed ", hex32(crc32_of(bytes)),
         "): the file is corrupt; download or save it again");
  }
  fail(ErrorCode::kBadModel, path, ": zip record ", name, " is corrupt: ",
       zip_file_strerror(file));
}

// Reads record `index` whole after checking its size against `expected_size` (or, when that is
// negative, against `limit`), so a forged header never drives the allocation.
std::string read_record(zip_t* archive, zip_uint64_t index, const std::string& path,
                        const std::string& name, int64_t expected_size, uint64_t limit,
                        uint64_t archive_size) {
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive, index, 0, &stat) != 0 || (stat.valid & ZIP_STAT_SIZE) == 0 ||
      (stat.valid & ZIP_STAT_COMP_SIZE) == 0) {
    fail(ErrorCode::kBadModel, path, ": cannot examine zip record ", name, ": ",
         zip_strerror(archive));
  }
  if (expected_size >= 0 && stat.size != static_cast<uint64_t>(expected_size)) {
    fail(ErrorCode::kBadModel, path, ": zip record ", name, " holds ", stat.size,
         " bytes, the pickle describes ", expected_size);
  }
  if (expected_size < 0 && stat.size > limit) {
    fail(ErrorCode::kBadModel, path, ": zip record ", name, " claims ", stat.size,
         " bytes, more than the limit of ", limit);
  }
  const bool stored = (stat.valid & ZIP_STAT_COMP_METHOD) != 0 && stat.comp_method == ZIP_CM_STORE;
  if (stat.comp_size > archive_size || (stored && stat.size != stat.comp_size) ||
      (!stored && stat.size / kMaxDeflateRatio > stat.comp_size)) {
    fail(ErrorCode::kBadModel, path, ": zip record ", name, " claims ", stat.size, " bytes from ",
         stat.comp_size, " compressed bytes (corrupt archive)");
  }

  std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive, index, 0));
  if (!file) {
    fail(ErrorCode::kBadModel, path, ": cannot open zip record ", name, ": ", zip_strerror(archive));
  }
  std::string bytes(stat.size, '\0');
  uint64_t done = 0;
  while (done < stat.size) {
    const zip_int64_t got = zip_fread(file.get(), bytes.data() + done, stat.size - done);
    if (got <= 0) {
      fail(ErrorCode::kBadModel, path, ": zip record ", name, " ends after ", done, " of ",
           stat.size, " bytes (truncated or corrupt): ", zip_file_strerror(file.get()));
    }
    done += static_cast<uint64_t>(got);
  }
  require_record_end(file.get(), stat, bytes, path, name);
  return bytes;
}

// The folder holding data.pkl: the only record named "<top>/data.pkl".
std::string find_top_folder(zip_t* archive, const std::string& path) {
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  std::string top;
  int found = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* raw = zip_get_name(archive, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
    if (raw == nullptr) continue;
    const std::string name = raw;
    const size_t slash = name.find('/');
    if (slash != std::string::npos && slash > 0 && name.substr(slash) == "/data.pkl") {
      top = name.substr(0, slash + 1);
      ++found;
    }
  }
  if (found == 0) {
    fail(ErrorCode::kBadModel, path, ": zip archive has no <folder>/data.pkl record among its ",
         count, " records; not a torch.save checkpoint");
  }
  if (found > 1) {
    fail(ErrorCode::kBadModel, path, ": zip archive has ", found,
         " <folder>/data.pkl records, expected exactly one");
  }
  return top;
}

zip_uint64_t locate(zip_t* archive, const std::string& path, const std::string& name) {
  const zip_int64_t index = zip_name_locate(archive, name.c_str(), ZIP_FL_ENC_RAW);
  if (index < 0) fail(ErrorCode::kBadModel, path, ": zip record ", name, " is missing");
  return static_cast<zip_uint64_t>(index);
}

// Copies the strided view out of its storage into a row-major tensor (views were bounds-checked
// against the storage by the unpickler).
std::vector<float> gather(const std::vector<float>& storage, const detail::TensorView& view) {
  int64_t count = 0;
  detail::checked_element_count(view.sizes, &count);
  std::vector<float> out(static_cast<size_t>(count));
  if (count == 0) return out;

  const size_t dims = view.sizes.size();
  bool contiguous = true;
  int64_t expected_stride = 1;
  for (size_t d = dims; d-- > 0;) {
    if (view.sizes[d] != 1 && view.strides[d] != expected_stride) contiguous = false;
    expected_stride *= view.sizes[d];
  }
  if (contiguous) {
    std::copy_n(storage.begin() + view.storage_offset, count, out.begin());
    return out;
  }

  // Odometer over the multi-index, innermost dimension fastest.
  std::vector<int64_t> index(dims, 0);
  int64_t offset = view.storage_offset;
  for (int64_t n = 0; n < count; ++n) {
    out[static_cast<size_t>(n)] = storage[static_cast<size_t>(offset)];
    for (size_t d = dims; d-- > 0;) {
      offset += view.strides[d];
      if (++index[d] < view.sizes[d]) break;
      offset -= view.strides[d] * view.sizes[d];
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace

TensorMap read_torch_bin(const std::string& path) {
  uint64_t archive_size = 0;
  ZipHandle archive = open_zip(path, &archive_size);
  const std::string top = find_top_folder(archive.get(), path);

  const zip_int64_t byteorder = zip_name_locate(archive.get(), (top + "byteorder").c_str(), 0);
  if (byteorder >= 0) {
    const std::string order = read_record(archive.get(), static_cast<zip_uint64_t>(byteorder), path,
                                          top + "byteorder", -1, 64, archive_size);
    if (order != "little") {
      fail(ErrorCode::kBadModel, path, ": storages are ", order,
           "-endian, expected little; re-save the checkpoint on a little-endian machine");
    }
  }

  const std::string pickle_name = top + "data.pkl";
  const std::string pickle = read_record(archive.get(), locate(archive.get(), path, pickle_name),
                                         path, pickle_name, -1, kMaxPickleBytes, archive_size);
  const detail::PickledStateDict state =
      detail::parse_state_dict_pickle(pickle, path + " (" + pickle_name + ")");

  // Each storage is read and converted once, however many tensors view it (tied weights).
  std::map<std::string, std::vector<float>> storages;
  TensorMap tensors;
  for (const auto& [name, view] : state.tensors) {
    auto loaded = storages.find(view.storage_key);
    if (loaded == storages.end()) {
      const detail::StorageInfo& info = state.storages.at(view.storage_key);
      const size_t element_bytes = detail::element_size(info.type);
      if (info.numel > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(element_bytes)) {
        fail(ErrorCode::kBadModel, path, ": storage '", view.storage_key, "' numel ", info.numel,
             " overflows");
      }
      const std::string record = top + "data/" + view.storage_key;
      const std::string bytes =
          read_record(archive.get(), locate(archive.get(), path, record), path, record,
                      info.numel * static_cast<int64_t>(element_bytes), 0, archive_size);
      std::vector<float> values(static_cast<size_t>(info.numel));
      detail::convert_to_float(info.type, reinterpret_cast<const uint8_t*>(bytes.data()),
                               values.size(), values.data());
      loaded = storages.emplace(view.storage_key, std::move(values)).first;
    }
    TensorData& tensor = tensors[name];
    tensor.shape = view.sizes;
    tensor.values = gather(loaded->second, view);
  }
  return tensors;
}

}  // namespace roformer::checkpoint
