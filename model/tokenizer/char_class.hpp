// Character classes of the Python reference tokenizers, with ASCII and CJK fast paths in front of
// utf8proc's Unicode tables.
#pragma once

#include <cstddef>
#include <cstdint>

namespace roformer::tok {

// Python's str.isspace(): bidirectional class WS, B or S, or category Zs. This is also what
// re's \s matches in jieba's patterns.
bool is_python_space(char32_t cp);

// The CJK ideograph blocks BERT puts spaces around (transformers' _is_chinese_char).
inline bool is_cjk_ideograph(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// jieba's word characters: [\u4E00-\u9FD5a-zA-Z0-9+#&._%-].
inline bool is_jieba_word_char(char32_t cp) {
  if (cp >= 0x4E00) return cp <= 0x9FD5;
  if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return true;
  if (cp >= '0' && cp <= '9') return true;
  return cp == '+' || cp == '#' || cp == '&' || cp == '.' || cp == '_' || cp == '%' || cp == '-';
}

inline bool is_ascii_alnum(char32_t cp) {
  return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
}

// What the BERT basic tokenizer does with one character after lower-casing.
enum class BertClass : uint8_t {
  kDrop,         // U+0000, U+FFFD, category C other than tab, LF, CR
  kSpace,        // separates words: BERT whitespace (space, tab, LF, CR, Zs) and U+2028/U+2029,
                 // which survive cleaning but still split in Python's str.split()
  kPunctuation,  // ASCII 33-47, 58-64, 91-96, 123-126, or category P*
  kMark,         // category Mn (dropped when stripping accents)
  kOther,
};

BertClass bert_class(char32_t cp);

// Python's str.lower() of one code point; writes one or two code points (U+0130 becomes
// "i" + U+0307) and returns how many.
size_t python_lower(char32_t cp, char32_t* out);

// Canonical decomposition (NFD) of one code point; writes up to out_capacity code points and
// returns how many (at most 4 for any current Unicode character).
size_t canonical_decompose(char32_t cp, char32_t* out, size_t out_capacity);

}  // namespace roformer::tok
