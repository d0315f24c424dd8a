#include "model/tokenizer/vocab.hpp"

#include <algorithm>

namespace roformer::tok {
namespace {

size_t count_chars(std::string_view text) {
  size_t count = 0;
  for (char byte : text) count += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  return count;
}

}  // namespace

Vocabulary::Vocabulary(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  tokens_map_.reserve(tokens_.size());
  for (size_t id = 0; id < tokens_.size(); ++id) {
    const std::string_view token = tokens_[id];
    tokens_map_.insert(token, static_cast<int32_t>(id));
    max_token_chars_ = std::max(max_token_chars_, count_chars(token));
    if (token.size() > 2 && token[0] == '#' && token[1] == '#') {
      const std::string_view piece = token.substr(2);
      continuation_map_.insert(piece, static_cast<int32_t>(id));
      max_continuation_chars_ = std::max(max_continuation_chars_, count_chars(piece));
    }
  }
}

}  // namespace roformer::tok
