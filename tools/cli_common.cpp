#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "model/tokenizer/utf8.hpp"
#include "tools/cli.hpp"

namespace roformer::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultModelFile = "roformer-chnsenti-small.gguf";

fs::path executable_dir() {
  std::error_code error;
  auto exe = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path() : exe.parent_path();
}

// Installed layout first (<prefix>/bin -> <prefix>/share/roformer), then the source tree the
// binary was built from.
std::string find_shared_file(const std::string& relative) {
  std::vector<fs::path> candidates = {executable_dir() / ".." / "share" / "roformer" / relative,
                                      fs::path(ROFORMER_SOURCE_DIR) / relative};
  for (const auto& candidate : candidates) {
    if (fs::exists(candidate)) return fs::weakly_canonical(candidate).string();
  }
  return candidates.back().string();
}

void read_lines(std::istream& in, const TextInputOptions& options, const std::string& source,
                std::vector<TextItem>& items) {
  std::string line;
  size_t line_number = 0, blank_lines = 0, invalid_utf8_lines = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!options.jsonl) {
      items.push_back({line, std::nullopt});
      continue;
    }
    // A JSON parser refuses ill-formed UTF-8; replaced first, as it is in plain text lines.
    if (!tok::is_valid_utf8(line)) {
      line = tok::with_replacement_characters(line);
      ++invalid_utf8_lines;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ++blank_lines;
      continue;
    }
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      fail(ErrorCode::kBadInput, source, " line ", line_number, ": invalid JSON (",
           e.what(), ")");
    }
    if (!object.is_object() || !object.contains("text") || !object["text"].is_string()) {
      fail(ErrorCode::kBadInput, source, " line ", line_number,
           ": expected an object with a string \"text\" field");
    }
    TextItem item{object["text"].get<std::string>(), std::nullopt};
    if (object.contains("text_pair") && !object["text_pair"].is_null()) {
      if (!object["text_pair"].is_string()) {
        fail(ErrorCode::kBadInput, source, " line ", line_number,
             ": \"text_pair\" must be a string");
      }
      item.pair = object["text_pair"].get<std::string>();
    }
    items.push_back(std::move(item));
  }
  if (invalid_utf8_lines > 0) {
    log_at(LogLevel::kWarning, source, ": ", invalid_utf8_lines,
           invalid_utf8_lines == 1 ? " line holds" : " lines hold",
           " invalid UTF-8; each bad byte sequence was replaced by U+FFFD and dropped");
  }
  if (blank_lines > 0) {
    log_at(LogLevel::kWarning, "skipped ", blank_lines, blank_lines == 1 ? " blank line" : " blank lines",
           " of ", source, " (JSON lines: no output for them)");
  }
}

}  // namespace

void add_text_input_options(CLI::App& command, TextInputOptions& options) {
  command.add_option("text", options.texts, "Texts to process (else one per line from --file or stdin)");
  command.add_option("-f,--file", options.file, "Read texts from this file, one per line ('-' = stdin)")
      ->check(non_empty_path());
  command.add_flag("--jsonl", options.jsonl,
                   "Each input line is a JSON object with \"text\" and optional \"text_pair\"");
}

std::vector<TextItem> read_text_inputs(const TextInputOptions& options) {
  std::vector<TextItem> items;
  if (!options.texts.empty()) {
    if (!options.file.empty()) {
      fail(ErrorCode::kInvalidArgument, "give texts as arguments or --file, not both");
    }
    if (!options.jsonl) {
      for (const auto& text : options.texts) items.push_back({text, std::nullopt});
      return items;
    }
    for (const auto& text : options.texts) {
      std::istringstream in(text);
      read_lines(in, options, "argument", items);
    }
    return items;
  }
  if (!options.file.empty() && options.file != "-") {
    std::ifstream in = open_input_file(options.file);
    read_lines(in, options, options.file, items);
    require_read_to_end(in, options.file);
    return items;
  }
  if (options.file.empty() && isatty(STDIN_FILENO)) {
    fail(ErrorCode::kInvalidArgument,
         "no input: pass texts as arguments, --file FILE, or pipe text on stdin");
  }
  require_stdin_readable();
  read_lines(std::cin, options, "stdin", items);
  require_read_to_end(std::cin, "stdin");
  return items;
}

std::ifstream open_input_file(const std::string& path) {
  std::error_code ignored;
  if (fs::is_directory(path, ignored)) {
    fail(ErrorCode::kIo, path, " is a directory (expected a text file)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::kIo, "cannot open ", path, ": ", std::strerror(errno));
  return in;
}

void require_stdin_readable() {
  struct stat info {};
  if (::fstat(STDIN_FILENO, &info) == 0 && S_ISDIR(info.st_mode)) {
    fail(ErrorCode::kIo, "stdin is a directory (expected text)");
  }
}

void require_read_to_end(std::istream& in, const std::string& source) {
  if (in.bad()) fail(ErrorCode::kIo, "cannot read ", source, ": ", std::strerror(errno));
}

CLI::Validator non_empty_path() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return value.empty() ? "expected a file path, got an empty one" : "";
      },
      "");
}

void require_output_not_an_input(const std::string& output, const std::vector<std::string>& inputs) {
  std::error_code error;
  for (const auto& input : inputs) {
    if (!input.empty() && input != "-" && fs::equivalent(output, input, error)) {
      fail(ErrorCode::kInvalidArgument, "output ", output, " is the input ", input,
           "; refusing to overwrite it (expected another path)");
    }
  }
}

CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const bool digits =
            !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
        return digits ? std::string() : "expected a whole number, got \"" + value + "\"";
      },
      "");
}

void add_model_option(CLI::App& command, std::string& model_path, bool required) {
  auto* option = command.add_option(
      "-m,--model", model_path,
      required ? "Model file (.gguf, from roformer convert)"
               : "Model file (.gguf); default: the shipped " + std::string(kDefaultModelFile));
  option->check(non_empty_path());
  if (required) option->required();
}

std::string resolve_model_path(const std::string& model_path) {
  if (!model_path.empty()) return model_path;
  if (const char* env = std::getenv("ROFORMER_MODEL"); env && *env) return env;
  return find_shared_file(std::string("models/") + kDefaultModelFile);
}

std::string default_jieba_dictionary() { return find_shared_file("models/jieba/dict.txt"); }

std::string json_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

Progress::Progress(size_t total, const char* what)
    : total_(total), what_(what), enabled_(total >= 200 && isatty(STDERR_FILENO)) {}

Progress::~Progress() {
  if (enabled_ && last_percent_ >= 0) std::fprintf(stderr, "\n");
}

void Progress::advance(size_t done) {
  if (!enabled_ || total_ == 0) return;
  int percent = static_cast<int>(done * 100 / total_);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  const int width = 30, filled = percent * width / 100;
  std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% (%zu/%zu)", what_, filled,
               "##############################", width - filled, "", percent, done, total_);
  std::fflush(stderr);
}

}  // namespace roformer::cli
