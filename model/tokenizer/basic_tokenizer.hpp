// The BERT basic tokenizer (transformers' BasicTokenizer) on code points that are already
// lower-cased when lower-casing is on: drop NUL, U+FFFD and control characters, split at
// whitespace, put CJK ideographs in words of their own, strip accents (NFD, drop category Mn),
// split off punctuation. Every output character keeps the original index it came from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/tokenizer/wordpiece.hpp"

namespace roformer::tok {

struct BasicOptions {
  bool tokenize_chinese_chars = true;
  bool strip_accents = true;
};

// Words back to back in shared buffers; word w is code points [word_ends[w - 1], word_ends[w]).
struct BasicWords {
  std::string bytes;                  // UTF-8 of every code point
  std::vector<uint32_t> char_bytes;   // per code point its first byte, plus one end marker
  std::vector<int32_t> origins;       // per code point its index in the original text
  std::vector<uint32_t> word_ends;

  void clear() {
    bytes.clear();
    char_bytes.clear();
    origins.clear();
    word_ends.clear();
  }
  size_t word_count() const { return word_ends.size(); }
  WordView word(size_t w) const {
    const uint32_t begin = w == 0 ? 0 : word_ends[w - 1];
    const uint32_t end = word_ends[w];
    return WordView{std::string_view(bytes).substr(char_bytes[begin]), &char_bytes[begin],
                    &origins[begin], end - begin};
  }
};

// Appends the words of text[0, size) (original indices in origins) to out.
void basic_tokenize(const char32_t* text, const int32_t* origins, size_t size,
                    const BasicOptions& options, BasicWords& out);

}  // namespace roformer::tok
