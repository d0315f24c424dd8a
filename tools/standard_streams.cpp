#include "tools/standard_streams.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "engine/error.hpp"
#include "model/tokenizer/utf8.hpp"

namespace roformer::cli {

void fill_closed_standard_streams() {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() returns the lowest free descriptor, which is `fd` since the lower ones are open.
    const int opened = ::open("/dev/null", O_RDONLY);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
}

std::string flush_stdout_error() {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int flush_errno = errno;
  if (flushed && !std::ferror(stdout)) return "";
  // glibc keeps unwritten data buffered after a failed write and retries it here, so errno
  // names the cause; without one (nothing left to retry) the message stays generic.
  if (flush_errno != 0) return std::strerror(flush_errno);
  return "write error";
}

void require_stdout_written() {
  const std::string error = flush_stdout_error();
  if (!error.empty()) fail(ErrorCode::kIo, "cannot write output: ", error);
}

std::string one_line(const std::string& message) {
  std::vector<char32_t> code_points;
  tok::decode_utf8(message, code_points);
  std::string line;
  line.reserve(message.size());
  for (const char32_t cp : code_points) {
    const bool control = cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
    if (!control) {
      tok::append_utf8(cp, line);
    } else if (cp == '\n') {
      line += "\\n";
    } else if (cp == '\r') {
      line += "\\r";
    } else if (cp == '\t') {
      line += "\\t";
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned>(cp));
      line += escaped;
    }
  }
  return line;
}

}  // namespace roformer::cli
