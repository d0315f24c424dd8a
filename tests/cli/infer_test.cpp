// `roformer infer`, the conformance path: every output of every fixture request, compared with
// the reference at the fixtures' tolerance (atol = rtol = 1e-4) on the real positions.
#include <gtest/gtest.h>

#include <cmath>

#include "cli_runner.hpp"
#include "model/checkpoint/checkpoint.hpp"

namespace roformer::test {
namespace {

using checkpoint::TensorData;

class CliInfer : public ::testing::TestWithParam<std::string> {};

// Row b's real length from the request's attention mask.
std::vector<size_t> real_lengths(const nlohmann::json& request) {
  std::vector<size_t> lengths;
  for (const auto& row : request["attention_mask"]) {
    size_t length = 0;
    for (const auto& bit : row) length += bit.get<int>();
    lengths.push_back(length);
  }
  return lengths;
}

// Compares the positions an engine must match: for per-token outputs ([batch, seq, ...] or
// [batch, seq]) only real tokens; per-sequence outputs entirely.
void expect_close(const std::string& name, const TensorData& actual, const TensorData& expected,
                  const std::vector<size_t>& lengths) {
  ASSERT_EQ(actual.shape, expected.shape) << name;
  const bool per_token = name.find("pooler_output") == std::string::npos &&
                         !(expected.shape.size() == 2 && name.find(".logits") != std::string::npos);
  const size_t batch = expected.shape[0];
  const size_t per_row = expected.values.size() / batch;
  const size_t seq = per_token ? expected.shape[1] : 1;
  const size_t per_position = per_row / seq;
  size_t compared = 0;
  for (size_t b = 0; b < batch; ++b) {
    const size_t positions = per_token ? lengths[b] : 1;
    for (size_t i = 0; i < positions * per_position; ++i) {
      const size_t at = b * per_row + i;
      const float want = expected.values[at], got = actual.values[at];
      ASSERT_LE(std::fabs(got - want), 1e-4f + 1e-4f * std::fabs(want))
          << name << " row " << b << " element " << i;
      ++compared;
    }
  }
  EXPECT_GT(compared, 0u) << name;
}

TEST_P(CliInfer, EveryOutputMatchesTheReference) {
  const std::string name = GetParam();
  const std::string fixture = test_data("fixtures/" + name);
  const std::string out = (cli_scratch_dir() / (name + ".out.safetensors")).string();
  const CliResult result = run_cli({"infer", "--model", converted_fixture_model(name), "--inputs",
                                    fixture + "/inputs.json", "--out", out});
  ASSERT_EQ(result.exit_code, 0) << result.err;

  const auto expected = checkpoint::read_safetensors(fixture + "/expected.safetensors");
  const auto actual = checkpoint::read_safetensors(out);
  const auto requests = nlohmann::json::parse(read_text_file(fixture + "/inputs.json"));
  for (const auto& [tensor_name, values] : expected) {
    const auto found = actual.find(tensor_name);
    ASSERT_NE(found, actual.end()) << "roformer infer wrote no " << tensor_name;
    const std::string request = tensor_name.substr(0, tensor_name.find('.'));
    std::vector<size_t> lengths;
    for (const auto& r : requests) {
      if (r["name"] == request) lengths = real_lengths(r);
    }
    ASSERT_FALSE(lengths.empty()) << tensor_name;
    expect_close(tensor_name, found->second, values, lengths);
  }
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, CliInfer,
                         ::testing::Values("v1_seqcls", "v1_mlm_embproj", "v1_tokcls_rotary_value",
                                           "v1_pooler_sim", "v1_qa", "v1_base_shapes", "v2_mlm",
                                           "v2_seqcls"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace roformer::test
