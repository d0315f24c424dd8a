// Texts longer than the trained length (the fixtures' max_position_embeddings = 128): truncated
// with a warning by default (to a checkpoint's model_max_length only when that is shorter), run
// whole with --max-length and one warning, and a rotary table grown for a long text changes
// nothing for the short ones.
#include <gtest/gtest.h>

#include <cmath>

#include "cli_runner.hpp"
#include "fixture_text.hpp"

namespace roformer::test {
namespace {

size_t occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// 200 characters from the fixture vocabulary (ids 5.. are one CJK character each).
std::string long_text(const std::string& fixture) {
  std::vector<int> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(5 + (i * 37) % 250);
  return text_of(fixture, ids, 0, ids.size());
}

TEST(CliLongInput, MaxLengthAboveTheTrainedLengthRunsEveryTokenWithOneWarning) {
  const std::string fixture = "v1_tokcls_rotary_value";
  const CliResult result = run_cli({"tag", "--model", converted_fixture_model(fixture),
                                    "--max-length", "300", long_text(fixture), long_text(fixture)});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(occurrences(result.err, "exceeds the 128 positions the model was trained on"), 1u)
      << result.err;
  EXPECT_EQ(occurrences(result.err, "\n"), 1u) << result.err;
  const auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["words"].size(), 200u);
  EXPECT_EQ(lines[0]["words"].back()["end"], 200);
  for (const auto& word : lines[0]["words"]) {
    EXPECT_TRUE(std::isfinite(word["score"].get<double>()));
  }
  EXPECT_EQ(lines[0], lines[1]);
}

TEST(CliLongInput, ByDefaultALongTextIsTruncatedToTheTrainedLengthWithAWarning) {
  const std::string fixture = "v1_tokcls_rotary_value";
  const CliResult result =
      run_cli({"tag", "--model", converted_fixture_model(fixture), long_text(fixture)});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(occurrences(result.err, "truncated"), 1u) << result.err;
  EXPECT_EQ(json_lines(result.out).at(0)["words"].size(), 126u);  // 128 with [CLS] and [SEP]
}

// `fixture` converted with {"model_max_length": length} in its tokenizer_config.json.
std::string converted_with_model_max_length(const std::string& fixture, int length) {
  const std::string copy = fixture + "_model_max_length_" + std::to_string(length);
  const auto folder = fixture_copy_with_tokenizer_config(
      fixture, copy, "{\"model_max_length\": " + std::to_string(length) + "}");
  const std::string model = (cli_scratch_dir() / (copy + ".gguf")).string();
  const CliResult converted = run_cli({"convert", folder.string(), "-o", model});
  EXPECT_EQ(converted.exit_code, 0) << converted.err;
  return model;
}

TEST(CliLongInput, AModelMaxLengthAboveTheTrainedLengthStillTruncatesToTheTrainedLength) {
  const std::string fixture = "v1_tokcls_rotary_value";
  const CliResult result =
      run_cli({"tag", "--model", converted_with_model_max_length(fixture, 512), long_text(fixture)});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "roformer: warning: 1 of 1 text was longer than 128 tokens and was "
                        "truncated (--max-length to change)\n");
  EXPECT_EQ(json_lines(result.out).at(0)["words"].size(), 126u);  // 128 with [CLS] and [SEP]
}

TEST(CliLongInput, AModelMaxLengthBelowTheTrainedLengthIsTheDefault) {
  const std::string fixture = "v1_tokcls_rotary_value";
  const CliResult result =
      run_cli({"tag", "--model", converted_with_model_max_length(fixture, 64), long_text(fixture)});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(occurrences(result.err, "longer than 64 tokens"), 1u) << result.err;
  EXPECT_EQ(json_lines(result.out).at(0)["words"].size(), 62u);
}

TEST(CliLongInput, AGrownRotaryTableLeavesShortTextsUnchanged) {
  const std::string fixture = "v1_pooler_sim";
  const std::string model = converted_fixture_model(fixture);
  const FixtureRow row = fixture_row(fixture, "len7");
  const std::string short_text = text_of(fixture, row.input_ids, 1, row.input_ids.size() - 1);
  // Longest first, one text per batch: the 202-token text grows the table before the short one.
  const CliResult both = run_cli({"embed", "--model", model, "--max-length", "300",
                                  "--batch-size", "1", short_text, long_text(fixture)});
  const CliResult alone = run_cli({"embed", "--model", model, short_text});
  ASSERT_EQ(both.exit_code, 0) << both.err;
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  const auto grown = json_lines(both.out).at(0)["embedding"].get<std::vector<float>>();
  const auto fresh = json_lines(alone.out).at(0)["embedding"].get<std::vector<float>>();
  const auto& reference = expected_outputs(fixture).at("len7.pooler_output").values;
  ASSERT_EQ(grown.size(), fresh.size());
  ASSERT_EQ(grown.size(), reference.size());
  for (size_t i = 0; i < grown.size(); ++i) {
    EXPECT_NEAR(grown[i], fresh[i], 1e-6f) << i;
    EXPECT_LE(std::fabs(grown[i] - reference[i]), 1e-4f + 1e-4f * std::fabs(reference[i])) << i;
  }
}

}  // namespace
}  // namespace roformer::test
