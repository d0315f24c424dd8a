// `roformer tag` on the token-classification fixture: each character is a word whose label is the
// argmax of the reference logits, and entities group those labels by their B-/I- prefixes.
#include <gtest/gtest.h>

#include <algorithm>

#include "cli_runner.hpp"
#include "fixture_text.hpp"

namespace roformer::test {
namespace {

const char* const kFixture = "v1_tokcls_rotary_value";

struct ExpectedEntity {
  std::string label;
  int start, end;
};

// B-X opens an entity, I-X continues an open X (else opens one), O closes.
std::vector<ExpectedEntity> group(const std::vector<std::string>& word_labels) {
  std::vector<ExpectedEntity> entities;
  bool open = false;
  for (int i = 0; i < static_cast<int>(word_labels.size()); ++i) {
    const std::string& label = word_labels[i];
    if (label == "O") {
      open = false;
      continue;
    }
    const std::string entity = label.substr(2);
    if (open && label[0] == 'I' && entities.back().label == entity) {
      entities.back().end = i + 1;
    } else {
      entities.push_back({entity, i, i + 1});
      open = true;
    }
  }
  return entities;
}

class CliTag : public ::testing::TestWithParam<std::string> {};

TEST_P(CliTag, WordLabelsAreTheReferenceArgmaxAndEntitiesGroupThem) {
  const std::string request = GetParam();
  const FixtureRow row = fixture_row(kFixture, request);
  const size_t length = row.input_ids.size();
  const std::string text = text_of(kFixture, row.input_ids, 1, length - 1);
  const CliResult result = run_cli({"tag", "--model", converted_fixture_model(kFixture), text});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 1u);
  const auto& words = lines[0]["words"];
  ASSERT_EQ(words.size(), length - 2);

  const auto labels = fixture_labels(kFixture);
  const auto& logits = expected_outputs(kFixture).at(request + ".logits");
  std::vector<std::string> word_labels;
  for (size_t w = 0; w < words.size(); ++w) {
    const auto probabilities = softmax_of(logits.values, (w + 1) * labels.size(), labels.size());
    const size_t best = std::max_element(probabilities.begin(), probabilities.end()) -
                        probabilities.begin();
    word_labels.push_back(labels[best]);
    EXPECT_EQ(words[w]["label"], labels[best]) << "word " << w;
    EXPECT_NEAR(words[w]["score"].get<double>(), probabilities[best], 1e-4) << "word " << w;
    EXPECT_EQ(words[w]["start"], w);
    EXPECT_EQ(words[w]["end"], w + 1);
    EXPECT_EQ(words[w]["text"], text_of(kFixture, row.input_ids, w + 1, w + 2));
  }
  const auto expected = group(word_labels);
  const auto& entities = lines[0]["entities"];
  ASSERT_EQ(entities.size(), expected.size()) << result.out;
  for (size_t e = 0; e < expected.size(); ++e) {
    EXPECT_EQ(entities[e]["label"], expected[e].label);
    EXPECT_EQ(entities[e]["start"], expected[e].start);
    EXPECT_EQ(entities[e]["end"], expected[e].end);
    EXPECT_EQ(entities[e]["text"],
              text_of(kFixture, row.input_ids, expected[e].start + 1, expected[e].end + 1));
    double mean = 0.0;
    for (int w = expected[e].start; w < expected[e].end; ++w) mean += words[w]["score"].get<double>();
    EXPECT_NEAR(entities[e]["score"].get<double>(), mean / (expected[e].end - expected[e].start), 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(Requests, CliTag, ::testing::Values("len7", "len33", "len65"));

TEST(CliTagInput, OffsetsCountCodePointsOfTheOriginalText) {
  // ASCII words and spaces around the characters: offsets still index the original text, and a
  // word's pieces (WordPiece ## continuations) form one word.
  const std::string text = "ab 丁丂 [UNK]七";
  const CliResult result = run_cli({"tag", "--model", converted_fixture_model(kFixture), text});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto line = json_lines(result.out).at(0);
  for (const auto& word : line["words"]) {
    const int start = word["start"], end = word["end"];
    EXPECT_LT(start, end);
    EXPECT_LE(end, 12);
  }
  EXPECT_EQ(line["words"].back()["text"], "七");
  EXPECT_EQ(line["words"].back()["start"], 11);
}

TEST(CliTagInput, RefusesAModelWithoutATokenClassificationHead) {
  const CliResult result = run_cli({"tag", "--model", converted_fixture_model("v2_mlm"), "一丁"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("tag needs a token_classification model"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace roformer::test
