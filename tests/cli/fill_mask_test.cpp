// `roformer fill-mask` on the masked-LM fixtures: the tokens and scores at each [MASK] are the
// top of the softmax of the reference prediction scores there.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "cli_runner.hpp"
#include "fixture_text.hpp"

namespace roformer::test {
namespace {

struct MaskCase {
  std::string fixture, request;
};

void PrintTo(const MaskCase& c, std::ostream* out) { *out << c.fixture << "/" << c.request; }

class CliFillMask : public ::testing::TestWithParam<MaskCase> {};

TEST_P(CliFillMask, TopTokensAreTheReferenceArgmaxWithItsSoftmaxScores) {
  const auto& [fixture, request] = GetParam();
  const FixtureRow row = fixture_row(fixture, request);
  const size_t length = row.input_ids.size();
  const std::string text = text_of(fixture, row.input_ids, 1, length - 1);
  const CliResult result =
      run_cli({"fill-mask", "--model", converted_fixture_model(fixture), "--top-k", "3", text});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 1u);
  const auto& masks = lines[0]["masks"];

  const auto& expected = expected_outputs(fixture).at(request + ".prediction_scores");
  const size_t vocab = expected.shape[2];
  std::vector<size_t> mask_positions;
  for (size_t t = 0; t < length; ++t) {
    if (row.input_ids[t] == 4) mask_positions.push_back(t);
  }
  ASSERT_FALSE(mask_positions.empty());
  ASSERT_EQ(masks.size(), mask_positions.size()) << result.out;
  for (size_t m = 0; m < masks.size(); ++m) {
    const size_t position = mask_positions[m];
    EXPECT_EQ(masks[m]["position"], position);
    const auto probabilities = softmax_of(expected.values, position * vocab, vocab);
    std::vector<size_t> ranked(vocab);
    std::iota(ranked.begin(), ranked.end(), size_t{0});
    std::sort(ranked.begin(), ranked.end(),
              [&](size_t a, size_t b) { return probabilities[a] > probabilities[b]; });
    const auto& predictions = masks[m]["predictions"];
    ASSERT_EQ(predictions.size(), 3u);
    // The reference's best token unless its lead is within the tolerance.
    if (probabilities[ranked[0]] - probabilities[ranked[1]] > 1e-3) {
      EXPECT_EQ(predictions[0]["id"], ranked[0]) << "mask " << m;
    }
    for (size_t k = 0; k < 3; ++k) {
      const int id = predictions[k]["id"].get<int>();
      EXPECT_NEAR(predictions[k]["score"].get<double>(), probabilities[ranked[k]], 1e-4) << k;
      EXPECT_NEAR(predictions[k]["score"].get<double>(), probabilities[id], 1e-4) << k;
      EXPECT_EQ(predictions[k]["token"], text_of(fixture, {id}, 0, 1));
    }
    // The offsets cover the literal [MASK] in the text (code points; the text is CJK + ASCII).
    const int start = masks[m]["offsets"][0], end = masks[m]["offsets"][1];
    EXPECT_EQ(end - start, 6);
  }
}

INSTANTIATE_TEST_SUITE_P(
    MaskedLm, CliFillMask,
    ::testing::Values(MaskCase{"v1_mlm_embproj", "len7"}, MaskCase{"v1_mlm_embproj", "len65"},
                      MaskCase{"v2_mlm", "len7"}, MaskCase{"v2_mlm", "max_positions"}),
    [](const auto& info) { return info.param.fixture + "_" + info.param.request; });

TEST(CliFillMaskInput, JsonlLinesAndATextWithoutMask) {
  const std::string model = converted_fixture_model("v2_mlm");
  const FixtureRow row = fixture_row("v2_mlm", "len7");
  const std::string text = text_of("v2_mlm", row.input_ids, 1, row.input_ids.size() - 1);
  const CliResult direct = run_cli({"fill-mask", "--model", model, text});
  const CliResult piped = run_cli({"fill-mask", "--model", model, "--jsonl"},
                                  "{\"text\": \"" + text + "\"}\n{\"text\": \"一丁\"}\n");
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  const auto lines = json_lines(piped.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], json_lines(direct.out).at(0));
  EXPECT_EQ(lines[1]["masks"].size(), 0u);
  EXPECT_NE(piped.err.find("1 of 2 texts holds no [MASK]"), std::string::npos) << piped.err;
}

// A [MASK] that --max-length truncated away is not a text without one: the warning names the max
// length that cut it off, and a text with no [MASK] at all keeps its own warning.
TEST(CliFillMaskInput, WarnsWhenTruncationCutTheMaskOff) {
  const std::string model = converted_fixture_model("v2_mlm");
  const CliResult result = run_cli({"fill-mask", "--model", model, "--max-length", "4", "--jsonl"},
                                   "{\"text\": \"一丁一丁一[MASK]\"}\n{\"text\": \"一丁\"}\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["masks"].size(), 0u);
  EXPECT_NE(result.err.find("roformer: warning: 1 of 2 texts holds [MASK] only past the max length "
                            "of 4 tokens: truncation cut it off (raise --max-length)\n"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("roformer: warning: 1 of 2 texts holds no [MASK]\n"), std::string::npos)
      << result.err;
}

TEST(CliFillMaskInput, RefusesAModelWithoutAMaskedLmHead) {
  const CliResult result =
      run_cli({"fill-mask", "--model", converted_fixture_model("v1_qa"), "一[MASK]"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("question_answering"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("fill-mask needs a masked_lm model"), std::string::npos) << result.err;
}

TEST(CliFillMaskInput, HelpDescribesTheOutput) {
  const CliResult result = run_cli({"fill-mask", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("--top-k"), std::string::npos);
  EXPECT_NE(result.out.find("predictions"), std::string::npos);
}

}  // namespace
}  // namespace roformer::test
