// The tokenizer against the Python reference: the case files of tests/data/tokenizer (jieba on
// and off) and the stored input ids of the 1000 ChnSentiCorp test reviews.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "test_data.hpp"

namespace roformer::test {
namespace {

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
  double best_seconds = 1e30;
  for (int pass = 0; pass < 5; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    size_t ids = 0;
    for (const std::string& text : texts) ids += tokenizer.encode(text).input_ids.size();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best_seconds = std::min(best_seconds, elapsed.count());
    EXPECT_GT(ids, 0u);
  }
  std::printf("[ tokenizer ] %zu reviews, %.2f MB: %.1f MB/s (jieba + WordPiece, one thread)\n",
              texts.size(), bytes / 1e6, bytes / 1e6 / best_seconds);
}

TEST(TokenizerFixtures, JiebaDictionaryLoadTime) {
  const std::string text = read_file(std::string(ROFORMER_SOURCE_DIR) + "/models/jieba/dict.txt");
  const auto start = std::chrono::steady_clock::now();
  std::vector<JiebaEntry> entries = parse_jieba_dictionary(text);
  const auto parsed = std::chrono::steady_clock::now();
  TokenizerOptions options;
  options.use_jieba = true;
  const Tokenizer tokenizer(test_vocab(), options, std::move(entries));
  const auto built = std::chrono::steady_clock::now();
  EXPECT_EQ(jieba_dictionary().size(), 349046u);
  std::printf("[ tokenizer ] jieba dictionary: parse %.1f ms, tokenizer with trie %.1f ms\n",
              std::chrono::duration<double, std::milli>(parsed - start).count(),
              std::chrono::duration<double, std::milli>(built - parsed).count());
}

}  // namespace
}  // namespace roformer::test
