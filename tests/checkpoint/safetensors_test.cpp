#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "test_files.hpp"

namespace roformer::checkpoint {
namespace {

using testing::expect_error;
using testing::TempDir;

// A safetensors file from a header JSON text and raw data, padded as the format asks.
std::string safetensors_bytes(std::string header, const std::string& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(uint64_t{header.size()} >> (8 * i));
  return bytes + header + data;
}

uint32_t bits_of(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

TEST(Safetensors, ReadsEveryFixtureModelAndExpectedOutputs) {
  const auto cases = testing::fixture_cases(/*with_bin=*/false);
  ASSERT_GE(cases.size(), 8u);
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.string());
    const TensorMap model = read_safetensors((dir / "model.safetensors").string());
    const TensorMap expected = read_safetensors((dir / "expected.safetensors").string());
    EXPECT_FALSE(model.empty());
    EXPECT_FALSE(expected.empty());
    for (const TensorMap* map : {&model, &expected}) {
      for (const auto& [name, tensor] : *map) {
        int64_t count = 1;
        for (int64_t dim : tensor.shape) count *= dim;
        EXPECT_EQ(static_cast<int64_t>(tensor.values.size()), count) << name;
      }
    }
  }
  const TensorMap qa = read_safetensors((testing::fixtures_dir() / "v1_qa/model.safetensors").string());
  EXPECT_EQ(qa.at("qa_outputs.weight").shape, (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(qa.at("roformer.embeddings.word_embeddings.weight").shape,
            (std::vector<int64_t>{256, 32}));
}

TEST(Safetensors, WriterReproducesEveryFixtureByteForByte) {
  TempDir temp;
  for (const auto& dir : testing::fixture_cases(/*with_bin=*/false)) {
    for (const char* file : {"model.safetensors", "expected.safetensors"}) {
      SCOPED_TRACE((dir / file).string());
      const std::string original = (dir / file).string();
      const std::string copy = temp.file(dir.filename().string() + "_" + file);
      write_safetensors(copy, read_safetensors(original));
      EXPECT_TRUE(testing::read_bytes(original) == testing::read_bytes(copy));
    }
  }
  // Nothing but the outputs is left behind: the temporary files were renamed.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(temp.path())) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 2 * testing::fixture_cases(false).size());
}

TEST(Safetensors, RoundTripsScalarsEmptyTensorsSpecialValuesAndOddNames) {
  TensorMap tensors;
  tensors["scalar"] = {{}, {3.5f}};
  tensors["empty"] = {{0, 3}, {}};
  tensors["specials"] = {{2, 3},
                         {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(), -0.0f,
                          std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max()}};
  tensors["quote\"back\\slash \xe4\xb8\x80"] = {{1}, {1.0f}};
  TempDir temp;
  const std::string path = temp.file("round.safetensors");
  write_safetensors(path, tensors);
  const std::string bytes = testing::read_bytes(path);
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  EXPECT_EQ(header_size % 8, 0u);
  testing::expect_same_tensors(tensors, read_safetensors(path));
  // Writing over an existing file replaces it.
  tensors.erase("specials");
  write_safetensors(path, tensors);
  testing::expect_same_tensors(tensors, read_safetensors(path));
}

TEST(Safetensors, WriterRefusesValuesThatDoNotMatchTheShape) {
  TempDir temp;
  TensorMap tensors;
  tensors["bad"] = {{2, 3}, {1.0f, 2.0f}};
  expect_error([&] { write_safetensors(temp.file("bad.safetensors"), tensors); },
               ErrorCode::kInvalidArgument, {"'bad'", "2 values", "needs 6"});
  EXPECT_FALSE(std::filesystem::exists(temp.file("bad.safetensors")));
}

TEST(Safetensors, ConvertsF16AndBF16ToFloat) {
  // F16: 1, -2, 65504 (largest), 2^-24 (smallest subnormal), 0.333251953125, +inf, -0, NaN.
  const uint16_t half[] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x7c00, 0x8000, 0x7e00};
  // BF16: 1, -3, +inf, 2^-133 (a float32 subnormal).
  const uint16_t bf16[] = {0x3f80, 0xc040, 0x7f80, 0x0001};
  std::string data(reinterpret_cast<const char*>(half), sizeof(half));
  data.append(reinterpret_cast<const char*>(bf16), sizeof(bf16));
  const std::string header =
      R"({"h":{"dtype":"F16","shape":[2,4],"data_offsets":[0,16]},)"
      R"("b":{"dtype":"BF16","shape":[4],"data_offsets":[16,24]}})";
  TempDir temp;
  const std::string path = temp.file("mixed.safetensors");
  testing::write_bytes(path, safetensors_bytes(header, data));

  const TensorMap tensors = read_safetensors(path);
  const auto& h = tensors.at("h").values;
  EXPECT_EQ(tensors.at("h").shape, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(h[0], 1.0f);
  EXPECT_EQ(h[1], -2.0f);
  EXPECT_EQ(h[2], 65504.0f);
  EXPECT_EQ(h[3], std::ldexp(1.0f, -24));
  EXPECT_EQ(h[4], 0.333251953125f);
  EXPECT_EQ(h[5], std::numeric_limits<float>::infinity());
  EXPECT_EQ(bits_of(h[6]), 0x80000000u);
  EXPECT_TRUE(std::isnan(h[7]));
  const auto& b = tensors.at("b").values;
  EXPECT_EQ(b[0], 1.0f);
  EXPECT_EQ(b[1], -3.0f);
  EXPECT_EQ(b[2], std::numeric_limits<float>::infinity());
  EXPECT_EQ(bits_of(b[3]), 0x00010000u);
}

TEST(Safetensors, EveryHalfValueMatchesItsDefinition) {
  // value = (-1)^s * 2^(e-15) * (1 + m/1024), or 2^-14 * m/1024 when e = 0.
  std::string data;
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    data += static_cast<char>(bits & 0xff);
    data += static_cast<char>(bits >> 8);
  }
  TempDir temp;
  const std::string path = temp.file("all_halves.safetensors");
  testing::write_bytes(
      path, safetensors_bytes(R"({"all":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}})",
                              data));
  const std::vector<float> values = read_safetensors(path).at("all").values;
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    const int exponent = (bits >> 10) & 0x1f;
    const int mantissa = bits & 0x3ff;
    const double sign = (bits & 0x8000) ? -1.0 : 1.0;
    if (exponent == 0x1f) {
      EXPECT_TRUE(mantissa ? std::isnan(values[bits]) : std::isinf(values[bits])) << bits;
      continue;
    }
    const double expected = exponent == 0 ? sign * std::ldexp(mantissa, -24)
                                          : sign * std::ldexp(1024 + mantissa, exponent - 25);
    ASSERT_EQ(static_cast<double>(values[bits]), expected) << "bits " << bits;
  }
}

TEST(Safetensors, RefusesAnUnknownDtypeNamingTensorAndDtype) {
  TempDir temp;
  const std::string path = temp.file("i64.safetensors");
  testing::write_bytes(path, safetensors_bytes(
      R"({"token_ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", std::string(8, '\0')));
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel,
               {path, "'token_ids'", "I64", "F32, F16 or BF16"});
}

TEST(Safetensors, RefusesAnOffsetPastTheEnd) {
  TempDir temp;
  const std::string path = temp.file("past_end.safetensors");
  testing::write_bytes(path, safetensors_bytes(
      R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", std::string(16, '\0')));
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel,
               {path, "'w'", "[8, 24]", "16 bytes"});
}

TEST(Safetensors, RefusesAShapeThatDisagreesWithTheByteCount) {
  TempDir temp;
  const std::string path = temp.file("shape.safetensors");
  testing::write_bytes(path, safetensors_bytes(
      R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})", std::string(16, '\0')));
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel,
               {"'w'", "[2,3]", "needs 24 bytes", "give 16"});
  // A shape whose element count overflows is refused before anything is allocated.
  testing::write_bytes(path, safetensors_bytes(
      R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})",
      std::string(16, '\0')));
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel, {"'w'", "overflows"});
}

TEST(Safetensors, RefusesMalformedHeaders) {
  TempDir temp;
  const std::string path = temp.file("bad.safetensors");
  testing::write_bytes(path, safetensors_bytes(R"({"w":{"dtype":"F32")", ""));
  // The path, then the parser's words without nlohmann's "[json.exception...] " prefix.
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel,
               {path + ": header is not valid JSON: parse error at line 1, column 25: syntax error "
                       "while parsing object - unexpected end of input; expected '}'"});
  testing::write_bytes(path, safetensors_bytes(R"([1,2])", ""));
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel, {"expected an object"});
  testing::write_bytes(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", ""));
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel, {"'w'", "non-negative"});
  testing::write_bytes(path, safetensors_bytes(R"({"w":{"dtype":"F32","shape":[1]}})", "abcd"));
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel, {"'w'", "data_offsets"});
  // A header length far beyond the file (as random bytes would give) is refused, not allocated.
  testing::write_bytes(path, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10));
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel, {"header length"});
}

TEST(Safetensors, RefusesTruncatedFilesAtEveryCut) {
  const std::string original =
      testing::read_bytes((testing::fixtures_dir() / "v1_qa/model.safetensors").string());
  TempDir temp;
  const std::string path = temp.file("cut.safetensors");
  for (size_t cut : {size_t{0}, size_t{5}, size_t{8}, size_t{100}, size_t{4000}, size_t{4280},
                     original.size() / 2, original.size() - 1}) {
    SCOPED_TRACE(cut);
    testing::write_bytes(path, original.substr(0, cut));
    expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel, {path});
  }
  testing::write_bytes(path, original.substr(0, original.size() - 1));
  expect_error([&] { read_safetensors(path); }, ErrorCode::kBadModel,
               {"outside the data section", "truncated"});
}

TEST(Safetensors, MissingFileIsAnIoError) {
  expect_error([] { read_safetensors("/nonexistent/model.safetensors"); }, ErrorCode::kIo,
               {"/nonexistent/model.safetensors", "not found"});
}

}  // namespace
}  // namespace roformer::checkpoint

namespace roformer::checkpoint {
namespace {

TEST(Safetensors, SurvivesRandomCorruptionOfTheHeader) {
  const std::string original =
      testing::read_bytes((testing::fixtures_dir() / "v1_qa/model.safetensors").string());
  TempDir temp;
  const std::string path = temp.file("fuzz.safetensors");
  std::mt19937 random(7);
  for (int trial = 0; trial < 500; ++trial) {
    std::string bytes = original;
    for (int i = 0; i < 1 + trial % 3; ++i) {
      bytes[random() % 4280] = static_cast<char>(random() & 0xff);
    }
    testing::write_bytes(path, bytes);
    try {
      read_safetensors(path);
    } catch (const Error& e) {
      EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(ErrorCode::kBadModel)) << e.what();
    }
  }
}

}  // namespace
}  // namespace roformer::checkpoint
