#include "model/tokenizer/char_class.hpp"

#include <utf8proc.h>

#include <array>

namespace roformer::tok {
namespace {

constexpr std::array<BertClass, 128> make_ascii_classes() {
  std::array<BertClass, 128> classes{};
  for (int c = 0; c < 128; ++c) {
    if (c == '\t' || c == '\n' || c == '\r' || c == ' ') {
      classes[c] = BertClass::kSpace;
    } else if (c < 0x20 || c == 0x7F) {
      classes[c] = BertClass::kDrop;
    } else if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
               (c >= 123 && c <= 126)) {
      classes[c] = BertClass::kPunctuation;
    } else {
      classes[c] = BertClass::kOther;
    }
  }
  return classes;
}

constexpr std::array<BertClass, 128> kAsciiClasses = make_ascii_classes();

}  // namespace

bool is_python_space(char32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

BertClass bert_class(char32_t cp) {
  if (cp < 0x80) return kAsciiClasses[cp];
  // Every code point of the main CJK block is an assigned letter (Lo) as of Unicode 14, the
  // version Python 3.11 uses; utf8proc's tables may be older, so do not ask them.
  if (cp >= 0x4E00 && cp <= 0x9FFF) return BertClass::kOther;
  if (cp == 0xFFFD) return BertClass::kDrop;
  if (cp == 0x2028 || cp == 0x2029) return BertClass::kSpace;

  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
      return BertClass::kDrop;
    case UTF8PROC_CATEGORY_ZS:
      return BertClass::kSpace;
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return BertClass::kPunctuation;
    case UTF8PROC_CATEGORY_MN:
      return BertClass::kMark;
    default:
      return BertClass::kOther;
  }
}

size_t python_lower(char32_t cp, char32_t* out) {
  if (cp < 0x80) {
    out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 0x20 : cp;
    return 1;
  }
  if (cp >= 0x4E00 && cp <= 0x9FFF) {
    out[0] = cp;
    return 1;
  }
  // The one unconditional multi-character lower-case mapping of SpecialCasing.txt; the
  // conditional ones (final sigma, Lithuanian, Turkish) do not apply to a single code point.
  if (cp == 0x130) {
    out[0] = U'i';
    out[1] = 0x307;
    return 2;
  }
  out[0] = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
  return 1;
}

size_t canonical_decompose(char32_t cp, char32_t* out, size_t out_capacity) {
  // Nothing below U+00C0 and nothing in the main CJK block has a canonical decomposition.
  if (cp < 0xC0 || (cp >= 0x4E00 && cp <= 0x9FFF)) {
    out[0] = cp;
    return 1;
  }
  utf8proc_int32_t buffer[8];
  int boundclass = 0;
  const utf8proc_ssize_t count = utf8proc_decompose_char(
      static_cast<utf8proc_int32_t>(cp), buffer, 8, UTF8PROC_DECOMPOSE, &boundclass);
  if (count <= 0 || static_cast<size_t>(count) > out_capacity) {
    out[0] = cp;
    return 1;
  }
  for (utf8proc_ssize_t i = 0; i < count; ++i) out[i] = static_cast<char32_t>(buffer[i]);
  return static_cast<size_t>(count);
}

}  // namespace roformer::tok
