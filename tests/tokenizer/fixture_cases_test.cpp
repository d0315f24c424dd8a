// The tokenizer against the Python reference: the case files of tests/data/tokenizer (jieba on
// and off) and the stored input ids of the 1000 ChnSentiCorp test reviews.
#include <gtest/gtest.h>

#include <time.h>

#include <chrono>
#include <cstdio>

#include "test_data.hpp"

namespace roformer::test {
namespace {

// CPU time of the calling thread: on a shared machine wall time also counts other processes.
double thread_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

Encoding encode_case(const Tokenizer& tokenizer, const nlohmann::json& row) {
  std::optional<std::string> pair;
  if (row.contains("text_pair") && !row["text_pair"].is_null()) pair = row["text_pair"].get<std::string>();
  const size_t max_length = row.contains("max_length") ? row["max_length"].get<size_t>() : 0;
  const std::string text = row["text"].get<std::string>();
  return pair ? tokenizer.encode(text, std::string_view(*pair), max_length)
              : tokenizer.encode(text, std::nullopt, max_length);
}

void expect_cases(const Tokenizer& tokenizer, const std::string& file, size_t expected_rows) {
  const auto rows = read_jsonl(tokenizer_data(file));
  ASSERT_EQ(rows.size(), expected_rows) << file;
  for (size_t i = 0; i < rows.size(); ++i) {
    const nlohmann::json& row = rows[i];
    const Encoding encoding = encode_case(tokenizer, row);
    SCOPED_TRACE(file + " line " + std::to_string(i + 1) + ": " + row["text"].get<std::string>());
    EXPECT_EQ(encoding.tokens, row["tokens"].get<std::vector<std::string>>());
    EXPECT_EQ(encoding.input_ids, row["input_ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(encoding.token_type_ids, row["token_type_ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(encoding.offsets.size(), encoding.input_ids.size());
  }
}

TEST(TokenizerFixtures, JiebaCasesMatchReference) {
  expect_cases(jieba_tokenizer(), "cases.jsonl", 33);
}

TEST(TokenizerFixtures, BertCasesMatchReference) {
  expect_cases(bert_tokenizer(), "cases_nojieba.jsonl", 33);
}

TEST(TokenizerFixtures, ChnSentiReviewsMatchStoredIds) {
  const auto rows = read_jsonl(std::string(ROFORMER_TEST_DATA) + "/chnsenti/test.jsonl");
  ASSERT_EQ(rows.size(), 1000u);
  std::vector<std::string> texts;
  size_t bytes = 0;
  for (const auto& row : rows) {
    texts.push_back(row["text"].get<std::string>());
    bytes += texts.back().size();
  }

  const Tokenizer& tokenizer = jieba_tokenizer();
  size_t mismatches = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Encoding encoding = tokenizer.encode(texts[i], std::nullopt, /*max_length=*/128);
    const auto expected = rows[i]["input_ids"].get<std::vector<int32_t>>();
    if (encoding.input_ids != expected && ++mismatches <= 5) {
      ADD_FAILURE() << "review " << i << " differs: " << texts[i];
    }
  }
  EXPECT_EQ(mismatches, 0u);

  // Throughput of jieba + WordPiece + ids on one thread, best of five passes (printed only).
  double best_wall = 1e30, best_cpu = 1e30;
  for (int pass = 0; pass < 5; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_seconds();
    size_t ids = 0;
    for (const std::string& text : texts) ids += tokenizer.encode(text).input_ids.size();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best_wall = std::min(best_wall, elapsed.count());
    best_cpu = std::min(best_cpu, thread_seconds() - cpu_start);
    EXPECT_GT(ids, 0u);
  }
  std::printf("[ tokenizer ] %zu reviews, %.2f MB, jieba + WordPiece on one thread: %.1f MB/s wall, "
              "%.1f MB/s thread CPU time\n",
              texts.size(), bytes / 1e6, bytes / 1e6 / best_wall, bytes / 1e6 / best_cpu);
}

TEST(TokenizerFixtures, JiebaDictionaryLoadTime) {
  const std::string text = read_file(std::string(ROFORMER_SOURCE_DIR) + "/models/jieba/dict.txt");
  std::vector<std::string> vocab = test_vocab();
  TokenizerOptions options;
  options.use_jieba = true;

  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = thread_seconds();
  std::vector<JiebaEntry> entries = parse_jieba_dictionary(text);
  const Tokenizer tokenizer(std::move(vocab), options, std::move(entries));
  const double cpu_seconds = thread_seconds() - cpu_start;
  const std::chrono::duration<double, std::milli> wall = std::chrono::steady_clock::now() - start;

  EXPECT_EQ(jieba_dictionary().size(), 349046u);
  std::printf("[ tokenizer ] jieba dictionary (349k entries) parsed and built into a tokenizer: "
              "%.1f ms wall, %.1f ms thread CPU time\n", wall.count(), 1e3 * cpu_seconds);
}

}  // namespace
}  // namespace roformer::test
