// Lines of a file descriptor (stdin) read with read(2) into a buffer of our own, so the reader
// knows what has arrived: a pipe whose writer pauses (`tail -f log | roformer classify`) can have
// its finished lines processed at once instead of waiting for a whole chunk.
#pragma once

#include <string>

namespace roformer::cli {

class DescriptorLines {
 public:
  DescriptorLines(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

  // The next line without its '\n' (the last one may lack it); false at the end. Throws kIo
  // naming the source when reading fails.
  bool next(std::string& line);

  // Whether next() can return without waiting longer than `timeout_ms`: a whole line is buffered,
  // the input has ended, or the descriptor becomes readable in time.
  bool ready(int timeout_ms);

 private:
  size_t line_end();  // where the first buffered '\n' is, or npos
  void fill();

  int fd_;
  std::string name_;
  std::string buffer_;
  size_t start_ = 0;     // buffer_[start_..) is not handed out yet
  size_t searched_ = 0;  // buffer_[start_..searched_) holds no '\n'
  bool ended_ = false;
};

}  // namespace roformer::cli
