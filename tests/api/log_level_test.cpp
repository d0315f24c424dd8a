// The log callback's level: 0 (error) to 3 (debug), anything else refused without touching the
// callback in place.
#include <gtest/gtest.h>

#include <roformer/roformer.h>
#include <roformer/roformer.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "api_test_data.hpp"

namespace roformer::api_test {
namespace {

struct Received {
  std::mutex mutex;
  std::vector<std::string> warnings;
  static void receive(int level, const char* message, void* user_data) {
    auto* received = static_cast<Received*>(user_data);
    std::lock_guard<std::mutex> lock(received->mutex);
    if (level == 1) received->warnings.push_back(message);
  }
};

// A text over the model's 128 tokens, whose truncation is a warning.
void classify_a_long_text() {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "房间很干净，服务很好。";
  api::Session session(api::Model::load(default_model_path()));
  session.classify({text});
}

TEST(LogLevel, CApiRefusesALevelOutsideZeroToThree) {
  Received received;
  ASSERT_EQ(roformer_set_log_callback(Received::receive, &received, /*max_level=*/1), ROFORMER_OK);
  Received other;
  EXPECT_EQ(roformer_set_log_callback(Received::receive, &other, 99), ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(),
               "max_level is 99, expected 0 (error), 1 (warning), 2 (info) or 3 (debug)");
  EXPECT_EQ(roformer_set_log_callback(Received::receive, &other, -5), ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(),
               "max_level is -5, expected 0 (error), 1 (warning), 2 (info) or 3 (debug)");
  EXPECT_EQ(roformer_set_log_callback(nullptr, nullptr, 4), ROFORMER_INVALID_ARGUMENT);
  EXPECT_STREQ(roformer_last_error(),
               "max_level is 4, expected 0 (error), 1 (warning), 2 (info) or 3 (debug)");

  // The refused calls left the first callback installed.
  classify_a_long_text();
  ASSERT_EQ(roformer_set_log_callback(nullptr, nullptr, 0), ROFORMER_OK);
  EXPECT_EQ(received.warnings.size(), 1u);
  EXPECT_TRUE(other.warnings.empty());
  EXPECT_EQ(roformer_set_log_callback(Received::receive, &other, 3), ROFORMER_OK);
  EXPECT_EQ(roformer_set_log_callback(nullptr, nullptr, 0), ROFORMER_OK);
}

TEST(LogLevel, CppApiRefusesALevelCastFromANumberOutOfRange) {
  try {
    api::set_log_callback([](api::LogLevel, const std::string&) {}, static_cast<api::LogLevel>(99));
    ADD_FAILURE() << "LogLevel 99 was accepted";
  } catch (const api::Error& e) {
    EXPECT_EQ(e.code(), api::ErrorCode::kInvalidArgument);
    EXPECT_STREQ(e.what(),
                 "max_level is 99, expected 0 (error), 1 (warning), 2 (info) or 3 (debug)");
  }
  api::set_log_callback(nullptr);
}

}  // namespace
}  // namespace roformer::api_test
