// Inputs that must not crash or throw: invalid UTF-8, empty and blank texts, control characters,
// a megabyte of text, truncation below the specials.
#include <gtest/gtest.h>

#include <string>

#include "test_data.hpp"

namespace roformer::test {
namespace {

const std::vector<const Tokenizer*>& both() {
  static const std::vector<const Tokenizer*> tokenizers = {&jieba_tokenizer(), &bert_tokenizer()};
  return tokenizers;
}

void expect_only_specials(const Encoding& encoding) {
  EXPECT_EQ(encoding.tokens, (std::vector<std::string>{"[CLS]", "[SEP]"}));
  EXPECT_EQ(encoding.input_ids, (std::vector<int32_t>{101, 102}));
  EXPECT_EQ(encoding.token_type_ids, (std::vector<int32_t>{0, 0}));
}

TEST(TokenizerRobustness, EmptyAndBlank) {
  for (const Tokenizer* tokenizer : both()) {
    expect_only_specials(tokenizer->encode(""));
    expect_only_specials(tokenizer->encode(" \t\r\n\u3000\u00a0\u2028\u2029\u0085"));
    const Encoding pair = tokenizer->encode("", std::string_view(""));
    EXPECT_EQ(pair.tokens, (std::vector<std::string>{"[CLS]", "[SEP]", "[SEP]"}));
    EXPECT_EQ(pair.token_type_ids, (std::vector<int32_t>{0, 0, 1}));
  }
}

TEST(TokenizerRobustness, InvalidUtf8BecomesReplacementAndIsDropped) {
  // Stray continuation bytes, truncated sequences, overlong forms, surrogates, bytes F5..FF:
  // one U+FFFD per maximal ill-formed subsequence, so "a" is code point 0, "b" 3, "c" 15.
  const std::string text = std::string("a\x80") + "\xC3" + "b\xE4\xBD" + "\xC0\xAF" +
                           "\xED\xA0\x80" + "\xF4\x90\x80\x80" + "\xFF" + "c\xF0\x9F\x98";

  // jieba cuts at every U+FFFD, so the letters stay apart.
  const Encoding cut = jieba_tokenizer().encode(text);
  EXPECT_EQ(cut.tokens, (std::vector<std::string>{"[CLS]", "a", "b", "c", "[SEP]"}));
  EXPECT_EQ(cut.offsets[1], std::make_pair(0, 1));
  EXPECT_EQ(cut.offsets[2], std::make_pair(3, 4));
  EXPECT_EQ(cut.offsets[3], std::make_pair(15, 16));

  // The basic tokenizer drops U+FFFD, so its neighbours join into "abc".
  const Encoding joined = bert_tokenizer().encode(text);
  EXPECT_EQ(joined.tokens, bert_tokenizer().encode("abc").tokens);
  EXPECT_EQ(joined.offsets[1].first, 0);
  EXPECT_EQ(joined.offsets[joined.offsets.size() - 2].second, 16);
}

TEST(TokenizerRobustness, ControlCharactersAndNul) {
  std::string text;
  for (int c = 0; c < 0x20; ++c) {
    text.push_back(static_cast<char>(c));
    text += "字";
  }
  text += "\x7f\xc2\x80\xc2\x9f\xe2\x80\x8b\xef\xbb\xbf";
  for (const Tokenizer* tokenizer : both()) {
    const Encoding encoding = tokenizer->encode(text);
    EXPECT_EQ(encoding.tokens.size(), 32u + 2u);
  }
}

TEST(TokenizerRobustness, OneMegabyteText) {
  std::string text;
  const std::string unit = "今天天气非常好，Hello World! 123abc café ＡＢＣ 😀 ";
  while (text.size() < (1u << 20)) text += unit;
  for (const Tokenizer* tokenizer : both()) {
    const Encoding encoding = tokenizer->encode(text);
    EXPECT_GT(encoding.tokens.size(), 100000u);
    const Encoding truncated = tokenizer->encode(text, std::nullopt, 512);
    EXPECT_EQ(truncated.input_ids.size(), 512u);
    EXPECT_TRUE(truncated.truncated);
  }
  // One word of a million ASCII letters: a single [UNK], and jieba's route over one block.
  const std::string word(1u << 20, 'a');
  for (const Tokenizer* tokenizer : both()) {
    const Encoding encoding = tokenizer->encode(word);
    EXPECT_EQ(encoding.tokens, (std::vector<std::string>{"[CLS]", "[UNK]", "[SEP]"}));
    EXPECT_EQ(encoding.offsets[1], std::make_pair(0, 1 << 20));
  }
}

TEST(TokenizerRobustness, MaxLengthBelowTheSpecials) {
  for (const Tokenizer* tokenizer : both()) {
    const Encoding single = tokenizer->encode("你好世界", std::nullopt, 1);
    EXPECT_EQ(single.tokens, (std::vector<std::string>{"[CLS]", "[SEP]"}));
    EXPECT_TRUE(single.truncated);
    const Encoding pair = tokenizer->encode("你好", std::string_view("世界"), 2);
    EXPECT_EQ(pair.tokens, (std::vector<std::string>{"[CLS]", "[SEP]", "[SEP]"}));
    const Encoding fits = tokenizer->encode("你好", std::nullopt, 4);
    EXPECT_FALSE(fits.truncated);
  }
}

TEST(TokenizerRobustness, SpecialTokensAtTheEdges) {
  for (const Tokenizer* tokenizer : both()) {
    const Encoding encoding = tokenizer->encode("[MASK][MASK] [PAD]x[SEP");
    ASSERT_GE(encoding.tokens.size(), 7u);
    EXPECT_EQ(std::vector<std::string>(encoding.tokens.begin(), encoding.tokens.begin() + 6),
              (std::vector<std::string>{"[CLS]", "[MASK]", "[MASK]", "[PAD]", "x", "["}));
    EXPECT_EQ(encoding.offsets[2], std::make_pair(6, 12));
    EXPECT_EQ(encoding.offsets[3], std::make_pair(13, 18));
    EXPECT_EQ(encoding.offsets[5], std::make_pair(19, 20));
  }
}

}  // namespace
}  // namespace roformer::test
