#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/error.hpp"
#include "engine/log.hpp"
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

// Where a file shipped with roformer may be, in the order looked at: the installed layout
// (<prefix>/bin/roformer -> <prefix>/share/roformer, see cmake/RoformerInstall.cmake), the source
// tree the binary was built from (its path compiled in), then the source tree around the binary's
// build folder (<source>/build/tools/roformer), which finds it when both were moved together.
std::vector<fs::path> shared_file_candidates(const std::string& relative) {
  const fs::path exe_dir = executable_dir();
  std::vector<fs::path> candidates;
  if (!exe_dir.empty()) candidates.push_back(exe_dir / ".." / "share" / "roformer" / relative);
  candidates.push_back(fs::path(ROFORMER_SOURCE_DIR) / relative);
  if (!exe_dir.empty()) candidates.push_back(exe_dir / ".." / ".." / relative);
  return candidates;
}

// The first candidate that exists, else "".
std::string find_shared_file(const std::string& relative) {
  for (const auto& candidate : shared_file_candidates(relative)) {
    if (fs::exists(candidate)) return fs::weakly_canonical(candidate).string();
  }
  return "";
}

// The model $ROFORMER_MODEL names, or "" when it is unset or empty. A path that cannot be opened
// says it came from the variable: the user may have set it long ago, in another shell file.
std::string model_from_environment() {
  const char* env = std::getenv("ROFORMER_MODEL");
  if (env == nullptr || *env == '\0') return "";
  if (std::ifstream probe(env, std::ios::binary); !probe) {
    fail(ErrorCode::kIo, "cannot open model file ", env, " named by ROFORMER_MODEL: ",
         std::strerror(errno), " (unset it, or pass --model FILE)");
  }
  return env;
}

}  // namespace

void add_text_input_options(CLI::App& command, TextInputOptions& options) {
  command.add_option("text", options.texts,
                     "Texts to process (else one per line from --file or stdin)");
  command
      .add_option("-f,--file", options.file,
                  "Read texts from this file, one per line ('-' = stdin)")
      ->check(non_empty_path());
  command.add_flag("--jsonl", options.jsonl,
                   "Each input line is a JSON object with \"text\" and optional \"text_pair\"");
}

std::string input_label(const TextItem& item, size_t number) {
  std::string label = "input " + std::to_string(number);
  if (item.line != 0 && item.line != number) label += " (line " + std::to_string(item.line) + ")";
  return label;
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

CLI::Validator non_empty_path() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return value.empty() ? "expected a file path, got an empty one" : "";
      },
      "");
}

void require_output_not_an_input(const std::string& output,
                                 const std::vector<std::string>& inputs) {
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

void warn_when_threads_exceed_hardware(const CLI::App& command) {
  const CLI::Option* option = command.get_option_no_throw("--threads");
  if (option == nullptr || option->count() == 0) return;
  const int threads = option->as<int>();
  const int hardware_threads = static_cast<int>(std::thread::hardware_concurrency());
  if (hardware_threads <= 0 || threads <= hardware_threads) return;  // 0: the count is unknown
  log_at(LogLevel::kWarning, "--threads ", threads, " is more than the ",
         counted(hardware_threads, "hardware thread"), "; runs will be slower");
}

void add_model_option(CLI::App& command, std::string& model_path, bool required) {
  auto* option = command.add_option(
      "-m,--model", model_path,
      required ? "Model file (.gguf, from roformer convert)"
               : "Model file (.gguf); default: $ROFORMER_MODEL, else the shipped " +
                     std::string(kDefaultModelFile));
  option->check(non_empty_path());
  if (required) option->required();
}

std::string resolve_model_path(const std::string& model_path) {
  if (!model_path.empty()) return model_path;
  if (std::string named = model_from_environment(); !named.empty()) return named;
  const std::string relative = std::string("models/") + kDefaultModelFile;
  if (std::string found = find_shared_file(relative); !found.empty()) return found;
  std::string places;
  for (const auto& candidate : shared_file_candidates(relative)) {
    places += (places.empty() ? "" : ", ") + candidate.lexically_normal().string();
  }
  fail(ErrorCode::kBadModel, "no model given, and the default ", kDefaultModelFile,
       " is in none of the places looked at: ", places,
       " (pass --model FILE, or set ROFORMER_MODEL to its path)");
}

void add_head_model_option(CLI::App& command, std::string& model_path, HeadKind head) {
  command
      .add_option("-m,--model", model_path,
                  str("Model file (.gguf) with a ", head_kind_name(head),
                      " head; default: $ROFORMER_MODEL, else required (the shipped ",
                      kDefaultModelFile, " is a sentiment classifier)"))
      ->check(non_empty_path());
}

std::string resolve_head_model_path(const std::string& model_path, const char* command,
                                    HeadKind head) {
  if (!model_path.empty()) return model_path;
  if (std::string named = model_from_environment(); !named.empty()) return named;
  fail(ErrorCode::kInvalidArgument, command, " needs a ", head_kind_name(head),
       " model: pass --model FILE or set ROFORMER_MODEL (the shipped ", kDefaultModelFile,
       " is a sentiment classifier)");
}

// Not found, the compiled-in path is returned: the converter's error then names it.
std::string default_jieba_dictionary() {
  const std::string relative = "models/jieba/dict.txt";
  const std::string found = find_shared_file(relative);
  return found.empty() ? (fs::path(ROFORMER_SOURCE_DIR) / relative).string() : found;
}

std::string json_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

namespace {
Progress* active_progress = nullptr;  // the bar a log line must not be glued to
}  // namespace

// Only when stderr is a terminal and stdout is not: output lines on the same terminal would land
// on the bar's line.
Progress::Progress(const char* what)
    : what_(what),
      enabled_(isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO)),
      start_(std::chrono::steady_clock::now()) {
  if (enabled_) active_progress = this;
}

Progress::~Progress() { finish(); }

void Progress::finish() {
  if (shown_) {
    draw();  // the last count, which the redraw limit may have held back
    std::fprintf(stderr, "\n");
  }
  shown_ = false;
  enabled_ = false;
  if (active_progress == this) active_progress = nullptr;
}

void clear_progress_line() {
  if (active_progress == nullptr || !active_progress->shown_) return;
  std::fprintf(stderr, "\r\033[K");  // the next advance() draws the bar again below the log line
}

void Progress::advance(double fraction, size_t texts) {
  if (!enabled_) return;
  fraction_ = fraction;
  texts_ = texts;
  const auto now = std::chrono::steady_clock::now();
  if (!shown_ && now - start_ < std::chrono::seconds(1)) return;
  if (shown_ && now - last_shown_ < std::chrono::milliseconds(100)) return;
  shown_ = true;
  last_shown_ = now;
  draw();
}

void Progress::draw() const {
  if (fraction_ < 0.0) {
    std::fprintf(stderr, "\r%s: %s", what_, counted(texts_, "text").c_str());
  } else {
    const int percent = static_cast<int>(std::min(fraction_, 1.0) * 100.0);
    const int width = 30, filled = percent * width / 100;
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% (%s)", what_, filled,
                 "##############################", width - filled, "", percent,
                 counted(texts_, "text").c_str());
  }
  std::fflush(stderr);
}

}  // namespace roformer::cli
