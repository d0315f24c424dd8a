#include "tools/text_reader.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "model/tokenizer/utf8.hpp"

namespace roformer::cli {
namespace {

// A \uXXXX escape's value at line[i] (which is the backslash), or -1.
int escaped_code_unit(const std::string& line, size_t i) {
  if (i + 6 > line.size() || line[i + 1] != 'u') return -1;
  int value = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const char c = line[k];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

bool is_high_surrogate(int unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool is_low_surrogate(int unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

// `line` with each \u escape of an unpaired UTF-16 surrogate (which Python's json.dumps writes
// for a broken string, and a JSON parser refuses) turned into \ufffd; counts them in `replaced`.
std::string with_lone_surrogates_replaced(const std::string& line, size_t& replaced) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\\' || i + 1 == line.size()) {
      out += line[i];
      continue;
    }
    const int unit = escaped_code_unit(line, i);
    if (is_high_surrogate(unit) && line.compare(i + 6, 1, "\\") == 0 &&
        is_low_surrogate(escaped_code_unit(line, i + 6))) {
      out.append(line, i, 12);  // a proper pair
      i += 11;
    } else if (is_high_surrogate(unit) || is_low_surrogate(unit)) {
      out += "\\ufffd";
      ++replaced;
      i += 5;
    } else {
      out.append(line, i, 2);  // any other escape, \\ included, kept whole
      ++i;
    }
  }
  return out;
}

// `line` parsed; when it is invalid only for unpaired surrogate escapes, parsed with those
// replaced (added to `replaced`). Throws the parser's exception for the line as it is otherwise.
nlohmann::json parse_repairing_lone_surrogates(const std::string& line, size_t& replaced) {
  try {
    return nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error&) {
    size_t replaced_here = 0;
    const std::string repaired = with_lone_surrogates_replaced(line, replaced_here);
    if (replaced_here == 0 || !nlohmann::json::accept(repaired)) throw;
    nlohmann::json object = nlohmann::json::parse(repaired);  // may still overflow a number
    replaced += replaced_here;
    return object;
  }
}

// At most `limit` bytes of `message`, cut at a code point and marked: a parse error quotes what
// it last read, which for an unclosed string is the rest of a line of any length.
std::string clipped(const std::string& message, size_t limit) {
  if (message.size() <= limit) return message;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xC0) == 0x80) --end;
  return message.substr(0, end) + "...";
}

constexpr size_t kLongestJsonError = 300;
constexpr int kPipePauseMs = 50;

}  // namespace

std::string text_and_optional_pair(const nlohmann::json& object, TextItem& item) {
  if (!object.is_object() || !object.contains("text") || !object["text"].is_string()) {
    return "expected an object with a string \"text\" field";
  }
  item.text = object["text"].get<std::string>();
  if (object.contains("text_pair") && !object["text_pair"].is_null()) {
    if (!object["text_pair"].is_string()) return "\"text_pair\" must be a string";
    item.pair = object["text_pair"].get<std::string>();
  }
  return {};
}

TextReader::TextReader(const TextInputOptions& options, JsonLineFields fields)
    : jsonl_(options.jsonl), fields_(std::move(fields)) {
  if (!options.texts.empty()) {
    if (!options.file.empty()) {
      fail(ErrorCode::kInvalidArgument, "give texts as arguments or --file, not both");
    }
    source_ = "argument";
    if (!jsonl_) {
      arguments_ = options.texts;
      return;
    }
    std::string joined;
    for (const auto& text : options.texts) joined += text + "\n";
    size_ = static_cast<double>(joined.size());
    joined_arguments_.str(joined);
    in_ = &joined_arguments_;
    return;
  }
  if (!options.file.empty() && options.file != "-") {
    lines_ = DescriptorLines::open(options.file);
    struct stat info {};
    if (::stat(options.file.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
      size_ = static_cast<double>(info.st_size);
    }
    source_ = options.file;
    return;
  }
  if (options.file.empty() && isatty(STDIN_FILENO)) {
    fail(ErrorCode::kInvalidArgument,
         "no input: pass texts as arguments, --file FILE, or pipe text on stdin");
  }
  require_stdin_readable();
  source_ = "stdin";
  lines_ = std::make_unique<DescriptorLines>(STDIN_FILENO, source_);
}

std::vector<TextItem> TextReader::next(size_t count) {
  std::vector<TextItem> items;
  TextItem item;
  while (items.size() < count && !finished_) {
    // A pipe's writer that has paused for kPipePauseMs gets its texts so far processed.
    if (!items.empty() && lines_ && !lines_->ready(kPipePauseMs)) break;
    if (read_item(item)) {
      items.push_back(std::move(item));
    } else {
      finish();
    }
  }
  return items;
}

double TextReader::fraction_read() {
  if (finished_) return 1.0;
  if (in_ == nullptr && !lines_) {
    return arguments_.empty() ? 1.0 : double(next_argument_) / double(arguments_.size());
  }
  if (size_ <= 0.0) return -1.0;
  if (lines_) return std::min(1.0, static_cast<double>(lines_->bytes_consumed()) / size_);
  const auto position = in_->tellg();
  return position < 0 ? -1.0 : std::min(1.0, static_cast<double>(position) / size_);
}

// The next text, skipping blank JSON lines; false at the end of the input.
bool TextReader::read_item(TextItem& item) {
  if (in_ == nullptr && !lines_) {
    if (next_argument_ == arguments_.size()) return false;
    item = {arguments_[next_argument_++], std::nullopt, 0};
    return true;
  }
  std::string line;
  while (read_line(line)) {
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!jsonl_) {
      item = {std::move(line), std::nullopt, line_number_};
      return true;
    }
    // A JSON parser refuses ill-formed UTF-8; replaced first, as it is in plain text lines.
    if (!tok::is_valid_utf8(line)) {
      line = tok::with_replacement_characters(line);
      ++invalid_utf8_lines_;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ++blank_lines_;
      continue;
    }
    // JSON allows no raw NUL anywhere; the parser would take one for the end of the line.
    if (const size_t nul = line.find('\0'); nul != std::string::npos) {
      fail(ErrorCode::kBadInput, source_, " line ", line_number_, ": invalid JSON (a NUL byte at ",
           "column ", nul + 1, ")");
    }
    nlohmann::json object;
    try {
      object = parse_repairing_lone_surrogates(line, lone_surrogates_);
    } catch (const nlohmann::json::exception& e) {  // a syntax error or a number overflow
      fail(ErrorCode::kBadInput, source_, " line ", line_number_, ": invalid JSON (",
           clipped(json_error_text(e), kLongestJsonError), ")");
    }
    item = {std::string(), std::nullopt, line_number_};
    if (const std::string problem = fields_(object, item); !problem.empty()) {
      fail(ErrorCode::kBadInput, source_, " line ", line_number_, ": ", problem);
    }
    return true;
  }
  return false;
}

bool TextReader::read_line(std::string& line) {
  if (lines_) return lines_->next(line);
  return static_cast<bool>(std::getline(*in_, line));
}

void TextReader::finish() {
  finished_ = true;
  if (invalid_utf8_lines_ > 0) {
    log_at(LogLevel::kWarning, source_, ": ", invalid_utf8_lines_,
           invalid_utf8_lines_ == 1 ? " line holds" : " lines hold",
           " invalid UTF-8; each bad byte sequence was replaced by U+FFFD and dropped");
  }
  if (lone_surrogates_ > 0) {
    log_at(LogLevel::kWarning, source_, ": ", lone_surrogates_,
           lone_surrogates_ == 1 ? " \\u escape is an unpaired UTF-16 surrogate"
                                 : " \\u escapes are unpaired UTF-16 surrogates",
           "; replaced by U+FFFD");
  }
  if (blank_lines_ > 0) {
    log_at(LogLevel::kWarning, "skipped ", blank_lines_,
           blank_lines_ == 1 ? " blank line" : " blank lines", " of ", source_,
           " (JSON lines: no output for them)");
  }
}

std::vector<TextItem> read_text_inputs(const TextInputOptions& options,
                                       const JsonLineFields& fields) {
  TextReader reader(options, fields);
  std::vector<TextItem> items;
  for (auto chunk = reader.next(kTextsPerChunk); !chunk.empty();
       chunk = reader.next(kTextsPerChunk)) {
    for (auto& item : chunk) items.push_back(std::move(item));
  }
  return items;
}

}  // namespace roformer::cli
