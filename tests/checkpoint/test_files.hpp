// Helpers shared by the checkpoint tests: fixture discovery, temporary folders, whole-file I/O,
// zip building, tensor comparison and error expectations.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "model/checkpoint/checkpoint.hpp"

namespace roformer::checkpoint::testing {

std::filesystem::path fixtures_dir();
// Fixture case folders, sorted; `with_bin` keeps only those that also have pytorch_model.bin.
std::vector<std::filesystem::path> fixture_cases(bool with_bin);

// A fresh folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);

using ZipEntries = std::vector<std::pair<std::string, std::string>>;  // record name, contents
void write_zip(const std::string& path, const ZipEntries& entries);
ZipEntries read_zip(const std::string& path);

// Names, shapes and values (bit for bit) equal.
void expect_same_tensors(const TensorMap& expected, const TensorMap& actual);

// Runs `body`, expecting a roformer::Error with `code` whose message contains every part.
template <typename Body>
void expect_error(Body&& body, ErrorCode code, const std::vector<std::string>& parts) {
  try {
    body();
    ADD_FAILURE() << "expected an error containing '" << (parts.empty() ? "" : parts[0]) << "'";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(code)) << message;
    for (const std::string& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
  }
}

// Builds protocol-2 pickles byte by byte, the way torch.save lays out a state_dict.
class PickleWriter {
 public:
  PickleWriter();
  PickleWriter& op(uint8_t opcode);
  PickleWriter& raw(const std::string& bytes);
  PickleWriter& global(const std::string& module, const std::string& name);
  PickleWriter& str(const std::string& text);
  PickleWriter& integer(int64_t value);
  PickleWriter& int_tuple(const std::vector<int64_t>& values);
  // Key and _rebuild_tensor_v2(persistent storage, offset, sizes, strides, False, OrderedDict()).
  PickleWriter& tensor_entry(const std::string& name, const std::string& storage_type,
                             const std::string& key, int64_t numel, int64_t offset,
                             const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides);
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// "OrderedDict() (" ... then "u", the _metadata BUILD and STOP around the entries `body` adds.
std::string state_dict_pickle(const std::function<void(PickleWriter&)>& body);

// A torch zip checkpoint with data.pkl and the given storages under `top`.
void write_torch_zip(const std::string& path, const std::string& top, const std::string& pickle,
                     const ZipEntries& storages);

std::string floats_as_bytes(const std::vector<float>& values);

}  // namespace roformer::checkpoint::testing
