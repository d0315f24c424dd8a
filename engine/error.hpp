// Errors: one exception type inside the engine; the C API and the command line turn it into codes.
// ErrorCode and Error themselves are public: engine/include/roformer/error.hpp.
#pragma once

#include <sstream>
#include <string>
#include <utility>

#include "include/roformer/error.hpp"

namespace roformer {

const char* error_code_name(ErrorCode code);

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
