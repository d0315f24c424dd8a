// The WordPiece vocabulary: token strings by id, and two lookups by bytes, one for whole tokens
// and one for continuation pieces ("##" entries, keyed without the prefix).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/string_map.hpp"

namespace roformer::tok {

class Vocabulary {
 public:
  explicit Vocabulary(std::vector<std::string> tokens);

  // Id of a token, or -1. With duplicate lines the last id wins, as in transformers' load_vocab.
  int32_t find(std::string_view token) const { return tokens_map_.find(token); }
  // Id of "##" + piece, or -1.
  int32_t find_continuation(std::string_view piece) const { return continuation_map_.find(piece); }

  const std::string& token(int32_t id) const { return tokens_[static_cast<size_t>(id)]; }
  size_t size() const { return tokens_.size(); }

  // Longest entry in code points, for whole tokens and for continuation pieces (without "##"):
  // WordPiece never needs to try a longer substring.
  size_t max_token_chars() const { return max_token_chars_; }
  size_t max_continuation_chars() const { return max_continuation_chars_; }

 private:
  std::vector<std::string> tokens_;
  StringIdMap tokens_map_;
  StringIdMap continuation_map_;
  size_t max_token_chars_ = 0;
  size_t max_continuation_chars_ = 0;
};

}  // namespace roformer::tok
