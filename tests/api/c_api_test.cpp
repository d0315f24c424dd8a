// The C API: statuses and this thread's last-error message for every way a call can fail, and the
// buffers it hands out.
#include <gtest/gtest.h>

#include <roformer/roformer.h>

#include <cmath>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api_test_data.hpp"

namespace roformer::api_test {
namespace {

bool contains(const char* haystack, const std::string& needle) {
  return std::string(haystack).find(needle) != std::string::npos;
}

// A model loaded once for the tests that need one; freed at exit.
roformer_model* shared_model() {
  static std::unique_ptr<roformer_model, void (*)(roformer_model*)> model = [] {
    roformer_model* loaded = nullptr;
    EXPECT_EQ(roformer_model_load(default_model_path().c_str(), &loaded), ROFORMER_OK)
        << roformer_last_error();
    return std::unique_ptr<roformer_model, void (*)(roformer_model*)>(loaded, roformer_model_free);
  }();
  return model.get();
}

TEST(CApi, VersionMatchesTheMacro) {
  EXPECT_STREQ(roformer_version(), ROFORMER_VERSION);
  EXPECT_STREQ(roformer_status_name(ROFORMER_BAD_MODEL), "bad model");
}

TEST(CApi, MissingFileIsIoAndNamesThePath) {
  roformer_model* model = reinterpret_cast<roformer_model*>(&model);  // must be reset to NULL
  EXPECT_EQ(roformer_model_load("/nonexistent/dir/model.gguf", &model), ROFORMER_IO);
  EXPECT_EQ(model, nullptr);
  EXPECT_TRUE(contains(roformer_last_error(), "cannot open model file /nonexistent/dir/model.gguf"))
      << roformer_last_error();
}

TEST(CApi, CorruptFileIsBadModelAndNamesTheFile) {
  const std::string path = scratch_file("corrupt.gguf");
  {
    std::ofstream out(path, std::ios::binary);
    out << "this is not a gguf file, only forty-odd bytes of text";
  }
  roformer_model* model = nullptr;
  EXPECT_EQ(roformer_model_load(path.c_str(), &model), ROFORMER_BAD_MODEL);
  EXPECT_EQ(model, nullptr);
  EXPECT_TRUE(contains(roformer_last_error(), path)) << roformer_last_error();
}

TEST(CApi, NullArgumentsAreInvalidAndNamed) {
  roformer_model* model = nullptr;
  EXPECT_EQ(roformer_model_load(nullptr, &model), ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(), "path is NULL, expected a valid pointer");
  EXPECT_EQ(roformer_model_load("x.gguf", nullptr), ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(), "out is NULL, expected a valid pointer");

  roformer_session* session = nullptr;
  EXPECT_EQ(roformer_session_create(nullptr, &session), ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(), "model is NULL, expected a valid pointer");
  ASSERT_EQ(roformer_session_create(shared_model(), &session), ROFORMER_OK);
  const char* texts[] = {"好", nullptr};
  size_t labels[2];
  EXPECT_EQ(roformer_classify(session, texts, nullptr, 2, nullptr, labels, nullptr),
            ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(), "texts[1] is NULL, expected a string");
  roformer_session_free(session);
  roformer_model_free(nullptr);
  roformer_session_free(nullptr);
  roformer_free(nullptr);
}

TEST(CApi, TextOverTheLengthLimitIsBadInput) {
  roformer_session* session = nullptr;
  ASSERT_EQ(roformer_session_create(shared_model(), &session), ROFORMER_OK);
  std::string text;
  for (int i = 0; i < 40; ++i) text += "房间很干净，服务很好。";
  const char* texts[] = {text.c_str()};
  roformer_run_options options = roformer_run_options_default();
  options.truncate = 0;
  size_t label = 99;
  EXPECT_EQ(roformer_classify(session, texts, nullptr, 1, &options, &label, nullptr),
            ROFORMER_BAD_INPUT);
  EXPECT_TRUE(contains(roformer_last_error(), "over the limit of 128")) << roformer_last_error();
  EXPECT_TRUE(contains(roformer_last_error(), "text 0 is ")) << roformer_last_error();
  EXPECT_TRUE(contains(roformer_last_error(), " tokens (max_length); set truncate to cut it instead"))
      << roformer_last_error();
  options.max_length = 1;
  EXPECT_EQ(roformer_classify(session, texts, nullptr, 1, &options, &label, nullptr),
            ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(),
               "roformer_run_options.max_length is 1, expected 0 (the model's default) or >= 2");
  roformer_session_free(session);
}

// A C caller reads the names of roformer.h (roformer_run_options' fields, the roformer_ calls) and
// numbers, never the C++ API's RunOptions:: or kMostTokens.
TEST(CApi, ErrorsNameTheCFieldsAndCalls) {
  roformer_session* session = nullptr;
  ASSERT_EQ(roformer_session_create(shared_model(), &session), ROFORMER_OK);
  const char* texts[] = {"好"};
  size_t label = 0;
  roformer_run_options options = roformer_run_options_default();
  options.threads = 0;
  EXPECT_EQ(roformer_classify(session, texts, nullptr, 1, &options, &label, nullptr),
            ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(), "roformer_run_options.threads is 0, expected 1 to 1024");
  options = roformer_run_options_default();
  options.batch_size = 0;
  EXPECT_EQ(roformer_classify(session, texts, nullptr, 1, &options, &label, nullptr),
            ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(), "roformer_run_options.batch_size is 0, expected >= 1");
  options = roformer_run_options_default();
  options.max_length = ROFORMER_MOST_TOKENS + 1;
  float embedding[1];
  EXPECT_EQ(roformer_embed(session, texts, 1, 0, 1, &options, embedding), ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(),
               "roformer_run_options.max_length is 1048577, over the limit of 1048576 tokens");

  int32_t* ids = nullptr;
  float* scores = nullptr;
  size_t masks = 0;
  EXPECT_EQ(roformer_fill_mask(session, "好[MASK]", 5, nullptr, &ids, &scores, &masks),
            ROFORMER_BAD_MODEL);
  EXPECT_TRUE(contains(roformer_last_error(), "; roformer_fill_mask needs a masked_lm model"))
      << roformer_last_error();
  char* answer = nullptr;
  int32_t start = 0, end = 0;
  float score = 0.0f;
  EXPECT_EQ(roformer_answer(session, "谁", "我", nullptr, &answer, &start, &end, &score),
            ROFORMER_BAD_MODEL);
  EXPECT_TRUE(contains(roformer_last_error(), "; roformer_answer needs a question_answering model"))
      << roformer_last_error();
  roformer_session_free(session);
}

TEST(CApi, LastErrorIsPerThread) {
  roformer_model* model = nullptr;
  EXPECT_EQ(roformer_model_load(nullptr, &model), ROFORMER_INVALID_ARGUMENT);
  std::string other;
  std::thread([&] { other = roformer_last_error(); }).join();
  EXPECT_EQ(other, "");
  EXPECT_STREQ(roformer_last_error(), "path is NULL, expected a valid pointer");
}

TEST(CApi, LogCallbackGetsWarningsUntilCleared) {
  struct Received {
    std::mutex mutex;
    std::vector<std::string> warnings;
  } received;
  const roformer_log_callback callback = [](int level, const char* message, void* user_data) {
    auto* r = static_cast<Received*>(user_data);
    std::lock_guard<std::mutex> lock(r->mutex);
    if (level == 1) r->warnings.push_back(message);
  };
  roformer_session* session = nullptr;
  ASSERT_EQ(roformer_session_create(shared_model(), &session), ROFORMER_OK);
  std::string text;
  for (int i = 0; i < 40; ++i) text += "房间很干净，服务很好。";
  const char* texts[] = {text.c_str()};
  size_t label = 0;

  ASSERT_EQ(roformer_set_log_callback(callback, &received, /*max_level=*/1), ROFORMER_OK);
  EXPECT_EQ(roformer_classify(session, texts, nullptr, 1, nullptr, &label, nullptr), ROFORMER_OK);
  ASSERT_EQ(roformer_set_log_callback(nullptr, nullptr, 0), ROFORMER_OK);
  EXPECT_EQ(roformer_classify(session, texts, nullptr, 1, nullptr, &label, nullptr), ROFORMER_OK);
  roformer_session_free(session);
  ASSERT_EQ(received.warnings.size(), 1u);
  EXPECT_TRUE(contains(received.warnings[0].c_str(), "truncated")) << received.warnings[0];
}

TEST(CApi, ClassifiesAndFillsCallerBuffers) {
  roformer_session* session = nullptr;
  ASSERT_EQ(roformer_session_create(shared_model(), &session), ROFORMER_OK);
  const auto reviews = review_texts(2);
  const char* texts[] = {reviews[0].c_str(), reviews[1].c_str()};
  size_t labels[2];
  float scores[4];
  ASSERT_EQ(roformer_classify(session, texts, nullptr, 2, nullptr, labels, scores), ROFORMER_OK)
      << roformer_last_error();
  const char* names[2];
  size_t count = 0;
  ASSERT_EQ(roformer_model_label_count(shared_model(), &count), ROFORMER_OK);
  ASSERT_EQ(count, 2u);
  ASSERT_EQ(roformer_model_label(shared_model(), labels[0], &names[0]), ROFORMER_OK);
  ASSERT_EQ(roformer_model_label(shared_model(), labels[1], &names[1]), ROFORMER_OK);
  EXPECT_STREQ(names[0], "negative");
  EXPECT_STREQ(names[1], "positive");
  EXPECT_NEAR(scores[0] + scores[1], 1.0f, 1e-6f);
  EXPECT_EQ(roformer_model_label(shared_model(), 2, &names[0]), ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(), "label index 2 is out of range, the model has 2 labels");

  const char* pairs[] = {"服务很好", "服务很差"};
  EXPECT_EQ(roformer_classify(session, texts, pairs, 2, nullptr, labels, nullptr), ROFORMER_OK);

  size_t hidden = 0;
  ASSERT_EQ(roformer_model_hidden_size(shared_model(), &hidden), ROFORMER_OK);
  std::vector<float> embeddings(2 * hidden);
  ASSERT_EQ(roformer_embed(session, texts, 2, 0, 1, nullptr, embeddings.data()), ROFORMER_OK);
  double norm = 0.0;
  for (size_t h = 0; h < hidden; ++h) norm += double(embeddings[hidden + h]) * embeddings[hidden + h];
  EXPECT_NEAR(norm, 1.0, 1e-5);

  char* answer = nullptr;
  int32_t start = 0, end = 0;
  float score = 0.0f;
  EXPECT_EQ(roformer_answer(session, "谁?", "我", nullptr, &answer, &start, &end, &score),
            ROFORMER_BAD_MODEL);
  EXPECT_EQ(answer, nullptr);
  roformer_session_free(session);
}

TEST(CApi, TokenizesAndRunsIdsIntoLibraryBuffers) {
  int32_t* ids = nullptr;
  size_t length = 0;
  ASSERT_EQ(roformer_tokenize(shared_model(), review_texts(1)[0].c_str(), 128, &ids, &length),
            ROFORMER_OK);
  ASSERT_GT(length, 2u);
  roformer_session* session = nullptr;
  ASSERT_EQ(roformer_session_create(shared_model(), &session), ROFORMER_OK);
  float* logits = nullptr;
  size_t count = 0;
  ASSERT_EQ(roformer_run_ids(session, ids, nullptr, nullptr, length, &logits, &count), ROFORMER_OK)
      << roformer_last_error();
  ASSERT_EQ(count, 2u);
  EXPECT_NEAR(logits[0], 1.162407398223877f, 1e-3f);
  EXPECT_NEAR(logits[1], -0.9125222563743591f, 1e-3f);
  roformer_free(logits);
  roformer_free(ids);

  const int32_t bad[] = {101, -5, 102};
  EXPECT_EQ(roformer_run_ids(session, bad, nullptr, nullptr, 3, &logits, &count), ROFORMER_BAD_INPUT);
  EXPECT_TRUE(contains(roformer_last_error(), "position 1: token id -5 is outside the vocabulary"))
      << roformer_last_error();
  EXPECT_EQ(logits, nullptr);
  roformer_session_free(session);
}

}  // namespace
}  // namespace roformer::api_test
