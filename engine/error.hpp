// Errors: one exception type inside the engine; the C API and the command line turn it into codes.
// ErrorCode and Error themselves are public: engine/include/roformer/error.hpp.
#pragma once

#include <exception>
#include <sstream>
#include <string>
#include <utility>

#include "include/roformer/error.hpp"

namespace roformer {

const char* error_code_name(ErrorCode code);

// What a JSON parser's exception says, without nlohmann's "[json.exception.parse_error.101] "
// prefix: a syntax error with its line and column, or a number too large for a double ("number
// overflow parsing '1e999'"). Any other message comes back whole. The parser quotes what it
// last read, which can be a whole 200 KB token: past kMostJsonErrorBytes the text is cut, at a
// UTF-8 character boundary, and ends in "...". Inline: the checkpoint readers use this header
// without linking roformer_engine.
inline constexpr size_t kMostJsonErrorBytes = 300;
inline std::string json_error_text(const std::exception& error) {
  std::string text = error.what();
  const size_t prefix_end = text.rfind("[json.exception.", 0) == 0 ? text.find("] ") : text.npos;
  if (prefix_end != text.npos) text.erase(0, prefix_end + 2);
  if (text.size() <= kMostJsonErrorBytes) return text;
  size_t cut = kMostJsonErrorBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

// Joins any streamable values into one string: str("expected ", a, ", got ", b).
template <typename... Parts>
std::string str(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

// Throws Error(code, str(parts...)). what() is a C string, so a NUL in a quoted value (a name
// read from a file) would end the message there: it is written as \0.
template <typename... Parts>
[[noreturn]] void fail(ErrorCode code, Parts&&... parts) {
  std::string message = str(std::forward<Parts>(parts)...);
  for (size_t at = message.find('\0'); at != std::string::npos; at = message.find('\0', at + 2)) {
    message.replace(at, 1, "\\0");
  }
  throw Error(code, message);
}

}  // namespace roformer
