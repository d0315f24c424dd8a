// Errors: one exception type inside the engine; the C API and the command line turn it into codes.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace roformer {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument = 1,  // a caller passed something unusable (null, bad option)
  kBadInput = 2,         // text or ids that cannot be processed
  kBadModel = 3,         // a model file or checkpoint that is missing, corrupt or unsupported
  kIo = 4,               // a file could not be opened, read or written
  kUnsupported = 5,      // a valid request for something this engine does not implement
  kInternal = 6,
};

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

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
