// The C++ API on the shipped classifier: results, options, errors and logging.
#include <gtest/gtest.h>

#include <roformer/roformer.hpp>

#include <cmath>
#include <mutex>

#include "api_test_data.hpp"

namespace roformer::api_test {
namespace {

std::shared_ptr<const api::Model> default_model() {
  static const auto model = api::Model::load(default_model_path());
  return model;
}

// A review of 300-odd characters, far over the model's 128 tokens.
std::string long_text() {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "房间很干净，服务很好。";
  return text;
}

template <typename Call>
api::Error error_of(Call&& call) {
  try {
    call();
  } catch (const api::Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an api::Error";
  return api::Error(api::ErrorCode::kOk, "");
}

TEST(ApiModel, DescribesTheShippedClassifier) {
  const api::ModelInfo& info = default_model()->info();
  EXPECT_EQ(info.head, api::Head::kSequenceClassification);
  EXPECT_EQ(info.labels, (std::vector<std::string>{"negative", "positive"}));
  EXPECT_EQ(info.hidden_size, 256);
  EXPECT_EQ(info.default_max_length, 128);
  EXPECT_EQ(std::string(api::version()), ROFORMER_VERSION);
}

TEST(ApiModel, MissingFileIsAnIoErrorNamingThePath) {
  auto error = error_of([] { api::Model::load("/nonexistent/model.gguf"); });
  EXPECT_EQ(error.code(), api::ErrorCode::kIo);
  EXPECT_NE(std::string(error.what()).find("/nonexistent/model.gguf"), std::string::npos) << error.what();
}

TEST(ApiModel, TokenizesWithSpecialsAndOffsets) {
  auto tokens = default_model()->tokenize("房间很干净");
  ASSERT_GE(tokens.tokens.size(), 3u);
  EXPECT_EQ(tokens.tokens.front(), "[CLS]");
  EXPECT_EQ(tokens.tokens.back(), "[SEP]");
  EXPECT_EQ(tokens.offsets.front(), (std::pair<int32_t, int32_t>{-1, -1}));
  EXPECT_EQ(tokens.offsets[1].first, 0);
  EXPECT_EQ(tokens.offsets[tokens.offsets.size() - 2].second, 5);
  EXPECT_EQ(tokens.input_ids.size(), tokens.tokens.size());
  EXPECT_TRUE(default_model()->tokenize(long_text(), 16).truncated);
}

// A limit below the special tokens could only be exceeded, so it is refused.
TEST(ApiSession, TokenizeRefusesALimitBelowTheSpecialTokens) {
  auto error = error_of([] { default_model()->tokenize("酒店很好", 1); });
  EXPECT_EQ(error.code(), api::ErrorCode::kInvalidArgument);
  EXPECT_STREQ(error.what(), "max_length is 1, expected 0 (no limit) or >= 2 ([CLS] and [SEP])");
  error = error_of([] { default_model()->tokenize_pair("酒店", "很好", 2); });
  EXPECT_EQ(error.code(), api::ErrorCode::kInvalidArgument);
  EXPECT_EQ(default_model()->tokenize("酒店很好", 2).input_ids.size(), 2u);
  EXPECT_EQ(default_model()->tokenize_pair("酒店", "很好", 3).input_ids.size(), 3u);
}

TEST(ApiSession, ClassifiesLikeTheReferenceLogits) {
  api::Session session(default_model());
  auto results = session.classify(review_texts(2));
  // tests/data/chnsenti/test.jsonl: reference_logits of the first two reviews.
  const float logits[2][2] = {{1.162407398223877f, -0.9125222563743591f},
                              {-2.180025577545166f, 1.1611262559890747f}};
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].label, "negative");
  EXPECT_EQ(results[1].label, "positive");
  for (size_t i = 0; i < 2; ++i) {
    const double positive = 1.0 / (1.0 + std::exp(double(logits[i][0]) - logits[i][1]));
    EXPECT_NEAR(results[i].scores[1], positive, 1e-4) << "review " << i;
    EXPECT_NEAR(results[i].scores[0] + results[i].scores[1], 1.0f, 1e-6f);
    EXPECT_EQ(results[i].score, results[i].scores[results[i].label_index]);
  }
}

TEST(ApiSession, BatchingAndThreadsDoNotChangeLabels) {
  const auto texts = review_texts(40);
  api::Session session(default_model());
  auto grouped = session.classify(texts);
  api::RunOptions run;
  run.batch_size = 1;
  run.threads = 2;
  auto single = session.classify(texts, run);
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(single[i].label, grouped[i].label) << "text " << i;
    EXPECT_NEAR(single[i].scores[1], grouped[i].scores[1], 1e-5f) << "text " << i;
  }
}

TEST(ApiSession, ClassifiesPairs) {
  api::Session session(default_model());
  auto results = session.classify_pairs({{"房间很干净", "服务很好"}});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].scores.size(), 2u);
}

TEST(ApiSession, RefusesATextOverTheLimitWhenNotTruncating) {
  api::Session session(default_model());
  api::RunOptions run;
  run.truncate = false;
  auto error = error_of([&] { session.classify({"好", long_text()}, run); });
  EXPECT_EQ(error.code(), api::ErrorCode::kBadInput);
  EXPECT_NE(std::string(error.what()).find("text 1 is "), std::string::npos) << error.what();
  EXPECT_NE(std::string(error.what()).find("over the limit of 128"), std::string::npos) << error.what();
  run.truncate = true;
  EXPECT_EQ(session.classify({long_text()}, run).size(), 1u);
}

TEST(ApiSession, RefusesBadOptionsAndTheWrongHead) {
  api::Session session(default_model());
  api::RunOptions run;
  run.threads = 0;
  auto error = error_of([&] { session.classify({"好"}, run); });
  EXPECT_EQ(error.code(), api::ErrorCode::kInvalidArgument);
  EXPECT_STREQ(error.what(), "RunOptions::threads is 0, expected 1 to 1024");
  // A huge count is refused before a single thread starts (it would exhaust the process limit).
  run.threads = 100000;
  error = error_of([&] { session.classify({"好"}, run); });
  EXPECT_EQ(error.code(), api::ErrorCode::kInvalidArgument);
  EXPECT_STREQ(error.what(), "RunOptions::threads is 100000, expected 1 to 1024");
  api::RawOptions raw;
  raw.threads = api::kMostThreads + 1;
  error = error_of([&] { session.run({api::TokenInput{{2, 3}, {}, {}}}, raw); });
  EXPECT_EQ(error.code(), api::ErrorCode::kInvalidArgument);
  EXPECT_STREQ(error.what(), "RawOptions::threads is 1025, expected 1 to 1024");

  error = error_of([&] { session.fill_mask({"好[MASK]"}); });
  EXPECT_EQ(error.code(), api::ErrorCode::kBadModel);
  EXPECT_NE(std::string(error.what()).find("fill_mask needs a masked_lm model"), std::string::npos)
      << error.what();
  error = error_of([] { api::Session(nullptr); });
  EXPECT_EQ(error.code(), api::ErrorCode::kInvalidArgument);
}

TEST(ApiSession, EmbedsAsUnitVectors) {
  api::Session session(default_model());
  auto vectors = session.embed({"房间很干净", "服务很差"});
  ASSERT_EQ(vectors.size(), 2u);
  for (const auto& vector : vectors) {
    ASSERT_EQ(vector.size(), 256u);
    double norm = 0.0;
    for (float value : vector) norm += double(value) * value;
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
  api::EmbedOptions cls;
  cls.pooling = api::Pooling::kCls;
  cls.normalize = false;
  EXPECT_EQ(session.embed({"好"}, cls)[0].size(), 256u);
  cls.pooling = api::Pooling::kPooler;
  EXPECT_EQ(error_of([&] { session.embed({"好"}, cls); }).code(), api::ErrorCode::kUnsupported);
}

TEST(ApiSession, RawIdsGiveTheClassifierLogits) {
  const auto text = review_texts(1)[0];
  api::Session session(default_model());
  api::TokenInput input;
  input.input_ids = default_model()->tokenize(text, 128).input_ids;
  auto outputs = session.run({input});
  ASSERT_EQ(outputs.size(), 1u);
  const auto& out = outputs[0];
  EXPECT_EQ(out.logits.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(out.last_hidden_state.shape,
            (std::vector<int64_t>{static_cast<int64_t>(input.input_ids.size()), 256}));
  EXPECT_TRUE(out.prediction_scores.values.empty());
  EXPECT_NEAR(out.logits.values[0], 1.162407398223877f, 1e-3f);
  EXPECT_NEAR(out.logits.values[1], -0.9125222563743591f, 1e-3f);

  input.input_ids[1] = 1 << 30;
  auto error = error_of([&] { session.run({input}); });
  EXPECT_EQ(error.code(), api::ErrorCode::kBadInput);
  EXPECT_NE(std::string(error.what()).find("position 1"), std::string::npos) << error.what();
}

// Nothing reaches the process's stdout or stderr, not even the load message, the truncation
// warning or a failed load, while no callback is installed.
TEST(ApiLog, PrintsNothingWithoutACallback) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  {
    api::Session session(api::Model::load(default_model_path()));
    session.classify({long_text()});
    error_of([] { api::Model::load("/nonexistent/model.gguf"); });
  }
  const std::string out = testing::internal::GetCapturedStdout();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "");
}

TEST(ApiLog, SilentUntilACallbackIsInstalled) {
  std::mutex mutex;
  std::vector<std::string> messages;
  api::set_log_callback([&](api::LogLevel level, const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex);
    if (level == api::LogLevel::kWarning) messages.push_back(message);
  }, api::LogLevel::kWarning);
  api::Session session(default_model());
  session.classify({long_text()});
  api::set_log_callback(nullptr);
  session.classify({long_text()});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("truncated"), std::string::npos) << messages[0];
}

}  // namespace
}  // namespace roformer::api_test
