// WordPiece as transformers' WordpieceTokenizer does it: greedy longest match from the left,
// continuation pieces prefixed "##", and one [UNK] for a word longer than 100 characters or with
// a remainder no entry matches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/tokenizer/vocab.hpp"

namespace roformer::tok {

// A token with its [start, end) span in code points of the original text.
struct TokenSpan {
  int32_t id;
  int32_t start;
  int32_t end;
};

// transformers' max_input_chars_per_word.
constexpr size_t kMaxWordChars = 100;

// One word of `chars` code points: its UTF-8 bytes; for each code point, where it starts
// (char_bytes[i] - char_bytes[0] bytes into `bytes`; chars + 1 entries, the last one marking the
// end) and its index in the original text.
struct WordView {
  std::string_view bytes;
  const uint32_t* char_bytes;
  const int32_t* origins;
  size_t chars;
};

void wordpiece(const Vocabulary& vocab, int32_t unk_id, const WordView& word,
               std::vector<TokenSpan>& out);

}  // namespace roformer::tok
