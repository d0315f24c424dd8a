// Lines of a file descriptor (an input file or stdin) read with read(2) into a buffer of our own,
// so the reader knows what has arrived: a pipe whose writer pauses (`tail -f log | roformer
// classify`) can have its finished lines processed at once instead of waiting for a whole chunk.
// Every text input read from a file or stdin comes through here, whatever kind of file it is.
// A UTF-8 byte-order mark at the very start of the input is dropped; one inside a line is text.
#pragma once

#include <memory>
#include <string>

namespace roformer::cli {

// The most bytes one input line may hold. A line is one text, and 64 MiB is far more than any
// text needs (a model reads a few hundred tokens of it; a whole novel is a few MiB), while input
// with no newline at all (/dev/zero, a binary file) is refused long before it fills memory.
constexpr size_t kMaxLineBytes = size_t{64} << 20;

class DescriptorLines {
 public:
  // The lines of `fd`, which the caller keeps open (stdin); `name` is its name in messages.
  DescriptorLines(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  // The lines of the file at `path` (a regular file, a FIFO, a device), opened here and closed
  // with this. Throws kIo naming it when it cannot be opened or is a directory.
  static std::unique_ptr<DescriptorLines> open(const std::string& path);
  ~DescriptorLines();
  DescriptorLines(const DescriptorLines&) = delete;
  DescriptorLines& operator=(const DescriptorLines&) = delete;

  // The next line without its '\n' (the last one may lack it); false at the end. Throws kIo
  // naming the source when reading fails, kBadInput naming the line when it is longer than
  // kMaxLineBytes.
  bool next(std::string& line);

  // Whether next() can return without waiting longer than `timeout_ms`: a whole line is buffered,
  // the input has ended, or the descriptor becomes readable in time.
  bool ready(int timeout_ms);

  // Bytes of the input handed out so far (lines with their '\n'), for the progress of a file.
  size_t bytes_consumed() const { return erased_ + start_; }

 private:
  size_t line_end();  // where the first buffered '\n' is, or npos
  void fill();
  void skip_byte_order_mark();
  [[noreturn]] void fail_line_too_long() const;

  int fd_;
  std::string name_;
  bool owns_fd_ = false;
  std::string buffer_;
  size_t start_ = 0;     // buffer_[start_..) is not handed out yet
  size_t searched_ = 0;  // buffer_[start_..searched_) holds no '\n'
  size_t erased_ = 0;    // bytes dropped from the front of buffer_ once handed out
  size_t lines_ = 0;     // lines handed out
  bool ended_ = false;
  bool at_start_ = true;  // nothing handed out yet: a byte-order mark may come first
};

}  // namespace roformer::cli
