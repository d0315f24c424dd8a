// Model and tensor files are written to a temporary file and renamed onto the output path. A
// rename replaces whatever the path names, so a device (/dev/null, /dev/full), a FIFO or a
// socket would be replaced by a regular file: refuse any output path that exists and is not a
// regular file. Header-only, like engine/error.hpp, for the libraries that do not link the engine.
#pragma once

#include <filesystem>
#include <string>

#include "engine/error.hpp"

namespace roformer {

inline const char* file_type_name(std::filesystem::file_type type) {
  using std::filesystem::file_type;
  switch (type) {
    case file_type::directory: return "a directory";
    case file_type::character: return "a character device";
    case file_type::block: return "a block device";
    case file_type::fifo: return "a FIFO";
    case file_type::socket: return "a socket";
    default: return "not a regular file";
  }
}

// Throws kIo naming `path` when it exists (following symlinks) and is not a regular file.
inline void require_replaceable_output(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status) || std::filesystem::is_regular_file(status)) return;
  fail(ErrorCode::kIo, "output ", path, " is ", file_type_name(status.type()),
       "; refusing to replace it (expected a regular file path)");
}

}  // namespace roformer
