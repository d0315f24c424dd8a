// A Hugging Face checkpoint folder, whole or sharded. A sharded one has an index
// {"metadata": {...}, "weight_map": {tensor name: shard file}} beside the shards.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "model/checkpoint/checkpoint.hpp"
#include "model/checkpoint/convert.hpp"

namespace roformer::checkpoint {
namespace {

namespace fs = std::filesystem;

// An index is a few hundred bytes per tensor; anything this large is not one.
constexpr uint64_t kMaxIndexBytes = 64ull << 20;

using ShardReader = TensorMap (*)(const std::string&);

// A shard must be a relative path that stays inside the checkpoint folder.
void check_shard_path(const std::string& index_path, const std::string& shard) {
  const fs::path relative(shard);
  bool escapes = shard.empty() || relative.is_absolute() || relative.has_root_name() ||
                 relative.has_root_directory();
  for (const fs::path& part : relative) {
    if (part == "..") escapes = true;
  }
  if (escapes) {
    fail(ErrorCode::kBadModel, index_path, ": shard path '", shard,
         "' is not a relative path inside the checkpoint folder");
  }
}

TensorMap read_sharded(const std::string& dir, const std::string& index_path, ShardReader reader) {
  const uint64_t size = detail::file_size_or_throw(index_path);
  if (size > kMaxIndexBytes) {
    fail(ErrorCode::kBadModel, index_path, ": ", size, " bytes is too large for a shard index");
  }
  std::ifstream in(index_path, std::ios::binary);
  if (!in) fail(ErrorCode::kIo, index_path, ": cannot open for reading");
  std::stringstream text;
  text << in.rdbuf();
  if (!in) fail(ErrorCode::kIo, index_path, ": read failed");

  nlohmann::json index;
  try {
    index = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kBadModel, index_path, ": not valid JSON: ", json_error_text(e));
  }
  const auto weight_map = index.is_object() ? index.find("weight_map") : index.end();
  if (!index.is_object() || weight_map == index.end() || !weight_map->is_object()) {
    fail(ErrorCode::kBadModel, index_path, ": expected an object with a \"weight_map\" object");
  }

  // Shard file -> the names the index places there.
  std::map<std::string, std::vector<std::string>> shards;
  for (const auto& [name, shard] : weight_map->items()) {
    if (!shard.is_string()) {
      fail(ErrorCode::kBadModel, index_path, ": weight_map entry '", name,
           "' is JSON ", shard.type_name(), ", expected a shard file name");
    }
    const std::string file = shard.get<std::string>();
    check_shard_path(index_path, file);
    shards[file].push_back(name);
  }
  if (shards.empty()) fail(ErrorCode::kBadModel, index_path, ": weight_map is empty");

  TensorMap tensors;
  for (const auto& [file, names] : shards) {
    const std::string shard_path = (fs::path(dir) / file).string();
    TensorMap shard = reader(shard_path);
    for (const std::string& name : names) {
      if (shard.find(name) == shard.end()) {
        fail(ErrorCode::kBadModel, index_path, ": tensor '", name, "' is mapped to ", file,
             ", which does not contain it");
      }
    }
    // A shard may carry tensors the index does not list; they are kept, but never twice.
    for (auto& [name, tensor] : shard) {
      if (tensors.count(name) != 0) {
        fail(ErrorCode::kBadModel, index_path, ": tensor '", name, "' appears in more than one shard (",
             file, " is the second)");
      }
      tensors.emplace(name, std::move(tensor));
    }
  }
  return tensors;
}

}  // namespace

TensorMap read_checkpoint_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(ErrorCode::kIo, dir, ": not a directory");

  const auto present = [&dir](const char* name) {
    std::error_code exists_error;
    return fs::exists(fs::path(dir) / name, exists_error);
  };
  const auto in_dir = [&dir](const char* name) { return (fs::path(dir) / name).string(); };

  if (present("model.safetensors")) return read_safetensors(in_dir("model.safetensors"));
  if (present("model.safetensors.index.json")) {
    return read_sharded(dir, in_dir("model.safetensors.index.json"), &read_safetensors);
  }
  if (present("pytorch_model.bin")) return read_torch_bin(in_dir("pytorch_model.bin"));
  if (present("pytorch_model.bin.index.json")) {
    return read_sharded(dir, in_dir("pytorch_model.bin.index.json"), &read_torch_bin);
  }
  fail(ErrorCode::kBadModel, dir,
       ": no checkpoint found; expected model.safetensors, model.safetensors.index.json, "
       "pytorch_model.bin or pytorch_model.bin.index.json");
}

}  // namespace roformer::checkpoint
