// The parts on their own: UTF-8, the jieba dictionary parser and segmenter, WordPiece and the
// options, on small hand-made vocabularies and dictionaries.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/error.hpp"
#include "model/tokenizer/jieba.hpp"
#include "model/tokenizer/utf8.hpp"
#include "test_data.hpp"

namespace roformer::test {
namespace {

std::vector<std::string> words_of(const tok::JiebaSegmenter& jieba, const std::u32string& text) {
  std::vector<tok::WordRange> ranges;
  tok::JiebaSegmenter::Scratch scratch;
  jieba.cut(text.data(), text.size(), ranges, scratch);
  std::vector<std::string> words;
  size_t expected_begin = 0;
  for (const auto& [begin, end] : ranges) {
    EXPECT_EQ(begin, expected_begin);
    expected_begin = end;
    std::string word;
    for (uint32_t i = begin; i < end; ++i) tok::append_utf8(text[i], word);
    words.push_back(word);
  }
  EXPECT_EQ(expected_begin, text.size());
  return words;
}

std::vector<std::string> tokens_of(const Tokenizer& tokenizer, std::string_view text) {
  const Encoding encoding = tokenizer.encode(text);
  return std::vector<std::string>(encoding.tokens.begin() + 1, encoding.tokens.end() - 1);
}

TEST(TokenizerUtf8, RoundTripsEveryPlane) {
  const std::u32string chars = U"a\u00e9\u4e2d\U0001F600\U0010FFFF\u07FF\u0800\uFFFF";
  std::string bytes;
  for (char32_t cp : chars) tok::append_utf8(cp, bytes);
  std::vector<char32_t> decoded;
  tok::decode_utf8(bytes, decoded);
  EXPECT_EQ(std::u32string(decoded.begin(), decoded.end()), chars);
}

TEST(TokenizerUtf8, OneReplacementPerMaximalSubpart) {
  std::vector<char32_t> decoded;
  tok::decode_utf8("\xE0\x80\xF0\x9F\x98" "x\xF0\x9F", decoded);
  // E0 80: E0 needs A0..BF next, so E0 and 80 are each ill-formed; F0 9F 98 is one truncated
  // sequence; so is the final F0 9F.
  EXPECT_EQ(std::u32string(decoded.begin(), decoded.end()), U"\uFFFD\uFFFD\uFFFDx\uFFFD");
}

TEST(TokenizerUtf8, ValidityAgreesWithTheDecoder) {
  EXPECT_TRUE(tok::is_valid_utf8(""));
  EXPECT_TRUE(tok::is_valid_utf8("plain ascii, then \u4e2d\U0001F600"));
  EXPECT_TRUE(tok::is_valid_utf8("\uFFFD"));  // a replacement character typed by the user is text
  EXPECT_FALSE(tok::is_valid_utf8("\xE0\x80"));      // overlong
  EXPECT_FALSE(tok::is_valid_utf8("\xED\xA0\x80"));  // a surrogate
  EXPECT_FALSE(tok::is_valid_utf8("ok\xF0\x9F"));     // truncated at the end
  EXPECT_FALSE(tok::is_valid_utf8("\xFF"));
}

TEST(TokenizerUtf8, ReplacementKeepsValidTextAndReplacesEachBadSequence) {
  EXPECT_EQ(tok::with_replacement_characters("ok \u4e2d"), "ok \u4e2d");
  EXPECT_EQ(tok::with_replacement_characters("a\xFF" "b\xE0\x80"), "a\uFFFDb\uFFFD\uFFFD");
  EXPECT_TRUE(tok::is_valid_utf8(tok::with_replacement_characters("\xED\xA0\x80ok\xF0\x9F")));
}

TEST(JiebaDictionary, ParsesWordsAndFrequencies) {
  const auto entries = parse_jieba_dictionary("AT&T 3 nz\n中国 100 ns\r\n\n  x 0\nlast 7");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].word, "AT&T");
  EXPECT_EQ(entries[0].frequency, 3u);
  EXPECT_EQ(entries[1].word, "中国");
  EXPECT_EQ(entries[1].frequency, 100u);
  EXPECT_EQ(entries[2].frequency, 0u);
  EXPECT_EQ(entries[3].word, "last");
}

TEST(JiebaDictionary, RejectsMalformedLines) {
  EXPECT_THROW(parse_jieba_dictionary("word\n"), Error);
  EXPECT_THROW(parse_jieba_dictionary("word x1 n\n"), Error);
  EXPECT_THROW(parse_jieba_dictionary("word 99999999999\n"), Error);
}

TEST(JiebaSegmenter, MaximumProbabilityRoute) {
  const tok::JiebaSegmenter jieba(parse_jieba_dictionary("中 10\n国 10\n中国 100\n人 10\n中国人 1\n"));
  EXPECT_EQ(words_of(jieba, U"中国人"), (std::vector<std::string>{"中国", "人"}));
  EXPECT_EQ(words_of(jieba, U"人中国"), (std::vector<std::string>{"人", "中国"}));
}

TEST(JiebaSegmenter, PrefixesWithoutFrequencyAreNotWords) {
  // "中国人" is only a prefix of "中国人民" (frequency 0 entries are prefixes too).
  const tok::JiebaSegmenter jieba(parse_jieba_dictionary("中国人民 50\n人民 0\n"));
  EXPECT_EQ(words_of(jieba, U"中国人民"), (std::vector<std::string>{"中国人民"}));
  EXPECT_EQ(words_of(jieba, U"中国人"), (std::vector<std::string>{"中", "国", "人"}));
  EXPECT_EQ(words_of(jieba, U"人民"), (std::vector<std::string>{"人", "民"}));
}

TEST(JiebaSegmenter, TiesGoToTheLongerWord) {
  // With total = f * f, weight("甲乙") = log(1) - log(total) equals weight("甲") + weight("乙")
  // in exact arithmetic; find an f where the doubles tie exactly too.
  for (uint32_t f = 2; f <= 1024; f *= 2) {
    const double total = static_cast<double>(f) * f;
    const double whole = std::log(1.0) - std::log(total);
    const double part = std::log(static_cast<double>(f)) - std::log(total);
    if (whole != part + (part + 0.0)) continue;
    const std::string dictionary = "甲乙 1\n甲 " + std::to_string(f) + "\n乙 " + std::to_string(f) +
                                   "\n丙 " + std::to_string(f * f - 1 - 2 * f) + "\n";
    const tok::JiebaSegmenter jieba(parse_jieba_dictionary(dictionary));
    EXPECT_EQ(words_of(jieba, U"甲乙"), (std::vector<std::string>{"甲乙"}));
    return;
  }
  GTEST_SKIP() << "no frequency gave an exact floating-point tie on this libm";
}

TEST(JiebaSegmenter, GluesAsciiAndSplitsOtherCharacters) {
  const tok::JiebaSegmenter jieba(parse_jieba_dictionary("中文 10\nc++ 5\n"));
  EXPECT_EQ(words_of(jieba, U"abc123中文a.b c++"),
            (std::vector<std::string>{"abc123", "中文", "a", ".", "b", " ", "c++"}));
  EXPECT_EQ(words_of(jieba, U"中\r\n文\u3000！é\r"),
            (std::vector<std::string>{"中", "\r\n", "文", "\u3000", "！", "é", "\r"}));
  // U+9FD6 is outside jieba's word characters, U+9FD5 inside.
  EXPECT_EQ(words_of(jieba, U"\u9FD5\u9FD5\u9FD6"),
            (std::vector<std::string>{"\u9FD5", "\u9FD5", "\u9FD6"}));
}

TEST(TokenizerWordPiece, GreedyLongestMatch) {
  const Tokenizer tokenizer({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able",
                             "##a", "a", "!", "aff"},
                            TokenizerOptions{});
  EXPECT_EQ(tokens_of(tokenizer, "unaffable aff! UNAFFA"),
            (std::vector<std::string>{"un", "##aff", "##able", "aff", "!", "un", "##aff", "##a"}));
  EXPECT_EQ(tokens_of(tokenizer, "unaffx a"), (std::vector<std::string>{"[UNK]", "a"}));
  EXPECT_EQ(tokens_of(tokenizer, std::string(100, 'a')).size(), 100u);
  EXPECT_EQ(tokens_of(tokenizer, std::string(101, 'a')), (std::vector<std::string>{"[UNK]"}));
}

TEST(TokenizerOptions, CaseAndAccents) {
  const std::vector<std::string> vocab = {"[UNK]", "[CLS]", "[SEP]", "Café", "café", "cafe", "CAFE"};
  TokenizerOptions keep_case;
  keep_case.do_lower_case = false;
  EXPECT_EQ(tokens_of(Tokenizer(vocab, keep_case), "Café"), (std::vector<std::string>{"Café"}));
  keep_case.strip_accents = true;
  EXPECT_EQ(tokens_of(Tokenizer(vocab, keep_case), "CAFÉ"), (std::vector<std::string>{"CAFE"}));
  TokenizerOptions lower_keep_accents;
  lower_keep_accents.strip_accents = false;
  EXPECT_EQ(tokens_of(Tokenizer(vocab, lower_keep_accents), "CAFÉ"), (std::vector<std::string>{"café"}));
  EXPECT_EQ(tokens_of(Tokenizer(vocab, TokenizerOptions{}), "CAFÉ"), (std::vector<std::string>{"cafe"}));
}

TEST(TokenizerOptions, ChineseCharsKeptTogetherWhenAsked) {
  const std::vector<std::string> vocab = {"[UNK]", "[CLS]", "[SEP]", "中", "文", "中文"};
  TokenizerOptions together;
  together.tokenize_chinese_chars = false;
  EXPECT_EQ(tokens_of(Tokenizer(vocab, together), "中文"), (std::vector<std::string>{"中文"}));
  EXPECT_EQ(tokens_of(Tokenizer(vocab, TokenizerOptions{}), "中文"), (std::vector<std::string>{"中", "文"}));
}

TEST(TokenizerApi, VocabularyLookups) {
  const Tokenizer& tokenizer = bert_tokenizer();
  EXPECT_EQ(tokenizer.vocab_size(), 50000u);
  EXPECT_EQ(tokenizer.id_of("[UNK]"), 100);
  EXPECT_EQ(tokenizer.id_of("[MASK]"), 103);
  EXPECT_EQ(tokenizer.id_of("no such token"), std::nullopt);
  EXPECT_EQ(tokenizer.token(101), "[CLS]");
  EXPECT_THROW(tokenizer.token(50000), Error);
  EXPECT_THROW(tokenizer.token(-1), Error);
  EXPECT_FALSE(tokenizer.options().use_jieba);
  EXPECT_TRUE(jieba_tokenizer().options().use_jieba);
}

TEST(TokenizerApi, RejectsUnusableSetups) {
  EXPECT_THROW(Tokenizer({"[CLS]", "[SEP]"}, TokenizerOptions{}), Error);
  TokenizerOptions with_jieba;
  with_jieba.use_jieba = true;
  EXPECT_THROW(Tokenizer({"[UNK]", "[CLS]", "[SEP]"}, with_jieba), Error);
}

TEST(TokenizerApi, MovesKeepWorking) {
  Tokenizer first({"[UNK]", "[CLS]", "[SEP]", "a"}, TokenizerOptions{});
  Tokenizer second = std::move(first);
  EXPECT_EQ(tokens_of(second, "a b"), (std::vector<std::string>{"a", "[UNK]"}));
}

}  // namespace
}  // namespace roformer::test
