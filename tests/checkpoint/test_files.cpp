#include "test_files.hpp"

#include <zip.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <unistd.h>

namespace roformer::checkpoint::testing {

namespace fs = std::filesystem;

fs::path fixtures_dir() { return fs::path(ROFORMER_TEST_DATA) / "fixtures"; }

std::vector<fs::path> fixture_cases(bool with_bin) {
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(fixtures_dir())) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "model.safetensors")) continue;
    if (with_bin && !fs::exists(entry.path() / "pytorch_model.bin")) continue;
    cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("roformer_checkpoint_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out) << path;
}

void write_zip(const std::string& path, const ZipEntries& entries) {
  int code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  ASSERT_NE(archive, nullptr) << path << " zip error " << code;
  for (const auto& [name, contents] : entries) {
    // The buffers stay alive in `entries` until zip_close writes them.
    zip_source_t* source = zip_source_buffer(archive, contents.data(), contents.size(), 0);
    ASSERT_NE(source, nullptr);
    const zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8);
    ASSERT_GE(index, 0) << zip_strerror(archive);
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  }
  ASSERT_EQ(zip_close(archive), 0) << zip_strerror(archive);
}

ZipEntries read_zip(const std::string& path) {
  ZipEntries entries;
  int code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &code);
  EXPECT_NE(archive, nullptr) << path;
  if (archive == nullptr) return entries;
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &stat);
    std::string contents(stat.size, '\0');
    zip_file_t* file = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    EXPECT_EQ(zip_fread(file, contents.data(), stat.size), static_cast<zip_int64_t>(stat.size));
    zip_fclose(file);
    entries.emplace_back(stat.name, contents);
  }
  zip_discard(archive);
  return entries;
}

void expect_same_tensors(const TensorMap& expected, const TensorMap& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  auto a = expected.begin();
  auto b = actual.begin();
  for (; a != expected.end(); ++a, ++b) {
    ASSERT_EQ(a->first, b->first);
    EXPECT_EQ(a->second.shape, b->second.shape) << a->first;
    ASSERT_EQ(a->second.values.size(), b->second.values.size()) << a->first;
    if (a->second.values.empty()) continue;
    EXPECT_EQ(std::memcmp(a->second.values.data(), b->second.values.data(),
                          a->second.values.size() * sizeof(float)),
              0)
        << a->first << " differs";
  }
}

PickleWriter::PickleWriter() { bytes_ = "\x80\x02"; }

PickleWriter& PickleWriter::op(uint8_t opcode) {
  bytes_ += static_cast<char>(opcode);
  return *this;
}

PickleWriter& PickleWriter::raw(const std::string& bytes) {
  bytes_ += bytes;
  return *this;
}

PickleWriter& PickleWriter::global(const std::string& module, const std::string& name) {
  bytes_ += 'c' + module + '\n' + name + '\n';
  return *this;
}

PickleWriter& PickleWriter::str(const std::string& text) {
  bytes_ += 'X';
  const uint32_t length = static_cast<uint32_t>(text.size());
  for (int i = 0; i < 4; ++i) bytes_ += static_cast<char>(length >> (8 * i));
  bytes_ += text;
  return *this;
}

PickleWriter& PickleWriter::integer(int64_t value) {
  if (value >= 0 && value < 256) {
    bytes_ += 'K';
    bytes_ += static_cast<char>(value);
  } else if (value >= 0 && value < 65536) {
    bytes_ += 'M';
    for (int i = 0; i < 2; ++i) bytes_ += static_cast<char>(value >> (8 * i));
  } else if (value >= INT32_MIN && value <= INT32_MAX) {
    bytes_ += 'J';
    for (int i = 0; i < 4; ++i) bytes_ += static_cast<char>(value >> (8 * i));
  } else {
    bytes_ += "\x8a\x08";
    for (int i = 0; i < 8; ++i) bytes_ += static_cast<char>(static_cast<uint64_t>(value) >> (8 * i));
  }
  return *this;
}

PickleWriter& PickleWriter::int_tuple(const std::vector<int64_t>& values) {
  op('(');
  for (int64_t value : values) integer(value);
  return op('t');
}

PickleWriter& PickleWriter::tensor_entry(const std::string& name, const std::string& storage_type,
                                         const std::string& key, int64_t numel, int64_t offset,
                                         const std::vector<int64_t>& sizes,
                                         const std::vector<int64_t>& strides) {
  str(name);
  global("torch._utils", "_rebuild_tensor_v2");
  op('(');
  op('(').str("storage").global("torch", storage_type).str(key).str("cpu").integer(numel).op('t');
  op('Q');
  integer(offset);
  int_tuple(sizes);
  int_tuple(strides);
  op(0x89);
  global("collections", "OrderedDict").op(')').op('R');
  op('t');
  return op('R');
}

std::string state_dict_pickle(const std::function<void(PickleWriter&)>& body) {
  PickleWriter p;
  p.global("collections", "OrderedDict").op('q').op(0).op(')').op('R').op('(');
  body(p);
  p.op('u');
  // BUILD with {'_metadata': OrderedDict({'': {'version': 1}})}, as torch.save(state_dict) does.
  p.op('}').op('(').str("_metadata").op('h').op(0).op(')').op('R').op(0x94);
  p.op('(').str("").op('}').str("version").integer(1).op('s').op('u');
  p.op('u').op('b').op('.');
  return p.bytes();
}

void write_torch_zip(const std::string& path, const std::string& top, const std::string& pickle,
                     const ZipEntries& storages) {
  ZipEntries entries = {{top + "/data.pkl", pickle}, {top + "/version", "3\n"}};
  for (const auto& [key, bytes] : storages) entries.emplace_back(top + "/data/" + key, bytes);
  write_zip(path, entries);
}

std::string floats_as_bytes(const std::vector<float>& values) {
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace roformer::checkpoint::testing
