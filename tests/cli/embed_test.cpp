// `roformer embed` and `roformer similarity` on the sim fixture: the pooler, [CLS] and mean
// embeddings equal the reference outputs, and similarity is their cosine.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"
#include "fixture_text.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;

const char* const kFixture = "v1_pooler_sim";
const std::vector<std::string> kRequests = {"len7", "len33", "len65"};

std::string request_text(const std::string& request) {
  const FixtureRow row = fixture_row(kFixture, request);
  return text_of(kFixture, row.input_ids, 1, row.input_ids.size() - 1);
}

// Runs embed on the three request texts with `extra` options; one embedding per text.
std::vector<std::vector<float>> embed(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"embed", "--model", converted_fixture_model(kFixture)};
  args.insert(args.end(), extra.begin(), extra.end());
  for (const auto& request : kRequests) args.push_back(request_text(request));
  const CliResult result = run_cli(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::vector<float>> out;
  for (const auto& line : json_lines(result.out)) out.push_back(line["embedding"].get<std::vector<float>>());
  return out;
}

// The reference embedding of a request: pooler output, position 0, or the mean over positions.
std::vector<float> reference(const std::string& request, const std::string& pooling) {
  const auto& tensors = expected_outputs(kFixture);
  if (pooling == "pooler") return tensors.at(request + ".pooler_output").values;
  const auto& states = tensors.at(request + ".last_hidden_state");
  const size_t length = states.shape[1], hidden = states.shape[2];
  if (pooling == "cls") return {states.values.begin(), states.values.begin() + hidden};
  std::vector<float> mean(hidden, 0.0f);
  for (size_t t = 0; t < length; ++t) {
    for (size_t h = 0; h < hidden; ++h) mean[h] += states.values[t * hidden + h] / length;
  }
  return mean;
}

void expect_close(const std::vector<float>& actual, const std::vector<float>& expected,
                  const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_LE(std::fabs(actual[i] - expected[i]), 1e-4f + 1e-4f * std::fabs(expected[i]))
        << what << " element " << i;
  }
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += a[i] * double(b[i]), aa += a[i] * double(a[i]), bb += b[i] * double(b[i]);
  return dot / std::sqrt(aa * bb);
}

TEST(CliEmbed, EveryPoolingMatchesTheReference) {
  for (const std::string pooling : {"pooler", "cls", "mean"}) {
    const auto embeddings = embed({"--pooling", pooling});
    ASSERT_EQ(embeddings.size(), kRequests.size()) << pooling;
    for (size_t i = 0; i < kRequests.size(); ++i) {
      expect_close(embeddings[i], reference(kRequests[i], pooling), pooling + " " + kRequests[i]);
    }
  }
  // The sim model has a pooler, so it is the default.
  const auto defaults = embed({});
  expect_close(defaults.at(0), reference(kRequests[0], "pooler"), "default pooling");
}

TEST(CliEmbed, NormalizeGivesUnitVectorsAlongTheReference) {
  const auto embeddings = embed({"--normalize"});
  ASSERT_EQ(embeddings.size(), kRequests.size());
  for (size_t i = 0; i < kRequests.size(); ++i) {
    double norm = 0;
    for (float x : embeddings[i]) norm += double(x) * x;
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
    EXPECT_NEAR(cosine(embeddings[i], reference(kRequests[i], "pooler")), 1.0, 1e-5);
  }
}

TEST(CliEmbed, NpyHoldsTheSameMatrix) {
  const auto embeddings = embed({});
  const std::string path = (cli_scratch_dir() / "embeddings.npy").string();
  const auto from_npy = embed({"--npy", path});
  EXPECT_TRUE(from_npy.empty()) << "--npy prints nothing";
  const std::string bytes = read_text_file(path);
  ASSERT_GT(bytes.size(), 10u);
  ASSERT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_length = uint8_t(bytes[8]) | uint8_t(bytes[9]) << 8;
  const std::string header = bytes.substr(10, header_length);
  EXPECT_EQ((10 + header_length) % 64, 0u);
  const size_t hidden = embeddings.at(0).size();
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos) << header;
  EXPECT_NE(header.find("'shape': (3, " + std::to_string(hidden) + ")"), std::string::npos) << header;
  EXPECT_EQ(header.back(), '\n');
  ASSERT_EQ(bytes.size(), 10 + header_length + 3 * hidden * sizeof(float));
  for (size_t i = 0; i < 3; ++i) {
    std::vector<float> row(hidden);
    std::memcpy(row.data(), bytes.data() + 10 + header_length + i * hidden * sizeof(float),
                hidden * sizeof(float));
    EXPECT_EQ(row, embeddings[i]) << "row " << i;
  }
}

TEST(CliEmbed, TanhPoolerActivationIsTanhOfTheLinearPooler) {
  // The sim fixture's pooler is linear; the same weights with pooler_activation "tanh" (the
  // default of other checkpoints) must give tanh of its reference pooler output.
  const fs::path dir = cli_scratch_dir() / "tanh_pooler";
  fs::create_directories(dir);
  const std::string fixture = test_data("fixtures/" + std::string(kFixture));
  for (const char* file : {"vocab.txt", "model.safetensors"}) {
    fs::copy_file(fixture + "/" + file, dir / file, fs::copy_options::overwrite_existing);
  }
  auto config = nlohmann::json::parse(read_text_file(fixture + "/config.json"));
  config["pooler_activation"] = "tanh";
  std::ofstream(dir / "config.json") << config.dump();
  const std::string model = (cli_scratch_dir() / "tanh_pooler.gguf").string();
  const CliResult convert = run_cli({"convert", dir.string(), "-o", model});
  ASSERT_EQ(convert.exit_code, 0) << convert.err;

  const CliResult result =
      run_cli({"embed", "--model", model, "--pooling", "pooler", request_text("len7")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<float> expected = reference("len7", "pooler");
  for (float& x : expected) x = std::tanh(x);
  const auto actual = json_lines(result.out).at(0)["embedding"].get<std::vector<float>>();
  expect_close(actual, expected, "tanh pooler");
}

TEST(CliEmbed, PoolerOnAModelWithoutOneIsRefused) {
  const CliResult result = run_cli({"embed", "--model", converted_fixture_model("v1_qa"),
                                    "--pooling", "pooler", "丁"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no pooler"), std::string::npos) << result.err;
}

TEST(CliEmbed, NpyToADirectorySaysSo) {
  const CliResult result =
      run_cli({"embed", "--model", converted_fixture_model("v1_pooler_sim"), "--npy",
               cli_scratch_dir().string(), "丁"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("is a directory"), std::string::npos) << result.err;
}

TEST(CliSimilarity, IsTheCosineOfTheReferenceEmbeddings) {
  const std::string model = converted_fixture_model(kFixture);
  const CliResult pair = run_cli({"similarity", "--model", model, request_text("len7"),
                                  request_text("len33")});
  ASSERT_EQ(pair.exit_code, 0) << pair.err;
  const double expected = cosine(reference("len7", "pooler"), reference("len33", "pooler"));
  EXPECT_NEAR(json_lines(pair.out).at(0)["similarity"].get<double>(), expected, 1e-4);

  std::string lines;
  for (const auto& [a, b] : {std::pair{"len7", "len65"}, std::pair{"len33", "len33"}}) {
    lines += nlohmann::json{{"text", request_text(a)}, {"text_pair", request_text(b)}}.dump() + "\n";
  }
  const CliResult piped = run_cli({"similarity", "--model", model, "--jsonl", "--pooling", "mean"}, lines);
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  const auto results = json_lines(piped.out);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_NEAR(results[0]["similarity"].get<double>(),
              cosine(reference("len7", "mean"), reference("len65", "mean")), 1e-4);
  EXPECT_NEAR(results[1]["similarity"].get<double>(), 1.0, 1e-6);
}

TEST(CliSimilarity, NeedsPairs) {
  const std::string model = converted_fixture_model(kFixture);
  const CliResult one = run_cli({"similarity", "--model", model, "丁"});
  EXPECT_EQ(one.exit_code, 2) << one.err;
  const CliResult unpaired = run_cli({"similarity", "--model", model, "--jsonl"}, "{\"text\": \"丁\"}\n");
  EXPECT_EQ(unpaired.exit_code, 1) << unpaired.err;
  EXPECT_NE(unpaired.err.find("text_pair"), std::string::npos) << unpaired.err;
}

}  // namespace
}  // namespace roformer::test
