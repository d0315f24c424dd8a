// `roformer classify --jsonl` with `text_pair` on the sequence-classification fixtures: the pair
// request ([CLS] A [SEP] B [SEP], token types 1 for B) gets the reference's label probabilities.
#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "fixture_text.hpp"

namespace roformer::test {
namespace {

class CliClassifyPair : public ::testing::TestWithParam<std::string> {};

TEST_P(CliClassifyPair, TextPairGetsTheReferenceScores) {
  const std::string fixture = GetParam();
  const FixtureRow row = fixture_row(fixture, "token_types");
  size_t first_sep = 1;
  while (row.input_ids[first_sep] != 3) ++first_sep;  // [SEP] = 3 in every fixture vocabulary
  const nlohmann::json line = {
      {"text", text_of(fixture, row.input_ids, 1, first_sep)},
      {"text_pair", text_of(fixture, row.input_ids, first_sep + 1, row.input_ids.size() - 1)}};
  const std::string model = converted_fixture_model(fixture);
  const CliResult result = run_cli({"classify", "--model", model, "--jsonl"}, line.dump() + "\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto outputs = json_lines(result.out);
  ASSERT_EQ(outputs.size(), 1u);

  const auto labels = fixture_labels(fixture);
  const auto expected = softmax_of(expected_outputs(fixture).at("token_types.logits").values, 0,
                                   labels.size());
  ASSERT_EQ(outputs[0]["scores"].size(), labels.size()) << result.out;
  for (size_t i = 0; i < labels.size(); ++i) {
    EXPECT_NEAR(outputs[0]["scores"][labels[i]].get<double>(), expected[i], 1e-4) << labels[i];
  }
}

INSTANTIATE_TEST_SUITE_P(SequenceClassifiers, CliClassifyPair,
                         ::testing::Values("v1_seqcls", "v2_seqcls"));

}  // namespace
}  // namespace roformer::test
