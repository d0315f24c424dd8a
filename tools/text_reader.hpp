// The texts a subcommand reads (arguments, --file or stdin), a chunk at a time: a long input
// streams through bounded memory, and output begins before the input ends.
#pragma once

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tools/cli.hpp"
#include "tools/descriptor_lines.hpp"

namespace roformer::cli {

class TextReader {
 public:
  // Opens the input; throws when there is none (a terminal on stdin) or it cannot be read.
  // `fields` reads a text (and its pair) from each JSON line's object.
  explicit TextReader(const TextInputOptions& options,
                      JsonLineFields fields = text_and_optional_pair);
  TextReader(const TextReader&) = delete;
  TextReader& operator=(const TextReader&) = delete;

  // Up to `count` more texts in input order; empty once the input is used up. Fewer when stdin
  // is a pipe or a terminal whose writer has paused: the texts that arrived are not held back
  // waiting for more. Reaching the end logs the input's warnings (blank JSON lines, invalid
  // UTF-8) once.
  std::vector<TextItem> next(size_t count);

  // The share of the input consumed so far, in [0, 1]; negative when its size is unknown (a pipe).
  double fraction_read();

 private:
  bool read_item(TextItem& item);
  bool read_line(std::string& line);
  void finish();

  const bool jsonl_;
  const JsonLineFields fields_;
  std::vector<std::string> arguments_;  // plain-text arguments, handed out as they are
  size_t next_argument_ = 0;
  std::istringstream joined_arguments_;     // --jsonl arguments, read as lines
  std::istream* in_ = nullptr;              // the --jsonl arguments
  std::unique_ptr<DescriptorLines> lines_;  // --file or stdin
  std::string source_;
  double size_ = -1.0;  // bytes, when the input is a regular file
  size_t line_number_ = 0, blank_lines_ = 0, invalid_utf8_lines_ = 0, lone_surrogates_ = 0;
  bool finished_ = false;
};

// The most texts one chunk holds, unless --batch-size asks for more in one batch.
constexpr size_t kTextsPerChunk = 4096;

}  // namespace roformer::cli
