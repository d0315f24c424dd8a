// Text to token ids, as the Python RoFormer / BERT tokenizers do it: optional jieba word
// segmentation (HMM off), then the BERT basic tokenizer and WordPiece.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roformer {

struct TokenizerOptions {
  bool use_jieba = false;               // RoFormerTokenizer (word-level vocabularies)
  bool do_lower_case = true;
  bool tokenize_chinese_chars = true;
  std::optional<bool> strip_accents;    // unset: follow do_lower_case, as BERT does
};

struct JiebaEntry {
  std::string word;
  uint32_t frequency = 0;
};

struct Encoding {
  std::vector<std::string> tokens;      // [CLS] ... [SEP] (... [SEP])
  std::vector<int32_t> input_ids;
  std::vector<int32_t> token_type_ids;
  // [start, end) in Unicode code points of the original text (of the second text for the pair's
  // tokens); {-1, -1} for [CLS] and [SEP].
  std::vector<std::pair<int32_t, int32_t>> offsets;
  bool truncated = false;               // max_length removed tokens
};

class Tokenizer {
 public:
  // vocab: one entry per id. jieba_dictionary is used only when options.use_jieba.
  Tokenizer(std::vector<std::string> vocab, TokenizerOptions options,
            std::vector<JiebaEntry> jieba_dictionary = {});
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  // max_length: 0 = no limit; otherwise the total including specials, truncated longest-first.
  // Invalid UTF-8 is replaced by U+FFFD (which the basic tokenizer then drops); never throws on
  // text content.
  Encoding encode(std::string_view text, std::optional<std::string_view> text_pair = std::nullopt,
                  size_t max_length = 0) const;

  size_t vocab_size() const;
  const std::string& token(int32_t id) const;
  std::optional<int32_t> id_of(std::string_view token) const;
  const TokenizerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses jieba's dict.txt format: "word frequency [tag]" per line.
std::vector<JiebaEntry> parse_jieba_dictionary(std::string_view text);

}  // namespace roformer
