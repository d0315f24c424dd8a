#include <cstring>
#include <random>

#include "test_files.hpp"

namespace roformer::checkpoint {
namespace {

using testing::expect_error;
using testing::PickleWriter;
using testing::TempDir;

TEST(TorchBin, EqualsSafetensorsBitForBitInEveryFixture) {
  const auto cases = testing::fixture_cases(/*with_bin=*/true);
  ASSERT_GE(cases.size(), 7u);
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.string());
    testing::expect_same_tensors(read_safetensors((dir / "model.safetensors").string()),
                                 read_torch_bin((dir / "pytorch_model.bin").string()));
  }
}

TEST(TorchBin, TiedWeightsShareOneStorage) {
  const TensorMap tensors =
      read_torch_bin((testing::fixtures_dir() / "v1_mlm_embproj/pytorch_model.bin").string());
  const TensorData& word = tensors.at("roformer.embeddings.word_embeddings.weight");
  const TensorData& decoder = tensors.at("cls.predictions.decoder.weight");
  EXPECT_EQ(word.shape, decoder.shape);
  EXPECT_EQ(word.values, decoder.values);
}

TEST(TorchBin, FindsTheTopFolderWhateverItsName) {
  const std::string original = (testing::fixtures_dir() / "v1_qa/pytorch_model.bin").string();
  testing::ZipEntries entries = testing::read_zip(original);
  for (auto& [name, bytes] : entries) name = "archive" + name.substr(name.find('/'));
  TempDir temp;
  const std::string renamed = temp.file("renamed.bin");
  testing::write_zip(renamed, entries);
  testing::expect_same_tensors(read_torch_bin(original), read_torch_bin(renamed));
}

TEST(TorchBin, GathersStridedViewsAndConvertsHalfStorages) {
  // Storage 0: 0..11 as float32. "t" is its [4, 3] view transposed to [3, 4]; "row" the
  // elements 2, 4, 6 (offset 2, stride 2); "broadcast" repeats element 5 with stride 0.
  std::vector<float> floats(12);
  for (int i = 0; i < 12; ++i) floats[i] = static_cast<float>(i);
  // Storage 1: F16 {1, -2, 0.5}; storage 2: BF16 {1, -3}.
  const std::string half("\x00\x3c\x00\xc0\x00\x38", 6);
  const std::string bf16("\x80\x3f\x40\xc0", 4);
  const std::string pickle = testing::state_dict_pickle([](PickleWriter& p) {
    p.tensor_entry("t", "FloatStorage", "0", 12, 0, {3, 4}, {1, 3});
    p.tensor_entry("row", "FloatStorage", "0", 12, 2, {3}, {2});
    p.tensor_entry("broadcast", "FloatStorage", "0", 12, 5, {2, 2}, {0, 0});
    p.tensor_entry("scalar", "FloatStorage", "0", 12, 11, {}, {});
    p.tensor_entry("empty", "FloatStorage", "0", 12, 0, {0, 5}, {5, 1});
    p.tensor_entry("half", "HalfStorage", "1", 3, 0, {3}, {1});
    p.tensor_entry("bf16", "BFloat16Storage", "2", 2, 0, {1, 2}, {2, 1});
  });
  TempDir temp;
  const std::string path = temp.file("views.bin");
  testing::write_torch_zip(path, "anything", pickle,
                           {{"0", testing::floats_as_bytes(floats)}, {"1", half}, {"2", bf16}});
  const TensorMap tensors = read_torch_bin(path);
  EXPECT_EQ(tensors.at("t").shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(tensors.at("t").values,
            (std::vector<float>{0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}));
  EXPECT_EQ(tensors.at("row").values, (std::vector<float>{2, 4, 6}));
  EXPECT_EQ(tensors.at("broadcast").values, (std::vector<float>{5, 5, 5, 5}));
  EXPECT_EQ(tensors.at("scalar").shape, (std::vector<int64_t>{}));
  EXPECT_EQ(tensors.at("scalar").values, (std::vector<float>{11}));
  EXPECT_TRUE(tensors.at("empty").values.empty());
  EXPECT_EQ(tensors.at("half").values, (std::vector<float>{1, -2, 0.5f}));
  EXPECT_EQ(tensors.at("bf16").values, (std::vector<float>{1, -3}));
}

TEST(TorchBin, RefusesGlobalOsSystemInsideAZip) {
  PickleWriter p;
  p.global("os", "system").op('(').str("touch /tmp/roformer_pwned").op('t').op('R').op('.');
  TempDir temp;
  const std::string path = temp.file("evil.bin");
  testing::write_torch_zip(path, "archive", p.bytes(), {});
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel,
               {path, "archive/data.pkl", "global os.system", "refused"});
  EXPECT_FALSE(std::filesystem::exists("/tmp/roformer_pwned"));
}

TEST(TorchBin, RefusesAnUnknownStorageTypeInsideAZip) {
  const std::string pickle = testing::state_dict_pickle(
      [](PickleWriter& p) { p.tensor_entry("w", "DoubleStorage", "0", 2, 0, {2}, {1}); });
  TempDir temp;
  const std::string path = temp.file("double.bin");
  testing::write_torch_zip(path, "archive", pickle, {{"0", std::string(16, '\0')}});
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel,
               {path, "torch.DoubleStorage", "not supported"});
}

TEST(TorchBin, RefusesStorageRecordsOfTheWrongSizeOrMissing) {
  TempDir temp;
  const std::string path = temp.file("sizes.bin");
  // The pickle claims 2^40 elements: refused from the record size, before any allocation.
  const std::string huge = testing::state_dict_pickle(
      [](PickleWriter& p) { p.tensor_entry("w", "FloatStorage", "0", int64_t{1} << 40, 0, {4}, {1}); });
  testing::write_torch_zip(path, "archive", huge, {{"0", std::string(16, '\0')}});
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel,
               {"archive/data/0", "holds 16 bytes", "describes 4398046511104"});

  const std::string small = testing::state_dict_pickle(
      [](PickleWriter& p) { p.tensor_entry("w", "FloatStorage", "7", 4, 0, {4}, {1}); });
  testing::write_torch_zip(path, "archive", small, {});
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel,
               {"archive/data/7", "missing"});
}

TEST(TorchBin, RefusesTruncatedArchivesAtEveryCut) {
  const std::string original =
      testing::read_bytes((testing::fixtures_dir() / "v1_qa/pytorch_model.bin").string());
  TempDir temp;
  const std::string path = temp.file("cut.bin");
  for (size_t cut : {size_t{0}, size_t{3}, size_t{100}, size_t{5000}, original.size() / 2,
                     original.size() - 100, original.size() - 1}) {
    SCOPED_TRACE(cut);
    testing::write_bytes(path, original.substr(0, cut));
    expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel, {path});
  }
  // A cut that keeps the zip's first header is called truncated, not an old PyTorch format.
  testing::write_bytes(path, original.substr(0, original.size() / 2));
  try {
    read_torch_bin(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated or corrupt"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("PyTorch < 1.6"), std::string::npos) << e.what();
  }
}

TEST(TorchBin, RefusesZipsWithoutOneDataPkl) {
  TempDir temp;
  const std::string path = temp.file("other.bin");
  testing::write_zip(path, {{"readme.txt", "hello"}, {"data.pkl", "."}});
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel, {path, "no <folder>/data.pkl"});
  testing::write_zip(path, {{"a/data.pkl", "."}, {"b/data.pkl", "."}});
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel, {"2 <folder>/data.pkl"});
}

TEST(TorchBin, AnEmptyFileIsCalledEmpty) {
  TempDir temp;
  const std::string path = temp.file("empty.bin");
  testing::write_bytes(path, "");
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel,
               {path + ": file of 0 bytes is empty (expected a zip archive written by torch.save)"});
}

TEST(TorchBin, RefusesTheLegacyFormatAndBigEndianStorages) {
  TempDir temp;
  const std::string path = temp.file("legacy.bin");
  testing::write_bytes(path, std::string("\x80\x02\x8a\x0a", 4) + std::string(60, 'x'));
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel,
               {path, "not a zip archive", "PyTorch < 1.6"});
  testing::write_zip(path, {{"archive/data.pkl", "."}, {"archive/byteorder", "big"}});
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel, {"big-endian"});
}

// torch.save zips store records uncompressed with a CRC-32 each; a flipped bit in the weights
// changes no size or structure, so only the CRC can catch it (PyTorch refuses such a file).
TEST(TorchBin, RefusesARecordWhoseCrcDoesNotMatch) {
  std::vector<float> floats(12);
  for (int i = 0; i < 12; ++i) floats[i] = static_cast<float>(i);
  const std::string storage = testing::floats_as_bytes(floats);
  const std::string pickle = testing::state_dict_pickle(
      [](PickleWriter& p) { p.tensor_entry("w", "FloatStorage", "0", 12, 0, {12}, {1}); });
  TempDir temp;
  const std::string path = temp.file("flipped.bin");
  testing::write_torch_zip(path, "archive", pickle, {{"0", storage}});
  ASSERT_EQ(read_torch_bin(path).at("w").values, floats);

  std::string bytes = testing::read_bytes(path);
  const size_t at = bytes.find(storage);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 21] = static_cast<char>(bytes[at + 21] ^ 0xff);  // 5.0f becomes 5.03...f
  testing::write_bytes(path, bytes);
  // Python: zlib.crc32 of the 12 floats, then of them with byte 21 flipped.
  expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel,
               {path, "zip record archive/data/0 fails its CRC-32 check",
                "expected 0x3e667d78 from the zip directory, computed 0xf039ebf5"});
}

// Every record whose bytes are used is checked: data.pkl and each storage of a real fixture.
TEST(TorchBin, RefusesAFixtureWithAByteFlippedInAnyUsedRecord) {
  const std::string fixture = (testing::fixtures_dir() / "v1_qa/pytorch_model.bin").string();
  const std::string original = testing::read_bytes(fixture);
  TempDir temp;
  const std::string path = temp.file("flipped.bin");
  int checked = 0;
  // torch.save writes the records in directory order, so each one's bytes are the first match
  // after the previous one's (several LayerNorm records hold the same bytes).
  size_t after = 0;
  for (const auto& [name, contents] : testing::read_zip(fixture)) {
    const size_t at = original.find(contents, after);
    ASSERT_NE(at, std::string::npos) << name;
    after = at + contents.size();
    const bool used = name.find("/data/") != std::string::npos ||
                      name.find("/data.pkl") != std::string::npos;
    if (!used) continue;
    SCOPED_TRACE(name);
    std::string bytes = original;
    bytes[at + contents.size() / 2] = static_cast<char>(bytes[at + contents.size() / 2] ^ 0xff);
    testing::write_bytes(path, bytes);
    expect_error([&] { read_torch_bin(path); }, ErrorCode::kBadModel,
                 {"zip record " + name + " fails its CRC-32 check"});
    ++checked;
  }
  EXPECT_EQ(checked, 40);  // data.pkl and storages 0 to 38
}

TEST(TorchBin, MissingFileIsAnIoError) {
  expect_error([] { read_torch_bin("/nonexistent/pytorch_model.bin"); }, ErrorCode::kIo,
               {"/nonexistent/pytorch_model.bin"});
}

}  // namespace
}  // namespace roformer::checkpoint

namespace roformer::checkpoint {
namespace {

// Corruption where the structure lives (the pickle at the front, the zip directory at the end)
// must end in success or roformer::Error, never a crash or another exception.
TEST(TorchBin, SurvivesRandomCorruptionOfPickleAndDirectory) {
  const std::string original =
      testing::read_bytes((testing::fixtures_dir() / "v1_qa/pytorch_model.bin").string());
  TempDir temp;
  const std::string path = temp.file("fuzz.bin");
  std::mt19937 random(99);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = original;
    const size_t region = 6000;
    for (int i = 0; i < 1 + trial % 3; ++i) {
      const size_t at = trial % 2 == 0 ? random() % region : bytes.size() - 1 - random() % region;
      bytes[at] = static_cast<char>(random() & 0xff);
    }
    testing::write_bytes(path, bytes);
    try {
      read_torch_bin(path);
    } catch (const Error& e) {
      EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(ErrorCode::kBadModel)) << e.what();
    }
  }
}

}  // namespace
}  // namespace roformer::checkpoint
