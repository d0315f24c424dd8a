// The API's post-processing on hand-made scores: every rule of top-k, tag merging and answer
// spans, without a model.
#include <gtest/gtest.h>

#include "model/api/postprocess.hpp"

namespace roformer::api {
namespace {

TEST(Postprocess, SoftmaxSumsToOneAndKeepsOrder) {
  const float logits[] = {1.0f, 3.0f, -2.0f};
  auto p = softmax(logits, 3);
  EXPECT_NEAR(p[0] + p[1] + p[2], 1.0f, 1e-6f);
  EXPECT_GT(p[1], p[0]);
  EXPECT_GT(p[0], p[2]);
  EXPECT_TRUE(softmax(logits, 0).empty());
}

TEST(Postprocess, TopKIsLargestFirstWithTiesToTheLowerIndex) {
  EXPECT_EQ(top_k({0.1f, 0.5f, 0.5f, 0.2f}, 3), (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(top_k({0.1f, 0.2f}, 5), (std::vector<size_t>{1, 0}));
}

TEST(Postprocess, TagsMergeIntoSpans) {
  std::vector<TokenTag> tokens = {
      {"B-PER", 0.9f, 0, 1}, {"I-PER", 0.7f, 1, 2}, {"O", 0.99f, 2, 3},  // PER [0, 2)
      {"I-LOC", 0.6f, 3, 4},                                               // LOC [3, 4): I- opens
      {"B-LOC", 0.8f, 4, 5},                                               // a new LOC [4, 5)
      {"I-PER", 0.5f, 5, 6},                                               // type change: PER
  };
  auto spans = aggregate_tags(tokens);
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[0].label, "PER");
  EXPECT_EQ(spans[0].start, 0);
  EXPECT_EQ(spans[0].end, 2);
  EXPECT_NEAR(spans[0].score, 0.8f, 1e-6f);
  EXPECT_EQ(spans[1].label, "LOC");
  EXPECT_EQ(spans[1].end, 4);
  EXPECT_EQ(spans[2].start, 4);
  EXPECT_EQ(spans[3].label, "PER");
  EXPECT_TRUE(aggregate_tags({{"O", 1.0f, 0, 1}}).empty());
}

TEST(Postprocess, BestSpanStaysInsideTheAllowedTokensAndTheLengthLimit) {
  //                        CLS    q     SEP   c0    c1    c2    SEP
  std::vector<float> start = {9.0f, 8.0f, 0.0f, 1.0f, 0.0f, 3.0f, 0.0f};
  std::vector<float> end = {9.0f, 8.0f, 0.0f, 5.0f, 0.0f, 0.0f, 0.0f};
  std::vector<bool> allowed = {false, false, false, true, true, true, false};
  auto span = best_span(start, end, allowed, 30);
  ASSERT_TRUE(span.found);
  EXPECT_EQ(span.start, 3u);  // c2 starts higher but would end before it starts
  EXPECT_EQ(span.end, 3u);
  span = best_span({0.0f, 0.0f, 5.0f}, {5.0f, 0.0f, 0.0f}, {true, true, true}, 2);
  EXPECT_LE(span.end - span.start, 1u);
  EXPECT_FALSE(best_span({1.0f}, {1.0f}, {false}, 30).found);
}

TEST(Postprocess, SlicesByCodePoints) {
  EXPECT_EQ(code_point_slice("房间很干净", 1, 3), "间很");
  EXPECT_EQ(code_point_slice("abc", 2, 10), "c");
  EXPECT_EQ(code_point_slice("abc", 2, 1), "");
}

}  // namespace
}  // namespace roformer::api
