#include "tools/descriptor_lines.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "engine/error.hpp"

namespace roformer::cli {
namespace {

// A UTF-8 byte-order mark (U+FEFF) opening the input says how it is encoded; it is no part of
// the first text, whose offsets would otherwise start at 1.
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

std::unique_ptr<DescriptorLines> DescriptorLines::open(const std::string& path) {
  // A FIFO blocks here until its writer opens it, as it would for any reader.
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail(ErrorCode::kIo, "cannot open ", path, ": ", std::strerror(errno));
  auto lines = std::make_unique<DescriptorLines>(fd, path);
  lines->owns_fd_ = true;
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    fail(ErrorCode::kIo, path, " is a directory (expected a text file)");
  }
  return lines;
}

DescriptorLines::~DescriptorLines() {
  if (owns_fd_) ::close(fd_);
}

size_t DescriptorLines::line_end() {
  // A long line arrives over many reads: each byte is searched once.
  const size_t end = buffer_.find('\n', searched_ > start_ ? searched_ : start_);
  searched_ = end == std::string::npos ? buffer_.size() : end;
  return end;
}

void DescriptorLines::skip_byte_order_mark() {
  // A pipe may deliver the mark a byte at a time: read until its three bytes are known.
  while (!ended_ && buffer_.size() < kByteOrderMark.size() &&
         kByteOrderMark.substr(0, buffer_.size()) == buffer_) {
    fill();
  }
  if (buffer_.compare(0, kByteOrderMark.size(), kByteOrderMark) == 0) {
    start_ = kByteOrderMark.size();
  }
  at_start_ = false;
}

bool DescriptorLines::next(std::string& line) {
  if (at_start_) skip_byte_order_mark();
  while (true) {
    const size_t end = line_end();
    const size_t line_bytes = (end == std::string::npos ? buffer_.size() : end) - start_;
    if (line_bytes > kMaxLineBytes) fail_line_too_long();
    if (end != std::string::npos) {
      line.assign(buffer_, start_, line_bytes);
      start_ = end + 1;
      ++lines_;
      return true;
    }
    if (ended_) {
      if (line_bytes == 0) return false;
      line.assign(buffer_, start_, line_bytes);
      start_ = buffer_.size();
      ++lines_;
      return true;
    }
    fill();
  }
}

void DescriptorLines::fail_line_too_long() const {
  fail(ErrorCode::kBadInput, name_, " line ", lines_ + 1, " is longer than ", kMaxLineBytes,
       " bytes, the most one input line may hold (expected text, one item per line)");
}

bool DescriptorLines::ready(int timeout_ms) {
  if (ended_ || line_end() != std::string::npos) return true;
  pollfd descriptor{fd_, POLLIN, 0};
  int result;
  do {
    result = ::poll(&descriptor, 1, timeout_ms);
  } while (result < 0 && errno == EINTR);
  return result != 0;  // readable, hung up, or an error that next() will report
}

void DescriptorLines::fill() {
  buffer_.erase(0, start_);
  erased_ += start_;
  searched_ -= searched_ > start_ ? start_ : searched_;
  start_ = 0;
  char block[1 << 16];
  ssize_t count;
  do {
    count = ::read(fd_, block, sizeof block);
  } while (count < 0 && errno == EINTR);
  if (count < 0) fail(ErrorCode::kIo, "cannot read ", name_, ": ", std::strerror(errno));
  if (count == 0) ended_ = true;
  buffer_.append(block, static_cast<size_t>(count > 0 ? count : 0));
}

}  // namespace roformer::cli
