// A [rows, width] float32 .npy matrix written as its rows arrive, for `embed --npy`.
//
// A regular file (or a new path) goes to a temporary file made beside it with mkstemp (never
// following a planted link), carrying the old file's permissions, and finish() renames it into
// place: a failed run leaves neither a truncated matrix nor a lost previous one. The header, which
// states the row count, is rewritten once the count is known. A symlink is resolved and its target
// replaced. `-` (stdout), a device or a FIFO cannot be rewound: their rows are kept in memory
// until finish() writes the matrix in order. The temporary file is removed when the run is
// interrupted (SIGINT, SIGTERM, SIGHUP; see engine/removed_on_interrupt.hpp) as well as when it
// fails.
#pragma once

#include <string>
#include <vector>

#include "engine/removed_on_interrupt.hpp"

namespace roformer::cli {

class NpyWriter {
 public:
  NpyWriter(const std::string& path, size_t width);
  ~NpyWriter();  // removes the temporary file unless finish() ran
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  void add(const std::vector<float>& row);
  void finish();

 private:
  void write_bytes(const void* data, size_t size);

  std::string path_;         // as given, for messages
  std::string destination_;  // the file finish() puts in place (a symlink's target)
  std::string temporary_;    // "" when written directly
  RemovedOnInterrupt temporary_removed_on_interrupt_;
  size_t width_;
  size_t rows_ = 0;
  int fd_ = -1;
  bool rewindable_ = false;
  std::vector<float> held_;  // the rows of an output that cannot be rewound
};

}  // namespace roformer::cli
