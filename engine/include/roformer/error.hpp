// The one exception type of roformer.cpp: a code and a message that names the thing, the expected
// and the actual value. Used inside the engine and thrown through the C++ API unchanged.
#pragma once

#include <stdexcept>
#include <string>

#include "export.h"

namespace roformer {

// The C API's roformer_status values are the same numbers.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument = 1,  // a caller passed something unusable (null, bad option)
  kBadInput = 2,         // text or ids that cannot be processed
  kBadModel = 3,         // a model file or checkpoint that is missing, corrupt or unsupported
  kIo = 4,               // a file could not be opened, read or written
  kUnsupported = 5,      // a valid request for something this engine does not implement
  kInternal = 6,
};

class ROFORMER_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace roformer
