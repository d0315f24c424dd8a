// The RoFormer / BERT pipeline: special tokens, lower-casing, jieba (optional), the basic
// tokenizer and WordPiece, then [CLS]/[SEP] and longest-first truncation. The steps and their
// order follow /work/shared/tokenizer/README.md ("The reference pipeline").
#include "model/tokenizer/tokenizer.hpp"

#include <array>

#include "engine/error.hpp"
#include "model/tokenizer/basic_tokenizer.hpp"
#include "model/tokenizer/char_class.hpp"
#include "model/tokenizer/jieba.hpp"
#include "model/tokenizer/utf8.hpp"
#include "model/tokenizer/vocab.hpp"
#include "model/tokenizer/wordpiece.hpp"

namespace roformer {
namespace {

using tok::TokenSpan;

// The special tokens transformers registers for BERT-style tokenizers, matched case-sensitively
// in the original text and never split further.
constexpr std::array<std::string_view, 5> kSpecialTokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]",
                                                            "[MASK]"};

// Buffers reused across encode() calls on one thread.
struct Scratch {
  std::vector<char32_t> text;          // the decoded input
  std::vector<char32_t> lowered;       // one piece between special tokens, lower-cased
  std::vector<int32_t> origins;        // per lowered code point, its index in text
  std::string lowered_bytes;           // UTF-8 of lowered
  std::vector<uint32_t> lowered_char_bytes;
  std::vector<tok::WordRange> words;
  tok::JiebaSegmenter::Scratch jieba;
  tok::BasicWords basic;
};

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Length of the special token starting at text[pos] and its index in kSpecialTokens, or {0, 0}.
std::pair<size_t, size_t> match_special(const std::vector<char32_t>& text, size_t pos) {
  for (size_t s = 0; s < kSpecialTokens.size(); ++s) {
    const std::string_view name = kSpecialTokens[s];
    if (pos + name.size() > text.size()) continue;
    size_t k = 0;
    while (k < name.size() && text[pos + k] == static_cast<char32_t>(name[k])) ++k;
    if (k == name.size()) return {name.size(), s};
  }
  return {0, 0};
}

}  // namespace

struct Tokenizer::Impl {
  Impl(std::vector<std::string> vocab_tokens, TokenizerOptions opts)
      : options(opts), vocab(std::move(vocab_tokens)) {}

  TokenizerOptions options;
  tok::Vocabulary vocab;
  std::unique_ptr<tok::JiebaSegmenter> jieba;
  tok::BasicOptions basic;
  int32_t unk_id = 0;
  int32_t cls_id = 0;
  int32_t sep_id = 0;
  std::array<int32_t, kSpecialTokens.size()> special_ids{};

  void tokenize(std::string_view text, std::vector<TokenSpan>& out, Scratch& scratch) const;
  void tokenize_piece(size_t begin, size_t end, std::vector<TokenSpan>& out, Scratch& scratch) const;
  void basic_and_wordpiece(const char32_t* text, const int32_t* origins, size_t size,
                           std::vector<TokenSpan>& out, Scratch& scratch) const;
};

void Tokenizer::Impl::tokenize(std::string_view text, std::vector<TokenSpan>& out,
                               Scratch& scratch) const {
  scratch.text.clear();
  tok::decode_utf8(text, scratch.text);
  const std::vector<char32_t>& chars = scratch.text;

  // Pieces between special tokens are segmented on their own. Whitespace next to a special
  // token, which transformers strips, would be dropped by the basic tokenizer anyway.
  size_t piece_begin = 0;
  for (size_t pos = 0; pos < chars.size();) {
    if (chars[pos] != '[') {
      ++pos;
      continue;
    }
    const auto [length, which] = match_special(chars, pos);
    if (length == 0) {
      ++pos;
      continue;
    }
    tokenize_piece(piece_begin, pos, out, scratch);
    out.push_back(TokenSpan{special_ids[which], static_cast<int32_t>(pos),
                            static_cast<int32_t>(pos + length)});
    pos += length;
    piece_begin = pos;
  }
  tokenize_piece(piece_begin, chars.size(), out, scratch);
}

void Tokenizer::Impl::tokenize_piece(size_t begin, size_t end, std::vector<TokenSpan>& out,
                                     Scratch& scratch) const {
  if (begin == end) return;
  const std::vector<char32_t>& chars = scratch.text;

  // Lower-casing goes one code point at a time (as transformers' per-character regex does), so
  // Python's final-sigma rule never applies; U+0130 grows into two code points.
  std::vector<char32_t>& lowered = scratch.lowered;
  std::vector<int32_t>& origins = scratch.origins;
  lowered.clear();
  origins.clear();
  for (size_t i = begin; i < end; ++i) {
    char32_t mapped[2] = {chars[i], 0};
    const size_t count = options.do_lower_case ? tok::python_lower(chars[i], mapped) : 1;
    for (size_t k = 0; k < count; ++k) {
      lowered.push_back(mapped[k]);
      origins.push_back(static_cast<int32_t>(i));
    }
  }

  if (!jieba) {
    basic_and_wordpiece(lowered.data(), origins.data(), lowered.size(), out, scratch);
    return;
  }

  std::string& bytes = scratch.lowered_bytes;
  std::vector<uint32_t>& char_bytes = scratch.lowered_char_bytes;
  bytes.clear();
  char_bytes.clear();
  for (char32_t cp : lowered) {
    char_bytes.push_back(static_cast<uint32_t>(bytes.size()));
    tok::append_utf8(cp, bytes);
  }
  char_bytes.push_back(static_cast<uint32_t>(bytes.size()));

  // A jieba word the vocabulary knows is a token as it is; any other word goes through the
  // basic tokenizer and WordPiece on its own.
  scratch.words.clear();
  jieba->cut(lowered.data(), lowered.size(), scratch.words, scratch.jieba);
  for (const auto& [first, last] : scratch.words) {
    const std::string_view word(bytes.data() + char_bytes[first], char_bytes[last] - char_bytes[first]);
    const int32_t id = vocab.find(word);
    if (id >= 0) {
      out.push_back(TokenSpan{id, origins[first], origins[last - 1] + 1});
    } else {
      basic_and_wordpiece(lowered.data() + first, origins.data() + first, last - first, out,
                          scratch);
    }
  }
}

void Tokenizer::Impl::basic_and_wordpiece(const char32_t* text, const int32_t* origins, size_t size,
                                          std::vector<TokenSpan>& out, Scratch& scratch) const {
  scratch.basic.clear();
  tok::basic_tokenize(text, origins, size, basic, scratch.basic);
  for (size_t w = 0; w < scratch.basic.word_count(); ++w) {
    tok::wordpiece(vocab, unk_id, scratch.basic.word(w), out);
  }
}

Tokenizer::Tokenizer(std::vector<std::string> vocab, TokenizerOptions options,
                     std::vector<JiebaEntry> jieba_dictionary)
    : impl_(std::make_unique<Impl>(std::move(vocab), options)) {
  Impl& impl = *impl_;
  const auto require = [&](std::string_view name) {
    const int32_t id = impl.vocab.find(name);
    if (id < 0) {
      fail(ErrorCode::kBadModel, "tokenizer vocabulary (", impl.vocab.size(),
           " entries) has no ", name, " token; expected a BERT-style vocab.txt");
    }
    return id;
  };
  impl.unk_id = require("[UNK]");
  impl.cls_id = require("[CLS]");
  impl.sep_id = require("[SEP]");
  for (size_t s = 0; s < kSpecialTokens.size(); ++s) {
    const int32_t id = impl.vocab.find(kSpecialTokens[s]);
    impl.special_ids[s] = id >= 0 ? id : impl.unk_id;
  }

  // BERT: strip_accents unset follows do_lower_case.
  impl.basic.tokenize_chinese_chars = options.tokenize_chinese_chars;
  impl.basic.strip_accents = options.strip_accents.value_or(options.do_lower_case);

  if (options.use_jieba) {
    if (jieba_dictionary.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "tokenizer: use_jieba is set but the jieba dictionary is empty (expected dict.txt entries)");
    }
    impl.jieba = std::make_unique<tok::JiebaSegmenter>(jieba_dictionary);
  }
}

Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

Encoding Tokenizer::encode(std::string_view text, std::optional<std::string_view> text_pair,
                           size_t max_length) const {
  Scratch& scratch = thread_scratch();
  std::vector<TokenSpan> first;
  std::vector<TokenSpan> second;
  impl_->tokenize(text, first, scratch);
  const bool is_pair = text_pair.has_value();
  if (is_pair) impl_->tokenize(*text_pair, second, scratch);

  Encoding encoding;
  // longest_first: drop the last token of the longer sequence (the second on a tie) until the
  // total with specials fits. If the specials alone exceed max_length, both sequences empty out
  // and the result keeps its specials, longer than max_length.
  if (max_length > 0) {
    const size_t specials = is_pair ? 3 : 2;
    while (first.size() + second.size() + specials > max_length) {
      if (!is_pair || first.size() > second.size()) {
        if (first.empty()) break;
        first.pop_back();
      } else {
        if (second.empty()) break;
        second.pop_back();
      }
      encoding.truncated = true;
    }
  }

  const size_t total = first.size() + second.size() + (is_pair ? 3 : 2);
  encoding.tokens.reserve(total);
  encoding.input_ids.reserve(total);
  encoding.token_type_ids.reserve(total);
  encoding.offsets.reserve(total);
  const auto emit = [&](int32_t id, int32_t type, int32_t start, int32_t end) {
    encoding.tokens.push_back(impl_->vocab.token(id));
    encoding.input_ids.push_back(id);
    encoding.token_type_ids.push_back(type);
    encoding.offsets.emplace_back(start, end);
  };

  emit(impl_->cls_id, 0, -1, -1);
  for (const TokenSpan& span : first) emit(span.id, 0, span.start, span.end);
  emit(impl_->sep_id, 0, -1, -1);
  if (is_pair) {
    for (const TokenSpan& span : second) emit(span.id, 1, span.start, span.end);
    emit(impl_->sep_id, 1, -1, -1);
  }
  return encoding;
}

size_t Tokenizer::vocab_size() const { return impl_->vocab.size(); }

const std::string& Tokenizer::token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->vocab.size()) {
    fail(ErrorCode::kInvalidArgument, "token id ", id, " is outside the vocabulary [0, ",
         impl_->vocab.size(), ")");
  }
  return impl_->vocab.token(id);
}

std::optional<int32_t> Tokenizer::id_of(std::string_view token) const {
  const int32_t id = impl_->vocab.find(token);
  if (id < 0) return std::nullopt;
  return id;
}

const TokenizerOptions& Tokenizer::options() const { return impl_->options; }

}  // namespace roformer
