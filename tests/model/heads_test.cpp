// model/heads on hand-made encodings and logits: word pieces joined into words, B-/I- grouping,
// top-k order and ties, the answer span limits, pooling over real tokens, cosine.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/error.hpp"
#include "model/heads/answer_span.hpp"
#include "model/heads/entities.hpp"
#include "model/heads/fill_mask.hpp"
#include "model/heads/pooling.hpp"
#include "model/heads/text_span.hpp"

namespace roformer::heads {
namespace {

// [CLS] + tokens + [SEP] with the given offsets; ids are positions.
Encoding encoding_of(const std::vector<std::string>& tokens,
                     const std::vector<std::pair<int32_t, int32_t>>& offsets,
                     const std::vector<int32_t>& types = {}) {
  Encoding e;
  e.tokens = tokens;
  e.offsets = offsets;
  for (size_t t = 0; t < tokens.size(); ++t) {
    e.input_ids.push_back(static_cast<int32_t>(t));
    e.token_type_ids.push_back(types.empty() ? 0 : types[t]);
  }
  return e;
}

// One row per token with `label` far above the others.
std::vector<float> logits_for(const std::vector<size_t>& labels, size_t count) {
  std::vector<float> logits(labels.size() * count, 0.0f);
  for (size_t t = 0; t < labels.size(); ++t) logits[t * count + labels[t]] = 10.0f;
  return logits;
}

TEST(HeadsEntities, WordPiecesJoinTheirWordAndTakeItsFirstLabel) {
  // "Johnson lives in Paris": [CLS] john ##son lives in paris [SEP]
  const std::string text = "Johnson lives in Paris";
  auto e = encoding_of({"[CLS]", "john", "##son", "lives", "in", "paris", "[SEP]"},
                       {{-1, -1}, {0, 4}, {4, 7}, {8, 13}, {14, 16}, {17, 22}, {-1, -1}});
  const std::vector<std::string> labels = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"};
  // ##son's own label (B-LOC) is ignored: a word takes its first piece's.
  auto words = tag_words(e, logits_for({0, 1, 3, 0, 0, 3, 0}, labels.size()), labels.size());
  ASSERT_EQ(words.size(), 4u);
  EXPECT_EQ(words[0].start, 0);
  EXPECT_EQ(words[0].end, 7);
  EXPECT_EQ(words[0].last_token, 2u);
  EXPECT_EQ(labels[words[0].label], "B-PER");
  EXPECT_GT(words[0].score, 0.99f);
  auto entities = group_entities(words, labels, text);
  ASSERT_EQ(entities.size(), 2u);
  EXPECT_EQ(entities[0].label, "PER");
  EXPECT_EQ(entities[0].text, "Johnson");
  EXPECT_EQ(entities[1].label, "LOC");
  EXPECT_EQ(entities[1].text, "Paris");
  EXPECT_EQ(entities[1].start, 17);
  EXPECT_EQ(entities[1].end, 22);
}

TEST(HeadsEntities, BeginsSplitInsidesContinueAndBareLabelsGroup) {
  const std::string text = "上海北京天津";
  auto e = encoding_of({"[CLS]", "上", "海", "北", "京", "天", "津", "[SEP]"},
                       {{-1, -1}, {0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {-1, -1}});
  const std::vector<std::string> labels = {"O", "B-LOC", "I-LOC", "I-PER", "MISC"};
  // B-LOC I-LOC | B-LOC | I-PER (opens PER) | MISC MISC (bare labels continue)
  auto words = tag_words(e, logits_for({0, 1, 2, 1, 3, 4, 4, 0}, labels.size()), labels.size());
  auto entities = group_entities(words, labels, text);
  ASSERT_EQ(entities.size(), 4u);
  EXPECT_EQ(entities[0].text, "上海");
  EXPECT_EQ(entities[1].text, "北");
  EXPECT_EQ(entities[2].label, "PER");
  EXPECT_EQ(entities[2].text, "京");
  EXPECT_EQ(entities[3].label, "MISC");
  EXPECT_EQ(entities[3].text, "天津");
  EXPECT_THROW(tag_words(e, std::vector<float>(3), labels.size()), Error);
}

TEST(HeadsFillMask, TopKIsSortedWithTiesByIdAndScoresAreProbabilities) {
  const std::vector<float> scores = {1.0f, 3.0f, 3.0f, -2.0f, 0.5f};
  auto top = top_k_tokens(scores.data(), scores.size(), 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].id, 1);
  EXPECT_EQ(top[1].id, 2);
  EXPECT_EQ(top[2].id, 0);
  EXPECT_FLOAT_EQ(top[0].score, top[1].score);
  double sum = 0.0;
  for (float s : scores) sum += std::exp(double(s));
  EXPECT_NEAR(top[2].score, std::exp(1.0) / sum, 1e-6);
  EXPECT_EQ(top_k_tokens(scores.data(), scores.size(), 99).size(), scores.size());

  // Masks at positions 1 and 3 of a 4-token row over a vocabulary of 5.
  std::vector<float> rows(4 * 5, 0.0f);
  rows[1 * 5 + 4] = 5.0f;
  rows[3 * 5 + 2] = 5.0f;
  auto fills = fill_masks({2, 4, 7, 4}, rows, 5, /*mask_id=*/4, 1);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].position, 1u);
  EXPECT_EQ(fills[0].candidates[0].id, 4);
  EXPECT_EQ(fills[1].position, 3u);
  EXPECT_EQ(fills[1].candidates[0].id, 2);
}

TEST(HeadsAnswerSpan, StaysInTheContextWithinTheLengthLimit) {
  // [CLS] q q [SEP] c c c [SEP]: the question holds the highest logits.
  auto e = encoding_of({"[CLS]", "q", "q", "[SEP]", "c", "c", "c", "[SEP]"},
                       {{-1, -1}, {0, 1}, {1, 2}, {-1, -1}, {0, 2}, {2, 3}, {3, 5}, {-1, -1}},
                       {0, 0, 0, 0, 1, 1, 1, 1});
  const std::vector<float> starts = {9, 9, 9, 9, 2, 0, 0, 9};
  const std::vector<float> ends = {9, 9, 9, 9, 0, 0, 3, 9};
  auto span = best_answer_span(e, starts, ends, 30);
  ASSERT_TRUE(span);
  EXPECT_EQ(span->start_token, 4u);
  EXPECT_EQ(span->end_token, 6u);
  EXPECT_EQ(span->start, 0);
  EXPECT_EQ(span->end, 5);
  auto short_span = best_answer_span(e, starts, ends, 1);
  ASSERT_TRUE(short_span);
  EXPECT_EQ(short_span->start_token, short_span->end_token);
  // An end before the start is never chosen.
  auto reversed = best_answer_span(e, {0, 0, 0, 0, 0, 0, 5, 0}, {0, 0, 0, 0, 5, 0, 0, 0}, 30);
  ASSERT_TRUE(reversed);
  EXPECT_LE(reversed->start_token, reversed->end_token);
  auto no_context = encoding_of({"[CLS]", "q", "[SEP]"}, {{-1, -1}, {0, 1}, {-1, -1}});
  EXPECT_FALSE(best_answer_span(no_context, {0, 0, 0}, {0, 0, 0}, 30));
}

TEST(HeadsPooling, MeanSkipsMaskedRowsClsTakesRowZeroAndCosineIsScaleFree) {
  SequenceOutput output;
  output.last_hidden_state = {1, 2, 3, 4, 100, 100};  // [3, 2]
  EXPECT_EQ(pool_sequence(Pooling::kCls, output, 2), (std::vector<float>{1, 2}));
  EXPECT_EQ(pool_sequence(Pooling::kMean, output, 2, {1, 1, 0}), (std::vector<float>{2, 3}));
  EXPECT_THROW(pool_sequence(Pooling::kPooler, output, 2), Error);
  std::vector<float> v = {3, 4};
  l2_normalize(v);
  EXPECT_FLOAT_EQ(v[0], 0.6f);
  EXPECT_NEAR(cosine_similarity({1, 2}, {2, 4}), 1.0f, 1e-6);
  EXPECT_NEAR(cosine_similarity({1, 0}, {0, 3}), 0.0f, 1e-6);
  EXPECT_EQ(cosine_similarity({0, 0}, {1, 1}), 0.0f);
  EXPECT_THROW(parse_pooling("max"), Error);
}

TEST(HeadsTextSpan, SlicesCodePointsAndClamps) {
  EXPECT_EQ(code_point_substring("a上海b", 1, 3), "上海");
  EXPECT_EQ(code_point_substring("a上海b", 3, 99), "b");
  EXPECT_EQ(code_point_substring("a上海b", 2, 1), "");
}

}  // namespace
}  // namespace roformer::heads
