// Raw token ids through the C and the C++ API: what they refuse before running and what they warn
// about.
#include <gtest/gtest.h>

#include <roformer/roformer.h>
#include <roformer/roformer.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api_test_data.hpp"

namespace roformer::api_test {
namespace {

std::shared_ptr<const api::Model> loaded_model() {
  static const auto model = api::Model::load(default_model_path());
  return model;
}

// A C model and session, freed at the end of the test.
struct CSession {
  std::unique_ptr<roformer_model, void (*)(roformer_model*)> model{nullptr, roformer_model_free};
  std::unique_ptr<roformer_session, void (*)(roformer_session*)> session{nullptr,
                                                                         roformer_session_free};
  CSession() {
    roformer_model* m = nullptr;
    roformer_session* s = nullptr;
    EXPECT_EQ(roformer_model_load(default_model_path().c_str(), &m), ROFORMER_OK)
        << roformer_last_error();
    model.reset(m);
    EXPECT_EQ(roformer_session_create(m, &s), ROFORMER_OK) << roformer_last_error();
    session.reset(s);
  }
};

// [CLS] 房间很干净 [SEP]
std::vector<int32_t> review_ids() { return loaded_model()->tokenize("房间很干净").input_ids; }

TEST(RawIds, CApiRefusesAttentionMaskValuesOtherThanZeroAndOne) {
  CSession c;
  const std::vector<int32_t> ids = review_ids();
  std::vector<uint8_t> mask(ids.size(), 1);
  mask[2] = 2;
  float* values = nullptr;
  size_t count = 0;
  EXPECT_EQ(roformer_run_ids(c.session.get(), ids.data(), nullptr, mask.data(), ids.size(),
                             &values, &count),
            ROFORMER_BAD_INPUT);
  EXPECT_STREQ(roformer_last_error(),
               "sequence 0 position 2: attention_mask is 2, expected 0 (padding) or 1 (a real "
               "token)");
  EXPECT_EQ(values, nullptr);

  // 0 and 1 run: the last token as padding.
  mask[2] = 1;
  mask.back() = 0;
  ASSERT_EQ(roformer_run_ids(c.session.get(), ids.data(), nullptr, mask.data(), ids.size(),
                             &values, &count),
            ROFORMER_OK)
      << roformer_last_error();
  EXPECT_EQ(count, 2u);
  roformer_free(values);
}

TEST(RawIds, CppApiRefusesAttentionMaskValuesOtherThanZeroAndOne) {
  api::Session session(loaded_model());
  api::TokenInput good{review_ids(), {}, {}};
  api::TokenInput bad = good;
  bad.attention_mask.assign(bad.input_ids.size(), 1);
  bad.attention_mask[0] = 255;
  try {
    session.run({good, bad});
    ADD_FAILURE() << "an attention_mask value of 255 ran";
  } catch (const api::Error& e) {
    EXPECT_EQ(e.code(), api::ErrorCode::kBadInput);
    EXPECT_STREQ(e.what(),
                 "sequence 1 position 0: attention_mask is 255, expected 0 (padding) or 1 (a real "
                 "token)");
  }
}

// A length read from the wrong variable would otherwise ask for terabytes and fail as
// ROFORMER_INTERNAL "out of memory" (an abort under AddressSanitizer).
TEST(RawIds, CApiRefusesALengthOverTheCapBeforeReadingTheArrays) {
  CSession c;
  const std::vector<int32_t> ids = review_ids();
  float* values = nullptr;
  size_t count = 0;
  EXPECT_EQ(roformer_run_ids(c.session.get(), ids.data(), nullptr, nullptr, size_t{1} << 40,
                             &values, &count),
            ROFORMER_BAD_INPUT);
  EXPECT_STREQ(roformer_last_error(),
               "length is 1099511627776 tokens, over the limit of 1048576 (ROFORMER_MOST_TOKENS)");
  EXPECT_EQ(values, nullptr);
  const std::vector<int32_t> longest(ROFORMER_MOST_TOKENS + 1, ids[1]);
  EXPECT_EQ(roformer_run_ids(c.session.get(), longest.data(), nullptr, nullptr, longest.size(),
                             &values, &count),
            ROFORMER_BAD_INPUT);
  EXPECT_STREQ(roformer_last_error(),
               "length is 1048577 tokens, over the limit of 1048576 (ROFORMER_MOST_TOKENS)");
}

TEST(RawIds, CppApiRefusesASequenceOverTheCap) {
  EXPECT_EQ(api::kMostTokens, size_t{1} << 20);
  api::Session session(loaded_model());
  api::TokenInput longest{std::vector<int32_t>(api::kMostTokens + 1, review_ids()[1]), {}, {}};
  try {
    session.run({api::TokenInput{review_ids(), {}, {}}, longest});
    ADD_FAILURE() << "a sequence of kMostTokens + 1 ran";
  } catch (const api::Error& e) {
    EXPECT_EQ(e.code(), api::ErrorCode::kBadInput);
    EXPECT_STREQ(e.what(),
                 "sequence 1 is 1048577 tokens long, over the limit of 1048576");
  }
}

// Texts are bound by the same cap as raw ids.
TEST(RawIds, RunOptionsMaxLengthIsBoundByTheSameCap) {
  api::Session session(loaded_model());
  api::RunOptions run;
  run.max_length = static_cast<int>(api::kMostTokens) + 1;
  try {
    session.classify({"房间很干净"}, run);
    ADD_FAILURE() << "max_length kMostTokens + 1 was accepted";
  } catch (const api::Error& e) {
    EXPECT_EQ(e.code(), api::ErrorCode::kInvalidArgument);
    EXPECT_STREQ(e.what(),
                 "RunOptions::max_length is 1048577, over the limit of 1048576 tokens");
  }
  run.max_length = static_cast<int>(api::kMostTokens);
  EXPECT_EQ(session.classify({"房间很干净"}, run).size(), 1u);
}

// The warnings one log callback received, level 1 (warning) only.
struct Warnings {
  std::mutex mutex;
  std::vector<std::string> messages;
  static void receive(int level, const char* message, void* user_data) {
    auto* warnings = static_cast<Warnings*>(user_data);
    std::lock_guard<std::mutex> lock(warnings->mutex);
    if (level == 1) warnings->messages.push_back(message);
  }
};

// The shipped model was trained on 512 positions; 513 tokens run, with one warning.
TEST(RawIds, CApiWarnsOncePastTheTrainedPositions) {
  CSession c;
  Warnings warnings;
  ASSERT_EQ(roformer_set_log_callback(Warnings::receive, &warnings, /*max_level=*/1), ROFORMER_OK);
  const std::vector<int32_t> ids(513, review_ids()[1]);
  float* values = nullptr;
  size_t count = 0;
  EXPECT_EQ(roformer_run_ids(c.session.get(), ids.data(), nullptr, nullptr, ids.size(), &values,
                             &count),
            ROFORMER_OK)
      << roformer_last_error();
  EXPECT_EQ(count, 2u);
  roformer_free(values);
  // Within the trained positions: no warning.
  EXPECT_EQ(roformer_run_ids(c.session.get(), ids.data(), nullptr, nullptr, 512, &values, &count),
            ROFORMER_OK);
  roformer_free(values);
  ASSERT_EQ(roformer_set_log_callback(nullptr, nullptr, 0), ROFORMER_OK);
  ASSERT_EQ(warnings.messages.size(), 1u);
  EXPECT_EQ(warnings.messages[0],
            "1 of 1 sequence exceeds the 512 positions the model was trained on (the longest, "
            "sequence 0, has 513 tokens)");
}

// Texts get the same warning when RunOptions::max_length (roformer_run_options.max_length) lets
// them past the 512 trained positions: once per call, however many texts, none at 512.
TEST(RawIds, TextCallsWarnOnceWhenMaxLengthExceedsTheTrainedPositions) {
  Warnings warnings;
  ASSERT_EQ(roformer_set_log_callback(Warnings::receive, &warnings, /*max_level=*/1), ROFORMER_OK);
  api::Session session(loaded_model());
  api::RunOptions run;
  run.max_length = 600;
  EXPECT_EQ(session.classify({"房间很干净", "服务很好"}, run).size(), 2u);
  EXPECT_EQ(session.embed({"房间很干净"}, {}, run).size(), 1u);
  run.max_length = 512;
  EXPECT_EQ(session.classify({"房间很干净"}, run).size(), 1u);

  CSession c;
  roformer_run_options options = roformer_run_options_default();
  options.max_length = 513;
  const char* texts[] = {"房间很干净"};
  size_t label = 0;
  EXPECT_EQ(roformer_classify(c.session.get(), texts, nullptr, 1, &options, &label, nullptr),
            ROFORMER_OK)
      << roformer_last_error();
  ASSERT_EQ(roformer_set_log_callback(nullptr, nullptr, 0), ROFORMER_OK);
  const std::string past = " exceeds the 512 positions the model was trained on";
  EXPECT_EQ(warnings.messages, (std::vector<std::string>{"max_length 600" + past,
                                                         "max_length 600" + past,
                                                         "max_length 513" + past}));
}

TEST(RawIds, CppApiWarnsOncePerCallNamingTheLongest) {
  std::vector<std::string> warnings;
  api::set_log_callback(
      [&](api::LogLevel level, const std::string& message) {
        if (level == api::LogLevel::kWarning) warnings.push_back(message);
      },
      api::LogLevel::kWarning);
  const int32_t id = review_ids()[1];
  api::Session session(loaded_model());
  auto outputs = session.run({api::TokenInput{std::vector<int32_t>(513, id), {}, {}},
                              api::TokenInput{review_ids(), {}, {}},
                              api::TokenInput{std::vector<int32_t>(600, id), {}, {}}});
  api::set_log_callback(nullptr);
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_EQ(outputs[2].logits.values.size(), 2u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "2 of 3 sequences exceed the 512 positions the model was trained on (the longest, "
            "sequence 2, has 600 tokens)");
}

}  // namespace
}  // namespace roformer::api_test
