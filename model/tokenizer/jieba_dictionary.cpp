// jieba's dict.txt: "word frequency [tag]" per line, fields separated by single spaces.
#include <limits>

#include "engine/error.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace roformer {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::vector<JiebaEntry> parse_jieba_dictionary(std::string_view text) {
  std::vector<JiebaEntry> entries;
  entries.reserve(text.size() / 14);  // about 14 bytes a line in jieba's own dictionary

  size_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t line_end = text.find('\n', pos);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(pos, line_end - pos);
    pos = line_end + 1;
    ++line_number;

    // jieba strips each line and skips nothing else; an empty line is tolerated here.
    while (!line.empty() && is_ascii_space(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_ascii_space(line.back())) line.remove_suffix(1);
    if (line.empty()) continue;

    const size_t word_end = line.find(' ');
    if (word_end == std::string_view::npos || word_end == 0) {
      fail(ErrorCode::kBadModel, "jieba dictionary line ", line_number,
           ": expected \"word frequency [tag]\", got \"", line, "\"");
    }
    std::string_view field = line.substr(word_end + 1);
    field = field.substr(0, field.find(' '));
    uint64_t frequency = 0;
    bool valid = !field.empty();
    for (char c : field) {
      if (c < '0' || c > '9') {
        valid = false;
        break;
      }
      frequency = frequency * 10 + static_cast<uint64_t>(c - '0');
      if (frequency > std::numeric_limits<uint32_t>::max()) {
        valid = false;
        break;
      }
    }
    if (!valid) {
      fail(ErrorCode::kBadModel, "jieba dictionary line ", line_number,
           ": expected a frequency in [0, 4294967295] after the word, got \"", field, "\"");
    }
    entries.push_back(JiebaEntry{std::string(line.substr(0, word_end)),
                                 static_cast<uint32_t>(frequency)});
  }
  return entries;
}

}  // namespace roformer
