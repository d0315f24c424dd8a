// GGUF v3 reader and writer: round trips, deterministic bytes, a byte-for-byte layout check
// against a file built by hand from the specification, and refusal of corrupt files.
#include "model/gguf/gguf.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "engine/error.hpp"

namespace roformer::gguf {
namespace {

namespace fs = std::filesystem;

// GGUF value type ids, as the specification numbers them.
enum : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

constexpr char kHint[] = "re-run `roformer convert`";

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// A GGUF file assembled field by field, independently of the Writer, so that tests can write the
// exact bytes the specification describes and then corrupt any field of them.
class Raw {
 public:
  Raw& u8(uint8_t v) { return put(v); }
  Raw& u16(uint16_t v) { return put(v); }
  Raw& u32(uint32_t v) { return put(v); }
  Raw& i32(int32_t v) { return put(v); }
  Raw& u64(uint64_t v) { return put(v); }
  Raw& i64(int64_t v) { return put(v); }
  Raw& f32(float v) { return put(v); }
  Raw& f64(double v) { return put(v); }
  Raw& str(const std::string& s) {
    u64(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  Raw& key(const std::string& name, uint32_t value_type) { return str(name).u32(value_type); }
  Raw& header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    bytes_.insert(bytes_.end(), {'G', 'G', 'U', 'F'});
    return u32(version).u64(tensors).u64(kvs);
  }
  // n_dims, dims innermost first, ggml type, offset.
  Raw& tensor_info(const std::string& name, std::initializer_list<uint64_t> dims_innermost_first,
                   uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims_innermost_first.size()));
    for (uint64_t d : dims_innermost_first) u64(d);
    return u32(type).u64(offset);
  }
  Raw& pad_to(size_t alignment) {
    bytes_.resize((bytes_.size() + alignment - 1) / alignment * alignment, 0);
    return *this;
  }
  Raw& floats(std::initializer_list<float> values) {
    for (float v : values) f32(v);
    return *this;
  }
  Raw& zeros(size_t n) {
    bytes_.resize(bytes_.size() + n, 0);
    return *this;
  }
  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  template <typename T>
  Raw& put(T v) {
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &v, sizeof(T));
    return *this;
  }
  std::vector<uint8_t> bytes_;
};

class GgufTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/roformer_gguf_test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

  std::string write_raw(const std::string& name, const Raw& raw) const {
    const std::string p = path(name);
    write_bytes(p, raw.bytes());
    return p;
  }

  // Opens `file`, which must be refused as a bad model; returns the message after checking that it
  // names the file, contains every one of `parts` and ends with the convert hint.
  static std::string expect_bad_model(const std::string& file,
                                      std::initializer_list<std::string> parts) {
    try {
      File::open(file);
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(e.code(), ErrorCode::kBadModel) << message;
      EXPECT_NE(message.find(file), std::string::npos) << message;
      for (const std::string& part : parts)
        EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
      const std::string tail =
          message.substr(message.size() - std::min(message.size(), std::string(kHint).size() + 20));
      EXPECT_NE(tail.find(kHint), std::string::npos) << message;
      return message;
    }
    ADD_FAILURE() << file << " was accepted";
    return {};
  }

  std::string dir_;
};

// Every Value kind the writer knows, with values at the edges of their ranges.
std::vector<std::pair<std::string, Value>> every_kind() {
  return {
      {"test.u32", uint32_t{4000000000u}},
      {"test.i32", int32_t{-2000000000}},
      {"test.u64", uint64_t{0x123456789abcdef0ull}},
      {"test.f32", 1e-12f},
      {"test.bool_true", true},
      {"test.bool_false", false},
      {"test.string", std::string("héllo, 世界")},
      {"test.empty_string", std::string()},
      {"test.strings", std::vector<std::string>{"[PAD]", "", "##ing", "中"}},
      {"test.u32s", std::vector<uint32_t>{0, 1, 0xffffffffu}},
      {"test.i32s", std::vector<int32_t>{-1, 0, std::numeric_limits<int32_t>::min()}},
      {"test.f32s", std::vector<float>{0.5f, -0.0f, std::numeric_limits<float>::infinity()}},
      {"test.empty_f32s", std::vector<float>{}},
  };
}

TEST_F(GgufTest, RoundTripsEveryValueKindInOrder) {
  Writer writer;
  writer.set("general.name", std::string("tiny"));
  for (const auto& [key, value] : every_kind()) writer.set(key, value);
  writer.set("general.architecture", std::string("roformer"));
  writer.write(path("kinds.gguf"));

  const auto file = File::open(path("kinds.gguf"));
  EXPECT_EQ(file->version(), kVersion);
  EXPECT_EQ(file->alignment(), kAlignment);
  EXPECT_TRUE(file->tensors().empty());

  // general.architecture first, then the alignment the writer adds, then insertion order.
  const auto& metadata = file->metadata();
  ASSERT_EQ(metadata.size(), every_kind().size() + 3);
  EXPECT_EQ(metadata[0].first, "general.architecture");
  EXPECT_EQ(metadata[1].first, "general.alignment");
  EXPECT_EQ(std::get<uint32_t>(metadata[1].second), kAlignment);
  EXPECT_EQ(metadata[2].first, "general.name");
  for (size_t i = 0; i < every_kind().size(); ++i) {
    EXPECT_EQ(metadata[i + 3].first, every_kind()[i].first);
    EXPECT_EQ(metadata[i + 3].second, every_kind()[i].second) << every_kind()[i].first;
  }

  EXPECT_EQ(file->get_string("general.architecture"), "roformer");
  EXPECT_EQ(file->get_u32("test.u32"), 4000000000u);
  EXPECT_EQ(file->get_i32("test.i32"), -2000000000);
  EXPECT_EQ(file->get_u64("test.u64"), 0x123456789abcdef0ull);
  EXPECT_EQ(file->get_f32("test.f32"), 1e-12f);
  EXPECT_TRUE(file->get_bool("test.bool_true"));
  EXPECT_FALSE(file->get_bool("test.bool_false"));
  EXPECT_EQ(file->get_strings("test.strings")[2], "##ing");
  EXPECT_EQ(file->get_u32s("test.u32s")[2], 0xffffffffu);
  EXPECT_EQ(file->get_i32s("test.i32s")[2], std::numeric_limits<int32_t>::min());
  EXPECT_TRUE(std::signbit(file->get_f32s("test.f32s")[1]));
  EXPECT_EQ(file->find("test.absent"), nullptr);
}

TEST_F(GgufTest, RoundTripsTensorsOfOneToFourDimsBitExactAndAligned) {
  const std::vector<std::vector<uint64_t>> shapes = {{5},          {3, 7}, {2, 3, 5},
                                                     {2, 1, 3, 4}, {16},   {1}};
  std::vector<std::vector<float>> datas;
  uint32_t bits = 0x3f800000u;
  for (const auto& shape : shapes) {
    size_t count = 1;
    for (uint64_t d : shape) count *= d;
    std::vector<float> data(count);
    for (float& v : data) {
      bits = bits * 1664525u + 1013904223u;  // any bit pattern, NaNs included
      std::memcpy(&v, &bits, sizeof(v));
    }
    datas.push_back(std::move(data));
  }

  Writer writer;
  for (size_t i = 0; i < shapes.size(); ++i)
    writer.add_tensor("t" + std::to_string(i), shapes[i], datas[i].data());
  writer.write(path("tensors.gguf"));

  const auto file = File::open(path("tensors.gguf"));
  ASSERT_EQ(file->tensors().size(), shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    const TensorInfo& t = file->tensors()[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(&t, file->find_tensor("t" + std::to_string(i)));
    EXPECT_EQ(t.shape, shapes[i]);
    EXPECT_EQ(t.type, TensorType::kF32);
    EXPECT_EQ(t.size_bytes, datas[i].size() * sizeof(float));
    EXPECT_EQ(t.offset % kAlignment, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % kAlignment, 0u);
    EXPECT_EQ(std::memcmp(t.data, datas[i].data(), t.size_bytes), 0);
  }
  EXPECT_EQ(file->find_tensor("absent"), nullptr);
  // The last tensor (4 bytes) is padded to the alignment too.
  EXPECT_EQ(file->file_size() % kAlignment, 0u);
}

// Released pages leave resident memory but not the mapping: the tensor reads back unchanged, and
// ranges outside the mapping are ignored.
TEST_F(GgufTest, ReleasedPagesReadBackUnchanged) {
  std::vector<float> data(300000);  // 1.2 MB: many whole pages
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i) * 0.5f - 7.0f;
  Writer writer;
  writer.add_tensor("big", {data.size()}, data.data());
  writer.write(path("big.gguf"));
  const auto file = File::open(path("big.gguf"));
  const TensorInfo* big = file->find_tensor("big");
  ASSERT_NE(big, nullptr);
  file->release_pages(big->data, big->size_bytes);
  EXPECT_EQ(std::memcmp(big->data, data.data(), big->size_bytes), 0);
  file->release_pages(data.data(), data.size() * sizeof(float));  // not the mapping: untouched
  EXPECT_EQ(data[12345], 12345 * 0.5f - 7.0f);
}

TEST_F(GgufTest, WritingTheSameContentTwiceGivesIdenticalBytes) {
  auto build = [] {
    Writer writer;
    for (const auto& [key, value] : every_kind()) writer.set(key, value);
    const std::vector<float> data = {1, 2, 3, 4, 5, 6};
    writer.add_tensor("blk.0.attn_qkv.weight", {2, 3}, data.data());
    writer.add_tensor("bias", {6}, data.data());
    return writer;
  };
  build().write(path("a.gguf"));
  build().write(path("b.gguf"));
  build().write(path("a.gguf"));  // over an existing file
  EXPECT_EQ(read_bytes(path("a.gguf")), read_bytes(path("b.gguf")));
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
}

TEST_F(GgufTest, WriterLayoutMatchesTheSpecificationByteForByte) {
  Writer writer;
  writer.set("general.architecture", std::string("roformer"));
  writer.set("roformer.block_count", uint32_t{2});
  writer.set("roformer.block_count", uint32_t{3});        // replaced in place
  writer.set("general.alignment", uint32_t{kAlignment});  // accepted, changes nothing
  const std::vector<float> data = {1, 2, 3, 4, 5, 6};
  writer.add_tensor("w", {2, 3}, data.data());
  writer.add_tensor("b", {1}, data.data());
  writer.write(path("w.gguf"));

  Raw expected;
  expected.header(/*tensors=*/2, /*kvs=*/3);
  expected.key("general.architecture", kString).str("roformer");
  expected.key("general.alignment", kU32).u32(kAlignment);
  expected.key("roformer.block_count", kU32).u32(3);
  expected.tensor_info("w", {3, 2}, /*type=*/0, /*offset=*/0);
  expected.tensor_info("b", {1}, /*type=*/0, /*offset=*/kAlignment);
  expected.pad_to(kAlignment);
  expected.floats({1, 2, 3, 4, 5, 6}).pad_to(kAlignment);
  expected.floats({1}).pad_to(kAlignment);
  EXPECT_EQ(read_bytes(path("w.gguf")), expected.bytes());
}

TEST_F(GgufTest, WriterRefusesBadInput) {
  Writer writer;
  const float x = 1;
  auto expect_invalid = [](auto&& call) {
    try {
      call();
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    }
  };
  expect_invalid([&] { writer.add_tensor("t", {}, &x); });
  expect_invalid([&] { writer.add_tensor("t", {1, 1, 1, 1, 1}, &x); });
  expect_invalid([&] { writer.add_tensor("", {1}, &x); });
  expect_invalid([&] { writer.add_tensor("t", {1}, nullptr); });
  expect_invalid([&] { writer.add_tensor("t", {1ull << 40, 1ull << 40}, &x); });
  writer.add_tensor("t", {1}, &x);
  expect_invalid([&] { writer.add_tensor("t", {1}, &x); });
  expect_invalid([&] { writer.set("general.alignment", uint32_t{32}); });
  expect_invalid([&] { writer.set("general.alignment", uint64_t{kAlignment}); });
  expect_invalid([&] { writer.set("", uint32_t{1}); });
}

TEST_F(GgufTest, WriterFailureIsIoAndLeavesNoTemporaryFile) {
  Writer writer;
  const std::string target = path("missing_dir/out.gguf");
  try {
    writer.write(target);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find(target), std::string::npos) << e.what();
  }
  // A directory in the way of the rename: the temporary file must be removed.
  fs::create_directory(path("occupied.gguf"));
  fs::create_directory(path("occupied.gguf/child"));
  EXPECT_THROW(writer.write(path("occupied.gguf")), Error);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(GgufTest, MissingFileIsIoNamingPathAndReason) {
  const std::string missing = path("nope.gguf");
  try {
    File::open(missing);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::strerror(ENOENT)), std::string::npos) << e.what();
  }
  try {
    File::open(dir_);
    FAIL() << "a directory was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo) << e.what();
  }
}

TEST_F(GgufTest, EveryTruncationIsRefused) {
  Writer writer;
  writer.set("general.architecture", std::string("roformer"));
  writer.set("tokenizer.vocab", std::vector<std::string>{"[CLS]", "a", "b"});
  writer.set("roformer.layer_norm_epsilon", 1e-12f);
  writer.set("roformer.use_bias", true);
  // The last tensor fills whole alignment units, so every prefix cuts away needed bytes.
  std::vector<float> data(kAlignment / sizeof(float) * 2, 0.25f);
  writer.add_tensor("a", {3}, data.data());
  writer.add_tensor("b", {2, kAlignment / sizeof(float)}, data.data());
  writer.write(path("full.gguf"));
  const std::vector<uint8_t> full = read_bytes(path("full.gguf"));
  ASSERT_NO_THROW(File::open(path("full.gguf")));

  for (size_t length = 0; length < full.size(); ++length) {
    SCOPED_TRACE(length);
    const std::string p = path("prefix.gguf");
    write_bytes(p, std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(length)));
    expect_bad_model(p, {});
  }
}

// Overwrites every byte before the data section with a few values: each result is either a valid
// file or a kBadModel refusal, never a crash (run it under -fsanitize=address to see reads).
TEST_F(GgufTest, EveryCorruptedHeaderByteIsAcceptedOrRefusedCleanly) {
  Writer writer;
  writer.set("general.architecture", std::string("roformer"));
  writer.set("tokenizer.vocab", std::vector<std::string>{"[CLS]", "ab"});
  writer.set("tokenizer.types", std::vector<int32_t>{0, 1});
  writer.set("roformer.eps", 1e-12f);
  const std::vector<float> data(32, 1.0f);
  writer.add_tensor("w", {4, 8}, data.data());
  writer.add_tensor("b", {8}, data.data());
  writer.write(path("full.gguf"));
  const std::vector<uint8_t> full = read_bytes(path("full.gguf"));
  const size_t data_offset = File::open(path("full.gguf"))->data_offset();

  size_t refused = 0;
  for (size_t at = 0; at < data_offset; ++at) {
    for (uint8_t value : {0x00, 0x01, 0x07, 0x40, 0x80, 0xff}) {
      if (full[at] == value) continue;
      std::vector<uint8_t> bytes = full;
      bytes[at] = value;
      const std::string p = path("mutated.gguf");
      write_bytes(p, bytes);
      try {
        File::open(p);
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kBadModel)
            << "byte " << at << " = " << int{value} << ": " << e.what();
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, 0u);
}

TEST_F(GgufTest, RefusesWrongMagicShowingTheBytes) {
  Raw raw;
  raw.header(0, 0);
  std::vector<uint8_t> bytes = raw.bytes();
  std::memcpy(bytes.data(), "GGJT", 4);
  write_bytes(path("magic.gguf"), bytes);
  expect_bad_model(path("magic.gguf"), {"magic", "'GGJT'", "47 47 4A 54", "'GGUF'"});
}

TEST_F(GgufTest, RefusesVersion2) {
  expect_bad_model(write_raw("v2.gguf", Raw().header(0, 0, /*version=*/2)),
                   {"version", "expected 3, got 2"});
}

TEST_F(GgufTest, RefusesTooSmallFile) {
  expect_bad_model(write_raw("small.gguf", Raw().u32(0x46554747)), {"too small", "got 4"});
}

TEST_F(GgufTest, RefusesAbsurdCounts) {
  expect_bad_model(write_raw("kvs.gguf", Raw().header(0, 1ull << 60)),
                   {"metadata count 1152921504606846976", "cannot fit"});
  expect_bad_model(write_raw("tensors.gguf", Raw().header(1ull << 60, 0)),
                   {"tensor count 1152921504606846976", "cannot fit"});
}

TEST_F(GgufTest, RefusesAbsurdStringAndArrayLengths) {
  expect_bad_model(write_raw("key.gguf", Raw().header(0, 1).u64(1ull << 60).zeros(16)),
                   {"metadata key #0", "runs past the end"});
  expect_bad_model(
      write_raw("value.gguf", Raw().header(0, 1).key("k", kString).u64(~0ull).zeros(16)),
      {"metadata 'k'", "runs past the end"});
  expect_bad_model(
      write_raw("array.gguf",
                Raw().header(0, 1).key("k", kArray).u32(kString).u64(1ull << 62).zeros(16)),
      {"metadata 'k'", "array length"});
  expect_bad_model(write_raw("name.gguf", Raw().header(1, 0).u64(1000).zeros(40)),
                   {"tensor name #0", "runs past the end"});
}

TEST_F(GgufTest, RefusesDuplicateKeysAndTensorNames) {
  expect_bad_model(
      write_raw("dupkey.gguf", Raw().header(0, 2).key("k", kU32).u32(1).key("k", kU32).u32(2)),
      {"duplicate metadata key 'k'"});
  Raw dup;
  dup.header(2, 0).tensor_info("t", {1}, 0, 0).tensor_info("t", {1}, 0, 32).pad_to(32).zeros(64);
  expect_bad_model(write_raw("duptensor.gguf", dup), {"duplicate tensor name 't'"});
}

TEST_F(GgufTest, RefusesUnknownAndUnsupportedValueTypes) {
  expect_bad_model(write_raw("type.gguf", Raw().header(0, 1).key("k", /*value_type=*/13).u32(0)),
                   {"metadata 'k'", "unknown value type 13"});
  expect_bad_model(write_raw("elem.gguf", Raw().header(0, 1).key("k", kArray).u32(99).u64(0)),
                   {"metadata 'k'", "unknown element type 99"});
  expect_bad_model(
      write_raw("bools.gguf", Raw().header(0, 1).key("k", kArray).u32(kBool).u64(1).u8(1)),
      {"metadata 'k'", "array of BOOL", "does not support"});
  expect_bad_model(
      write_raw("nested.gguf",
                Raw().header(0, 1).key("k", kArray).u32(kArray).u64(1).u32(kU32).u64(0)),
      {"array of ARRAY"});
  expect_bad_model(write_raw("bool2.gguf", Raw().header(0, 1).key("k", kBool).u8(2)),
                   {"BOOL stored as 2", "expected 0 or 1"});
  expect_bad_model(write_raw("i64.gguf", Raw().header(0, 1).key("k", kI64).i64(1ll << 40)),
                   {"INT64", "int32 range"});
  expect_bad_model(
      write_raw("align.gguf", Raw().header(0, 1).key("general.alignment", kU64).u64(64)),
      {"general.alignment", "must be UINT32", "UINT64"});
  expect_bad_model(
      write_raw("align3.gguf", Raw().header(0, 1).key("general.alignment", kU32).u32(48)),
      {"power of two", "48"});
}

TEST_F(GgufTest, RefusesBadTensorInfos) {
  auto one_tensor = [&](const std::string& name, std::initializer_list<uint64_t> dims,
                        uint32_t type, uint64_t offset) {
    Raw raw;
    raw.header(1, 0).tensor_info("t", dims, type, offset).pad_to(32).zeros(256);
    return write_raw(name, raw);
  };
  expect_bad_model(one_tensor("dims0.gguf", {}, 0, 0), {"tensor 't'", "n_dims 0", "expected 1..4"});
  expect_bad_model(one_tensor("dims5.gguf", {1, 1, 1, 1, 1}, 0, 0), {"n_dims 5"});
  expect_bad_model(one_tensor("overflow.gguf", {1ull << 32, 1ull << 32}, 0, 0), {"overflows"});
  expect_bad_model(one_tensor("type.gguf", {4}, 2, 0),
                   {"ggml type 2", "expected F32 (0) or F16 (1)"});
  expect_bad_model(one_tensor("misaligned.gguf", {4}, 0, 8),
                   {"offset 8", "multiple of the alignment 32"});
  expect_bad_model(one_tensor("past.gguf", {4}, 0, 1024),
                   {"tensor 't'", "runs past the end", "16 bytes at offset 1024"});
  expect_bad_model(one_tensor("big.gguf", {65}, 0, 0),
                   {"runs past the end", "260 bytes at offset 0"});
}

// A damaged offset that points into another tensor's bytes would read that tensor's values.
TEST_F(GgufTest, RefusesOverlappingTensors) {
  Raw overlap;  // 16 floats at 0, then 1 float at 32: inside the first
  overlap.header(2, 0).tensor_info("a", {16}, 0, 0).tensor_info("b", {1}, 0, 32).pad_to(32).zeros(
      128);
  expect_bad_model(write_raw("overlap.gguf", overlap),
                   {"tensor 'a' (64 bytes at offset 0) overlaps tensor 'b' (at offset 32)"});
  Raw same;  // listed in the other order, both at 64
  same.header(2, 0).tensor_info("c", {1}, 0, 64).tensor_info("d", {1}, 0, 64).pad_to(32).zeros(
      128);
  expect_bad_model(write_raw("same.gguf", same), {"overlaps tensor"});
  Raw adjacent;  // touching is fine
  adjacent.header(2, 0).tensor_info("e", {8}, 0, 32).tensor_info("f", {8}, 0, 0).pad_to(32).zeros(
      64);
  const std::string path = write_raw("adjacent.gguf", adjacent);
  EXPECT_EQ(File::open(path)->tensors().size(), 2u);
}

// A damaged length field can turn the rest of the file into a key's name; errors quote 80 bytes.
TEST_F(GgufTest, ErrorsQuoteAtMostTheStartOfALongName) {
  const std::string long_name(5000, 'k');
  const std::string message =
      expect_bad_model(write_raw("longkey.gguf", Raw().header(0, 1).key(long_name, 99)),
                       {std::string(80, 'k') + "... (5000 bytes)", "unknown value type 99"});
  EXPECT_EQ(message.find(std::string(81, 'k')), std::string::npos) << message;
}

TEST_F(GgufTest, RefusesDataSectionStartingPastTheEnd) {
  Raw raw;
  raw.header(1, 0).tensor_info("t", {1}, 0, 0);  // no padding and no data
  expect_bad_model(write_raw("nodata.gguf", raw), {"data section"});
}

TEST_F(GgufTest, HonoursTheFileAlignmentAndDefault) {
  // general.alignment = 128, two F16 tensors.
  Raw wide;
  wide.header(2, 1).key("general.alignment", kU32).u32(128);
  wide.tensor_info("h", {3}, /*type=*/1, 0).tensor_info("f", {2}, /*type=*/0, 128).pad_to(128);
  wide.u16(0x3c00).u16(0x4000).u16(0x4200).pad_to(128);
  wide.floats({7, 8});
  auto file = File::open(write_raw("wide.gguf", wide));
  EXPECT_EQ(file->alignment(), 128u);
  EXPECT_EQ(file->data_offset() % 128, 0u);
  const TensorInfo* h = file->find_tensor("h");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->type, TensorType::kF16);
  EXPECT_EQ(h->size_bytes, 6u);
  EXPECT_EQ(static_cast<const uint16_t*>(h->data)[2], 0x4200);
  EXPECT_EQ(static_cast<const float*>(file->find_tensor("f")->data)[1], 8.0f);

  // Without the key the specification's default of 32 applies: offset 32 is fine, 16 is not.
  Raw plain;
  plain.header(2, 0).tensor_info("a", {1}, 0, 0).tensor_info("b", {1}, 0, 32).pad_to(32);
  plain.f32(1).pad_to(32);
  plain.f32(2);
  file = File::open(write_raw("plain.gguf", plain));
  EXPECT_EQ(file->alignment(), 32u);
  EXPECT_EQ(static_cast<const float*>(file->find_tensor("b")->data)[0], 2.0f);
  Raw bad;
  bad.header(1, 0).tensor_info("a", {1}, 0, 16).pad_to(32).zeros(64);
  expect_bad_model(write_raw("bad.gguf", bad), {"multiple of the alignment 32"});
}

TEST_F(GgufTest, WidensNarrowKindsOnReading) {
  Raw raw;
  raw.header(0, 7);
  raw.key("u8", kU8).u8(200);
  raw.key("i8", kI8).u8(0xff);
  raw.key("u16", kU16).u16(60000);
  raw.key("i16", kI16).u16(0x8000);
  raw.key("i64", kI64).i64(-5);
  raw.key("f64", kF64).f64(0.5);
  raw.key("u8s", kArray).u32(kU8).u64(2).u8(1).u8(255);
  const auto file = File::open(write_raw("narrow.gguf", raw));
  EXPECT_EQ(file->get_u32("u8"), 200u);
  EXPECT_EQ(file->get_i32("i8"), -1);
  EXPECT_EQ(file->get_u32("u16"), 60000u);
  EXPECT_EQ(file->get_i32("i16"), -32768);
  EXPECT_EQ(file->get_i32("i64"), -5);
  EXPECT_EQ(file->get_f32("f64"), 0.5f);
  EXPECT_EQ(file->get_u32s("u8s"), (std::vector<uint32_t>{1, 255}));
}

TEST_F(GgufTest, TypedGettersNameKeyAndKinds) {
  Writer writer;
  writer.set("roformer.layer_norm_epsilon", 1e-12f);
  writer.set("tokenizer.vocab", std::vector<std::string>{"a"});
  writer.write(path("get.gguf"));
  const auto file = File::open(path("get.gguf"));

  auto expect_message = [&](auto&& call, std::initializer_list<std::string> parts) {
    try {
      call();
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(e.code(), ErrorCode::kBadModel) << message;
      EXPECT_NE(message.find(path("get.gguf")), std::string::npos) << message;
      for (const std::string& part : parts)
        EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
    }
  };
  expect_message([&] { file->get_u32("roformer.layer_norm_epsilon"); },
                 {"'roformer.layer_norm_epsilon'", "has kind float32", "expected uint32"});
  expect_message([&] { file->get_u32s("tokenizer.vocab"); },
                 {"'tokenizer.vocab'", "has kind string array", "expected uint32 array"});
  expect_message([&] { file->get_string("general.name"); },
                 {"'general.name'", "missing", "expected string"});
  expect_message([&] { file->get_bool("general.alignment"); },
                 {"has kind uint32", "expected bool"});
}

}  // namespace
}  // namespace roformer::gguf
