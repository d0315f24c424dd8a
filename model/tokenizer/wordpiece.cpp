#include "model/tokenizer/wordpiece.hpp"

#include <algorithm>

namespace roformer::tok {

void wordpiece(const Vocabulary& vocab, int32_t unk_id, const WordView& word,
               std::vector<TokenSpan>& out) {
  if (word.chars == 0) return;
  const TokenSpan unknown{unk_id, word.origins[0], word.origins[word.chars - 1] + 1};
  if (word.chars > kMaxWordChars) {
    out.push_back(unknown);
    return;
  }

  const size_t first_piece = out.size();
  const uint32_t base = word.char_bytes[0];
  size_t start = 0;
  while (start < word.chars) {
    const size_t longest = start == 0 ? vocab.max_token_chars() : vocab.max_continuation_chars();
    size_t end = std::min(word.chars, start + longest);
    int32_t id = -1;
    for (; end > start; --end) {
      const std::string_view piece = word.bytes.substr(word.char_bytes[start] - base,
                                                       word.char_bytes[end] - word.char_bytes[start]);
      id = start == 0 ? vocab.find(piece) : vocab.find_continuation(piece);
      if (id >= 0) break;
    }
    if (id < 0) {
      out.resize(first_piece);
      out.push_back(unknown);
      return;
    }
    out.push_back(TokenSpan{id, word.origins[start], word.origins[end - 1] + 1});
    start = end;
  }
}

}  // namespace roformer::tok
