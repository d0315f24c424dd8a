// UTF-8 to code points and back. Decoding never fails: each ill-formed byte sequence becomes one
// U+FFFD, the way Python's bytes.decode("utf-8", errors="replace") does it (one replacement per
// maximal subpart of an ill-formed sequence, Unicode 15 section 3.9).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace roformer::tok {

constexpr char32_t kReplacementChar = 0xFFFD;

// Appends the code points of text to out.
void decode_utf8(std::string_view text, std::vector<char32_t>& out);

// Whether text is well-formed UTF-8, i.e. whether decode_utf8 would replace nothing.
bool is_valid_utf8(std::string_view text);

// text with each ill-formed sequence replaced by U+FFFD, as decode_utf8 replaces it.
std::string with_replacement_characters(std::string_view text);

// Appends the UTF-8 encoding of cp to out; cp must be a valid scalar value.
inline void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char bytes[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(bytes, 2);
  } else if (cp < 0x10000) {
    const char bytes[3] = {static_cast<char>(0xE0 | (cp >> 12)),
                           static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                           static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(bytes, 3);
  } else {
    const char bytes[4] = {static_cast<char>(0xF0 | (cp >> 18)),
                           static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                           static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                           static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(bytes, 4);
  }
}

}  // namespace roformer::tok
