#include "model/tokenizer/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace roformer::tok {

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

    const uint8_t lead = bytes[pos];
    if (lead < 0x80) {
      out.push_back(lead);
      ++pos;
      continue;
    }

    // Length and the allowed range of the second byte (which excludes overlong forms,
    // surrogates and values above U+10FFFF); later bytes are always 80..BF.
    int length = 0;
    uint8_t second_lo = 0x80, second_hi = 0xBF;
    char32_t cp = 0;
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
      out.push_back(kReplacementChar);  // stray continuation byte, C0, C1, F5..FF
      ++pos;
      continue;
    }

    size_t next = pos + 1;
    bool complete = true;
    for (int i = 1; i < length; ++i, ++next) {
      const uint8_t lo = i == 1 ? second_lo : 0x80;
      const uint8_t hi = i == 1 ? second_hi : 0xBF;
      if (next >= size || bytes[next] < lo || bytes[next] > hi) {
        complete = false;
        break;
      }
      cp = (cp << 6) | (bytes[next] & 0x3F);
    }
    out.push_back(complete ? cp : kReplacementChar);
    pos = next;
  }
}

bool is_valid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const size_t size = text.size();
  size_t pos = 0;
  while (pos < size) {
    const uint8_t lead = bytes[pos];
    if (lead < 0x80) {
      ++pos;
      continue;
    }
    // The same table as decode_utf8 (Unicode 15, table 3-7).
    int length = 0;
    uint8_t second_lo = 0x80, second_hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) second_lo = 0xA0;
      if (lead == 0xED) second_hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) second_lo = 0x90;
      if (lead == 0xF4) second_hi = 0x8F;
    } else {
      return false;
    }
    if (pos + length > size) return false;
    for (int i = 1; i < length; ++i) {
      const uint8_t lo = i == 1 ? second_lo : 0x80;
      const uint8_t hi = i == 1 ? second_hi : 0xBF;
      if (bytes[pos + i] < lo || bytes[pos + i] > hi) return false;
    }
    pos += length;
  }
  return true;
}

}  // namespace roformer::tok
