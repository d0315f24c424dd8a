// fill_mask, tag and answer through the public Session on the converted test fixtures (random
// weights: the checks are against the raw head outputs and the texts, not against meaning).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "engine/include/roformer/roformer.hpp"
#include "model/convert.hpp"

namespace roformer::api {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const Model> fixture_model(const std::string& name) {
  const fs::path out = fs::temp_directory_path() /
                       ("roformer_api_heads_" + std::to_string(::getpid()) + "_" + name + ".gguf");
  convert_checkpoint(std::string(ROFORMER_TEST_DATA) + "/fixtures/" + name, out.string(),
                     ConvertOptions{});
  auto model = Model::load(out.string());
  fs::remove(out);  // the mapping stays valid
  return model;
}

TEST(ApiHeads, FillMaskRanksTheHeadScoresAtEveryMask) {
  auto model = fixture_model("v1_mlm_embproj");
  Session session(model);
  FillMaskOptions options;
  options.top_k = 3;
  auto results = session.fill_mask({"一[MASK]三[MASK]", "一二三"}, options);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_EQ(results[0].size(), 2u);
  EXPECT_TRUE(results[1].empty());

  TokenInput input;
  input.input_ids = model->tokenize("一[MASK]三[MASK]").input_ids;
  auto raw = session.run({input});
  const size_t vocab = model->info().vocab_size;
  for (const MaskResult& mask : results[0]) {
    EXPECT_EQ(input.input_ids[mask.position], 4);  // [MASK] is line 5 of the fixture vocab
    ASSERT_EQ(mask.predictions.size(), 3u);
    const float* scores = raw[0].prediction_scores.values.data() + mask.position * vocab;
    const int32_t best = static_cast<int32_t>(std::max_element(scores, scores + vocab) - scores);
    EXPECT_EQ(mask.predictions[0].token_id, best);
    EXPECT_GE(mask.predictions[0].score, mask.predictions[1].score);
    EXPECT_GE(mask.predictions[1].score, mask.predictions[2].score);
    EXPECT_FALSE(mask.predictions[0].token.empty());
  }
}

TEST(ApiHeads, TagLabelsEveryWordAndSpansMatchTheText) {
  auto model = fixture_model("v1_tokcls_rotary_value");
  Session session(model);
  const std::string text = "一二三上下";
  auto results = session.tag({text});
  ASSERT_EQ(results.size(), 1u);
  // Every character is its own word in this vocabulary.
  ASSERT_EQ(results[0].words.size(), 5u);
  const auto& labels = model->info().labels;
  for (size_t w = 0; w < 5; ++w) {
    const TaggedWord& word = results[0].words[w];
    EXPECT_NE(std::find(labels.begin(), labels.end(), word.label), labels.end()) << word.label;
    EXPECT_GT(word.score, 0.0f);
    EXPECT_EQ(word.start, static_cast<int32_t>(w));
    EXPECT_EQ(word.text, text.substr(3 * w, 3));
  }
  for (const Entity& entity : results[0].entities) {
    EXPECT_LT(entity.start, entity.end);
    EXPECT_EQ(entity.text, text.substr(3 * entity.start, 3 * (entity.end - entity.start)));
    EXPECT_TRUE(entity.label == "PER" || entity.label == "LOC") << entity.label;
  }
  TagOptions plain;
  plain.aggregate = false;
  EXPECT_TRUE(session.tag({text}, plain)[0].entities.empty());
}

TEST(ApiHeads, AnswerIsASpanOfTheContext) {
  auto model = fixture_model("v1_qa");
  Session session(model);
  const std::string context = "一二三上下丁七";
  auto answers = session.answer({{"三上", context}});
  ASSERT_EQ(answers.size(), 1u);
  const Answer& answer = answers[0];
  EXPECT_LE(0, answer.start);
  EXPECT_LT(answer.start, answer.end);
  EXPECT_LE(answer.end, 7);
  EXPECT_EQ(answer.text, context.substr(3 * answer.start, 3 * (answer.end - answer.start)));
  EXPECT_GT(answer.score, 0.0f);
  EXPECT_LE(answer.score, 1.0f);
}

}  // namespace
}  // namespace roformer::api
