// One Model shared by eight threads, each with its own Session: every thread gets exactly the
// single-threaded results.
#include <gtest/gtest.h>

#include <roformer/roformer.hpp>

#include <cstring>
#include <thread>

#include "api_test_data.hpp"

namespace roformer::api_test {
namespace {

constexpr size_t kTexts = 200;
constexpr size_t kThreads = 8;

// Bitwise equality: the same floats, not merely close ones.
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(ClassifyThreads, EightSessionsOnOneModelMatchOneThreadBitForBit) {
  const auto texts = review_texts(kTexts);
  std::shared_ptr<const api::Model> model = api::Model::load(default_model_path());

  api::Session single(model);
  const auto expected = single.classify(texts);
  ASSERT_EQ(expected.size(), kTexts);

  std::vector<std::vector<api::Classification>> results(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      try {
        api::Session session(model);
        results[t] = session.classify(texts);
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& worker : workers) worker.join();

  for (size_t t = 0; t < kThreads; ++t) {
    ASSERT_EQ(errors[t], "") << "thread " << t;
    ASSERT_EQ(results[t].size(), kTexts) << "thread " << t;
    size_t differing = 0;
    for (size_t i = 0; i < kTexts; ++i) {
      const bool same = results[t][i].label_index == expected[i].label_index &&
                        results[t][i].label == expected[i].label &&
                        same_bits(results[t][i].scores, expected[i].scores);
      if (!same && differing++ < 3) ADD_FAILURE() << "thread " << t << ", text " << i << " differs";
    }
    EXPECT_EQ(differing, 0u) << "thread " << t;
  }
}

}  // namespace
}  // namespace roformer::api_test
