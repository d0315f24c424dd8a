#include "model/tokenizer/basic_tokenizer.hpp"

#include "model/tokenizer/char_class.hpp"
#include "model/tokenizer/utf8.hpp"

namespace roformer::tok {
namespace {

// Builds words into BasicWords; a word is closed at the next break() once it has characters.
class WordBuilder {
 public:
  explicit WordBuilder(BasicWords& out) : out_(out), open_chars_(out.origins.size()) {}

  void add(char32_t cp, int32_t origin) {
    out_.char_bytes.push_back(static_cast<uint32_t>(out_.bytes.size()));
    out_.origins.push_back(origin);
    append_utf8(cp, out_.bytes);
  }

  void split() {
    const size_t chars = out_.origins.size();
    if (chars > open_chars_) {
      out_.word_ends.push_back(static_cast<uint32_t>(chars));
      open_chars_ = chars;
    }
  }

  // Punctuation is a word of its own.
  void add_alone(char32_t cp, int32_t origin) {
    split();
    add(cp, origin);
    split();
  }

  // Closes the last word and appends the end marker of the last code point.
  void finish() {
    split();
    out_.char_bytes.push_back(static_cast<uint32_t>(out_.bytes.size()));
  }

 private:
  BasicWords& out_;
  size_t open_chars_;
};

}  // namespace

void basic_tokenize(const char32_t* text, const int32_t* origins, size_t size,
                    const BasicOptions& options, BasicWords& out) {
  // Appending: the end marker of earlier words is re-added by finish() (same byte offset).
  if (out.char_bytes.size() > out.origins.size()) out.char_bytes.pop_back();
  WordBuilder words(out);

  for (size_t i = 0; i < size; ++i) {
    const char32_t cp = text[i];
    const int32_t origin = origins[i];

    const BertClass cls = bert_class(cp);
    if (cls == BertClass::kDrop) continue;  // removed outright: its neighbours join
    if (cls == BertClass::kSpace) {
      words.split();
      continue;
    }
    if (cp < 0x80) {
      if (cls == BertClass::kPunctuation) {
        words.add_alone(cp, origin);
      } else {
        words.add(cp, origin);
      }
      continue;
    }

    const bool alone = options.tokenize_chinese_chars && is_cjk_ideograph(cp);
    if (alone) words.split();
    if (options.strip_accents) {
      char32_t decomposed[8];
      const size_t count = canonical_decompose(cp, decomposed, 8);
      for (size_t k = 0; k < count; ++k) {
        const char32_t part = decomposed[k];
        const BertClass part_class = part == cp ? cls : bert_class(part);
        if (part_class == BertClass::kMark) continue;
        if (part_class == BertClass::kPunctuation) {
          words.add_alone(part, origin);
        } else {
          words.add(part, origin);
        }
      }
    } else if (cls == BertClass::kPunctuation) {
      words.add_alone(cp, origin);
    } else {
      words.add(cp, origin);
    }
    if (alone) words.split();
  }
  words.finish();
}

}  // namespace roformer::tok
