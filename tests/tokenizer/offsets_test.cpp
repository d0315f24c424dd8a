// Offset invariants on every case: spans never decrease, a span's text normalises to its token,
// an [UNK] covers the characters it replaced, specials added by the tokenizer have {-1, -1}.
#include <gtest/gtest.h>

#include "model/tokenizer/char_class.hpp"
#include "model/tokenizer/utf8.hpp"
#include "test_data.hpp"

namespace roformer::test {
namespace {

std::string utf8_of(const std::vector<char32_t>& chars, int32_t start, int32_t end, bool normalise) {
  std::string out;
  for (int32_t i = start; i < end; ++i) {
    char32_t lowered[2];
    const size_t count = normalise ? tok::python_lower(chars[i], lowered) : (lowered[0] = chars[i], 1);
    for (size_t k = 0; k < count; ++k) {
      if (!normalise) {
        tok::append_utf8(lowered[k], out);
        continue;
      }
      const tok::BertClass cls = tok::bert_class(lowered[k]);
      if (cls == tok::BertClass::kDrop || cls == tok::BertClass::kSpace) continue;
      char32_t parts[8];
      const size_t part_count = tok::canonical_decompose(lowered[k], parts, 8);
      for (size_t p = 0; p < part_count; ++p) {
        if (tok::bert_class(parts[p]) != tok::BertClass::kMark) tok::append_utf8(parts[p], out);
      }
    }
  }
  return out;
}

// Checks one side (text or pair) of an encoding: tokens [begin, end).
void check_spans(const Encoding& encoding, size_t begin, size_t end, const std::string& text) {
  std::vector<char32_t> chars;
  tok::decode_utf8(text, chars);
  const auto size = static_cast<int32_t>(chars.size());

  int32_t previous_start = 0, previous_end = 0;
  size_t i = begin;
  while (i < end) {
    const auto [start, stop] = encoding.offsets[i];
    SCOPED_TRACE("token " + std::to_string(i) + " '" + encoding.tokens[i] + "' [" +
                 std::to_string(start) + ", " + std::to_string(stop) + ")");
    ASSERT_GE(start, 0);
    ASSERT_LT(start, stop);
    ASSERT_LE(stop, size);
    EXPECT_GE(start, previous_start);
    EXPECT_GE(stop, previous_end);

    // Tokens that share one span (a character that decomposes into several, e.g. a Hangul
    // syllable into jamo, split by WordPiece) are checked together.
    size_t group_end = i + 1;
    while (group_end < end && encoding.offsets[group_end] == encoding.offsets[i]) ++group_end;
    std::string joined;
    bool has_unknown = false;
    for (size_t k = i; k < group_end; ++k) {
      std::string_view token = encoding.tokens[k];
      has_unknown |= token == "[UNK]";
      if (token.size() > 2 && token.substr(0, 2) == "##") token.remove_prefix(2);
      joined += token;
    }

    const std::string raw = utf8_of(chars, start, stop, /*normalise=*/false);
    if (has_unknown) {
      // An [UNK] replaced a word: its span starts and ends on a kept character.
      EXPECT_FALSE(utf8_of(chars, start, start + 1, true).empty()) << raw;
      EXPECT_FALSE(utf8_of(chars, stop - 1, stop, true).empty()) << raw;
    } else if (joined != raw) {
      EXPECT_EQ(joined, utf8_of(chars, start, stop, /*normalise=*/true)) << "surface '" << raw << "'";
    }
    previous_start = start;
    previous_end = stop;
    i = group_end;
  }
}

void check_encoding(const Encoding& encoding, const std::string& text, const std::optional<std::string>& pair) {
  ASSERT_EQ(encoding.offsets.size(), encoding.tokens.size());
  ASSERT_GE(encoding.tokens.size(), 2u);
  EXPECT_EQ(encoding.offsets.front(), std::make_pair(-1, -1));
  EXPECT_EQ(encoding.offsets.back(), std::make_pair(-1, -1));

  size_t first_sep = 1;
  while (first_sep < encoding.tokens.size() && encoding.offsets[first_sep].first >= 0) ++first_sep;
  ASSERT_LT(first_sep, encoding.tokens.size());
  EXPECT_EQ(encoding.tokens[first_sep], "[SEP]");
  check_spans(encoding, 1, first_sep, text);
  if (pair) {
    ASSERT_EQ(encoding.offsets.back(), std::make_pair(-1, -1));
    check_spans(encoding, first_sep + 1, encoding.tokens.size() - 1, *pair);
  } else {
    EXPECT_EQ(first_sep + 1, encoding.tokens.size());
  }
}

void check_file(const Tokenizer& tokenizer, const std::string& file) {
  for (const auto& row : read_jsonl(tokenizer_data(file))) {
    const std::string text = row["text"].get<std::string>();
    std::optional<std::string> pair;
    if (row.contains("text_pair")) pair = row["text_pair"].get<std::string>();
    SCOPED_TRACE(file + ": " + text);
    check_encoding(pair ? tokenizer.encode(text, std::string_view(*pair)) : tokenizer.encode(text),
                   text, pair);
  }
}

TEST(TokenizerOffsets, JiebaCases) { check_file(jieba_tokenizer(), "cases.jsonl"); }

TEST(TokenizerOffsets, BertCases) { check_file(bert_tokenizer(), "cases_nojieba.jsonl"); }

TEST(TokenizerOffsets, LowerCasingThatGrowsTheText) {
  // "İ" lower-cases to two code points; the tokens after it must still point at the original.
  const std::string text = "İstanbul İİ ΣΑΣ Straße x";
  for (const Tokenizer* tokenizer : {&jieba_tokenizer(), &bert_tokenizer()}) {
    const Encoding encoding = tokenizer->encode(text);
    check_encoding(encoding, text, std::nullopt);
    EXPECT_EQ(encoding.offsets[encoding.offsets.size() - 2], std::make_pair(23, 24));
  }
}

TEST(TokenizerOffsets, UnknownCoversTheWord) {
  const Encoding encoding = bert_tokenizer().encode("ab ＡＢＣ cd");
  ASSERT_EQ(encoding.tokens.size(), 5u);
  EXPECT_EQ(encoding.tokens[2], "[UNK]");
  EXPECT_EQ(encoding.offsets[2], std::make_pair(3, 6));
}

TEST(TokenizerOffsets, ChnSentiReviews) {
  const auto rows = read_jsonl(std::string(ROFORMER_TEST_DATA) + "/chnsenti/test.jsonl");
  for (size_t i = 0; i < rows.size(); i += 7) {
    const std::string text = rows[i]["text"].get<std::string>();
    SCOPED_TRACE(text);
    check_encoding(jieba_tokenizer().encode(text), text, std::nullopt);
  }
}

}  // namespace
}  // namespace roformer::test
