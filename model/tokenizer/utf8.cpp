#include "model/tokenizer/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace roformer::tok {

namespace {

// Decodes the sequence that starts with the non-ASCII byte at bytes[pos] into cp and moves pos past
// it. Returns false, with cp = U+FFFD, for an ill-formed sequence: then pos moves past the longest
// prefix that could have started a well-formed one (at least the lead byte).
bool decode_sequence(const uint8_t* bytes, size_t size, size_t& pos, char32_t& cp) {
  const uint8_t lead = bytes[pos];
  // Length and the allowed range of the second byte (which excludes overlong forms,
  // surrogates and values above U+10FFFF); later bytes are always 80..BF.
  int length = 0;
  uint8_t second_lo = 0x80, second_hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    if (lead == 0xE0) second_lo = 0xA0;
    if (lead == 0xED) second_hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    if (lead == 0xF0) second_lo = 0x90;
    if (lead == 0xF4) second_hi = 0x8F;
  } else {
    cp = kReplacementChar;  // stray continuation byte, C0, C1, F5..FF
    ++pos;
    return false;
  }

  ++pos;
  for (int i = 1; i < length; ++i, ++pos) {
    const uint8_t lo = i == 1 ? second_lo : 0x80;
    const uint8_t hi = i == 1 ? second_hi : 0xBF;
    if (pos >= size || bytes[pos] < lo || bytes[pos] > hi) {
      cp = kReplacementChar;
      return false;
    }
    cp = (cp << 6) | (bytes[pos] & 0x3F);
  }
  return true;
}

}  // namespace

void decode_utf8(std::string_view text, std::vector<char32_t>& out) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const size_t size = text.size();
  // Grow geometrically: callers append many short strings to one buffer.
  if (out.capacity() < out.size() + size) out.reserve(std::max(2 * out.capacity(), out.size() + size));

  size_t pos = 0;
  while (pos < size) {
    // ASCII fast path: eight bytes at a time while no high bit is set.
    while (pos + 8 <= size) {
      uint64_t word;
      std::memcpy(&word, bytes + pos, 8);
      if (word & 0x8080808080808080ull) break;
      for (int i = 0; i < 8; ++i) out.push_back(bytes[pos + i]);
      pos += 8;
    }
    if (pos >= size) break;
    if (bytes[pos] < 0x80) {
      out.push_back(bytes[pos++]);
      continue;
    }
    char32_t cp = 0;
    decode_sequence(bytes, size, pos, cp);
    out.push_back(cp);
  }
}

std::string with_replacement_characters(std::string_view text) {
  std::vector<char32_t> code_points;
  decode_utf8(text, code_points);
  std::string replaced;
  replaced.reserve(text.size() + 8);
  for (const char32_t cp : code_points) append_utf8(cp, replaced);
  return replaced;
}

bool is_valid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const size_t size = text.size();
  size_t pos = 0;
  while (pos < size) {
    if (bytes[pos] < 0x80) {
      ++pos;
      continue;
    }
    char32_t cp = 0;
    if (!decode_sequence(bytes, size, pos, cp)) return false;
  }
  return true;
}

}  // namespace roformer::tok
