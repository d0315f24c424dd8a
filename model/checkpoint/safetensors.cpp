// safetensors: [u64 little-endian header length N][N bytes of JSON header][data]. The header maps
// each tensor name to {dtype, shape, data_offsets: [begin, end)}, offsets relative to the data.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <system_error>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/output_path.hpp"
#include "engine/removed_on_interrupt.hpp"
#include "model/checkpoint/checkpoint.hpp"
#include "model/checkpoint/convert.hpp"

namespace roformer::checkpoint {
namespace {

using detail::ElementType;

// The reference implementation refuses headers over 100 MB; a larger one is a corrupt length.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct HeaderEntry {
  std::string name;
  ElementType type;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

bool parse_element_type(const std::string& dtype, ElementType* type) {
  if (dtype == "F32") {
    *type = ElementType::kF32;
  } else if (dtype == "F16") {
    *type = ElementType::kF16;
  } else if (dtype == "BF16") {
    *type = ElementType::kBF16;
  } else {
    return false;
  }
  return true;
}

HeaderEntry parse_entry(const std::string& path, const std::string& name,
                        const nlohmann::json& info, uint64_t data_size) {
  HeaderEntry entry;
  entry.name = name;
  if (!info.is_object()) {
    fail(ErrorCode::kBadModel, path, ": header entry '", name, "' is not a JSON object");
  }

  const auto dtype = info.find("dtype");
  if (dtype == info.end() || !dtype->is_string()) {
    fail(ErrorCode::kBadModel, path, ": tensor '", name, "' has no string \"dtype\"");
  }
  if (!parse_element_type(dtype->get<std::string>(), &entry.type)) {
    fail(ErrorCode::kBadModel, path, ": tensor '", name, "' has dtype ", dtype->get<std::string>(),
         "; expected F32, F16 or BF16");
  }

  const auto shape = info.find("shape");
  if (shape == info.end() || !shape->is_array()) {
    fail(ErrorCode::kBadModel, path, ": tensor '", name, "' has no \"shape\" array");
  }
  for (const auto& dim : *shape) {
    if (!dim.is_number_unsigned() ||
        dim.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail(ErrorCode::kBadModel, path, ": tensor '", name, "' has shape ", shape->dump(),
           "; expected non-negative integers");
    }
    entry.shape.push_back(dim.get<int64_t>());
  }

  const auto offsets = info.find("data_offsets");
  if (offsets == info.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    fail(ErrorCode::kBadModel, path, ": tensor '", name,
         "' needs \"data_offsets\" as two non-negative integers");
  }
  entry.begin = (*offsets)[0].get<uint64_t>();
  entry.end = (*offsets)[1].get<uint64_t>();
  if (entry.begin > entry.end || entry.end > data_size) {
    fail(ErrorCode::kBadModel, path, ": tensor '", name, "' has data_offsets [", entry.begin, ", ",
         entry.end, "], outside the data section of ", data_size,
         " bytes (file truncated or header corrupt)");
  }

  int64_t count = 0;
  if (!detail::checked_element_count(entry.shape, &count) ||
      static_cast<uint64_t>(count) > std::numeric_limits<uint64_t>::max() / 4) {
    fail(ErrorCode::kBadModel, path, ": tensor '", name, "' has shape ", shape->dump(),
         " whose element count overflows");
  }
  const uint64_t expected_bytes = static_cast<uint64_t>(count) * detail::element_size(entry.type);
  if (entry.end - entry.begin != expected_bytes) {
    fail(ErrorCode::kBadModel, path, ": tensor '", name, "' of shape ", shape->dump(), " and dtype ",
         detail::element_type_name(entry.type), " needs ", expected_bytes, " bytes, data_offsets give ",
         entry.end - entry.begin);
  }
  return entry;
}

void read_exact(std::ifstream& in, const std::string& path, uint64_t offset, char* out,
                uint64_t size, const std::string& what) {
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(out, static_cast<std::streamsize>(size));
  if (!in || static_cast<uint64_t>(in.gcount()) != size) {
    fail(ErrorCode::kIo, path, ": cannot read ", size, " bytes of ", what, " at offset ", offset);
  }
}

}  // namespace

TensorMap read_safetensors(const std::string& path) {
  const uint64_t file_size = detail::file_size_or_throw(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::kIo, path, ": cannot open for reading");

  if (file_size < 8) {
    fail(ErrorCode::kBadModel, path, ": file of ", file_size,
         " bytes is too short for a safetensors header length (8 bytes)");
  }
  uint8_t length_bytes[8];
  read_exact(in, path, 0, reinterpret_cast<char*>(length_bytes), 8, "the header length");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | length_bytes[i];
  if (header_size > file_size - 8 || header_size > kMaxHeaderBytes) {
    fail(ErrorCode::kBadModel, path, ": header length ", header_size, " exceeds the ",
         file_size - 8, " bytes after the length field (file truncated or not safetensors)");
  }

  std::string header_text(header_size, '\0');
  read_exact(in, path, 8, header_text.data(), header_size, "the header");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kBadModel, path, ": header is not valid JSON: ", json_error_text(e));
  }
  if (!header.is_object()) {
    fail(ErrorCode::kBadModel, path, ": header is JSON ", header.type_name(), ", expected an object");
  }

  const uint64_t data_start = 8 + header_size;
  const uint64_t data_size = file_size - data_start;
  std::vector<HeaderEntry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    entries.push_back(parse_entry(path, name, info, data_size));
  }

  // Every size is now known to fit inside the file, so the allocations below are bounded by it.
  TensorMap tensors;
  std::vector<uint8_t> scratch;
  for (const HeaderEntry& entry : entries) {
    TensorData& tensor = tensors[entry.name];
    tensor.shape = entry.shape;
    const uint64_t bytes = entry.end - entry.begin;
    const size_t count = bytes / detail::element_size(entry.type);
    tensor.values.resize(count);
    if (bytes == 0) continue;
    if (entry.type == ElementType::kF32) {
      read_exact(in, path, data_start + entry.begin, reinterpret_cast<char*>(tensor.values.data()),
                 bytes, "tensor '" + entry.name + "'");
    } else {
      scratch.resize(bytes);
      read_exact(in, path, data_start + entry.begin, reinterpret_cast<char*>(scratch.data()), bytes,
                 "tensor '" + entry.name + "'");
      detail::convert_to_float(entry.type, scratch.data(), count, tensor.values.data());
    }
  }
  return tensors;
}

void write_safetensors(const std::string& path, const TensorMap& tensors) {
  // Build the header by hand: the key order inside each entry (dtype, shape, data_offsets) is the
  // one Python's safetensors writes, which a sorted JSON object would not keep.
  std::string header = "{\"__metadata__\":{\"format\":\"pt\"}";
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    int64_t count = 0;
    if (!detail::checked_element_count(tensor.shape, &count) ||
        static_cast<uint64_t>(count) != tensor.values.size()) {
      fail(ErrorCode::kInvalidArgument, path, ": tensor '", name, "' has ", tensor.values.size(),
           " values, its shape needs ", count);
    }
    header += ',';
    header += nlohmann::json(name).dump();
    header += ":{\"dtype\":\"F32\",\"shape\":[";
    for (size_t i = 0; i < tensor.shape.size(); ++i) {
      if (i != 0) header += ',';
      header += std::to_string(tensor.shape[i]);
    }
    const uint64_t end = offset + tensor.values.size() * sizeof(float);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(end) + "]}";
    offset = end;
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');

  require_replaceable_output(path);
  // A random suffix keeps two writers of the same path from sharing a temporary file.
  std::random_device entropy;
  const std::string temp_path = path + ".tmp" + std::to_string(entropy());
  // Removed by a program's interrupt handler (roformer's) if a signal ends the process here.
  const RemovedOnInterrupt temp_removed_on_interrupt(temp_path);
  {
    std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
    if (!out) fail(ErrorCode::kIo, temp_path, ": cannot open for writing");
    uint8_t length_bytes[8];
    uint64_t length = header.size();
    for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<uint8_t>(length >> (8 * i));
    out.write(reinterpret_cast<const char*>(length_bytes), 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& [name, tensor] : tensors) {
      out.write(reinterpret_cast<const char*>(tensor.values.data()),
                static_cast<std::streamsize>(tensor.values.size() * sizeof(float)));
    }
    out.close();
    if (!out) {
      std::remove(temp_path.c_str());
      fail(ErrorCode::kIo, temp_path, ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp_path, path, ec);
  if (ec) {
    std::remove(temp_path.c_str());
    fail(ErrorCode::kIo, path, ": cannot rename ", temp_path, " onto it: ", ec.message());
  }
}

}  // namespace roformer::checkpoint
