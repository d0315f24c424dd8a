// fill_mask, tag and answer through the public Session on the converted test fixtures (random
// weights: the checks are against the raw head outputs and the texts, not against meaning).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "engine/include/roformer/roformer.h"
#include "engine/include/roformer/roformer.hpp"
#include "model/convert.hpp"

namespace roformer::api {
namespace {

namespace fs = std::filesystem;

// Converts a fixture into a file removed again when the test process exits.
std::string converted_fixture(const std::string& name) {
  struct Removed {
    fs::path path;
    ~Removed() {
      std::error_code ignored;
      fs::remove(path, ignored);
    }
  };
  static std::vector<std::unique_ptr<Removed>> files;
  const fs::path out = fs::temp_directory_path() /
                       ("roformer_api_heads_" + std::to_string(::getpid()) + "_" + name + ".gguf");
  convert_checkpoint(std::string(ROFORMER_TEST_DATA) + "/fixtures/" + name, out.string(),
                     ConvertOptions{});
  files.push_back(std::make_unique<Removed>());
  files.back()->path = out;
  return out.string();
}

std::shared_ptr<const Model> fixture_model(const std::string& name) {
  return Model::load(converted_fixture(name));
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

// An empty or blank question is bad input, named as each API names it, before anything runs.
TEST(ApiHeads, AnswerRefusesAnEmptyOrBlankQuestion) {
  const std::string path = converted_fixture("v1_qa");
  Session session(Model::load(path));
  const std::string context = "一二三上下丁七";
  for (const auto& [question, state] :
       {std::pair<std::string, std::string>{"", "empty"}, {" \t\n", "blank"}}) {
    try {
      session.answer({{"三上", context}, {question, context}});
      ADD_FAILURE() << "question \"" << question << "\" was answered";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadInput);
      EXPECT_EQ(std::string(e.what()), "question 1 is " + state +
                                           "; answer needs a non-empty question to find the "
                                           "answer in its context");
    }

    roformer_model* model = nullptr;
    ASSERT_EQ(roformer_model_load(path.c_str(), &model), ROFORMER_OK);
    roformer_session* c_session = nullptr;
    ASSERT_EQ(roformer_session_create(model, &c_session), ROFORMER_OK);
    char* text = nullptr;
    int32_t start = -1, end = -1;
    float score = -1.0f;
    EXPECT_EQ(roformer_answer(c_session, question.c_str(), context.c_str(), nullptr, &text, &start,
                              &end, &score),
              ROFORMER_BAD_INPUT);
    EXPECT_EQ(std::string(roformer_last_error()),
              "question is " + state +
                  "; roformer_answer needs a non-empty question to find the answer in its context");
    EXPECT_EQ(text, nullptr);
    EXPECT_EQ(start, -1);
    roformer_session_free(c_session);
    roformer_model_free(model);
  }
}

// The C API's fill-mask and tag give what the C++ calls give, in library-allocated arrays.
TEST(ApiHeads, CFillMaskAndTagMatchTheCppCalls) {
  roformer_model* mlm = nullptr;
  ASSERT_EQ(roformer_model_load(converted_fixture("v1_mlm_embproj").c_str(), &mlm), ROFORMER_OK);
  roformer_session* session = nullptr;
  ASSERT_EQ(roformer_session_create(mlm, &session), ROFORMER_OK);
  int32_t* ids = nullptr;
  float* scores = nullptr;
  size_t masks = 0;
  ASSERT_EQ(roformer_fill_mask(session, "一[MASK]三[MASK]", 2, nullptr, &ids, &scores, &masks),
            ROFORMER_OK) << roformer_last_error();
  Session cpp(Model::load(converted_fixture("v1_mlm_embproj")));
  FillMaskOptions two;
  two.top_k = 2;
  auto expected = cpp.fill_mask({"一[MASK]三[MASK]"}, two)[0];
  ASSERT_EQ(masks, expected.size());
  for (size_t m = 0; m < masks; ++m) {
    for (size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(ids[m * 2 + k], expected[m].predictions[k].token_id);
      EXPECT_EQ(scores[m * 2 + k], expected[m].predictions[k].score);
    }
  }
  const char* token = nullptr;
  ASSERT_EQ(roformer_model_token(mlm, ids[0], &token), ROFORMER_OK);
  EXPECT_EQ(token, expected[0].predictions[0].token);
  EXPECT_EQ(roformer_model_token(mlm, 256, &token), ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(), "token id 256 is outside the vocabulary [0, 256)");
  roformer_free(ids);
  roformer_free(scores);
  size_t* labels = nullptr;
  int32_t* ranges = nullptr;
  size_t words = 0;
  EXPECT_EQ(roformer_tag(session, "一", nullptr, &labels, &scores, &ranges, &words),
            ROFORMER_BAD_MODEL);
  EXPECT_EQ(labels, nullptr);
  roformer_session_free(session);
  roformer_model_free(mlm);

  roformer_model* tagger = nullptr;
  ASSERT_EQ(roformer_model_load(converted_fixture("v1_tokcls_rotary_value").c_str(), &tagger),
            ROFORMER_OK);
  ASSERT_EQ(roformer_session_create(tagger, &session), ROFORMER_OK);
  roformer_model_free(tagger);  // the session keeps it alive
  ASSERT_EQ(roformer_tag(session, "一二三", nullptr, &labels, &scores, &ranges, &words), ROFORMER_OK)
      << roformer_last_error();
  ASSERT_EQ(words, 3u);
  for (size_t w = 0; w < words; ++w) {
    EXPECT_LT(labels[w], 5u);
    EXPECT_GT(scores[w], 0.0f);
    EXPECT_EQ(ranges[2 * w], static_cast<int32_t>(w));
    EXPECT_EQ(ranges[2 * w + 1], static_cast<int32_t>(w + 1));
  }
  roformer_free(labels);
  roformer_free(scores);
  roformer_free(ranges);
  roformer_session_free(session);
}

}  // namespace
}  // namespace roformer::api
