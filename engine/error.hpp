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

template <typename... Parts>
[[noreturn]] void fail(ErrorCode code, Parts&&... parts) {
  throw Error(code, str(std::forward<Parts>(parts)...));
}

}  // namespace roformer
