// Pieces every `roformer` subcommand shares: registration, input conventions, output helpers.
#pragma once

#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "model/config.hpp"

namespace roformer::cli {

// A registered subcommand and what runs when it was chosen; returns the exit code.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_classify(CLI::App& parent);
Command add_fill_mask(CLI::App& parent);
Command add_tag(CLI::App& parent);
Command add_qa(CLI::App& parent);
Command add_embed(CLI::App& parent);
Command add_similarity(CLI::App& parent);
Command add_convert(CLI::App& parent);
Command add_info(CLI::App& parent);
Command add_tokenize(CLI::App& parent);
Command add_infer(CLI::App& parent);
Command add_bench(CLI::App& parent);

// Texts come as arguments, else one per line from --file or stdin; with --jsonl each line is an
// object with "text" and an optional "text_pair".
struct TextInputOptions {
  std::vector<std::string> texts;
  std::string file;
  bool jsonl = false;
};

struct TextItem {
  std::string text;
  std::optional<std::string> pair;
  size_t line = 0;  // its line in the input (blank JSON lines skipped), 0 for an argument
};

// "input 7" for the 7th text, "input 7 (line 9)" when blank JSON lines put it elsewhere.
std::string input_label(const TextItem& item, size_t number);

void add_text_input_options(CLI::App& command, TextInputOptions& options);

// Fills `item`'s text and pair from the object on one JSON line; returns what is wrong with the
// object ("" when nothing is), which the reader reports naming the line.
using JsonLineFields = std::function<std::string(const nlohmann::json& object, TextItem& item)>;
// A string "text" and an optional "text_pair" (null is none): what a JSON line holds for every
// subcommand but qa.
std::string text_and_optional_pair(const nlohmann::json& object, TextItem& item);

// Every input text at once (tools/text_reader.hpp reads them a chunk at a time).
std::vector<TextItem> read_text_inputs(const TextInputOptions& options,
                                       const JsonLineFields& fields = text_and_optional_pair);

// An input file opened for reading; a directory or an unreadable path throws naming it.
std::ifstream open_input_file(const std::string& path);
// Throws when stdin is a directory (`< /tmp`), which reads as empty rather than failing.
void require_stdin_readable();

// Digits only (checked before a CLI::Range, which would call a word "not in range").
CLI::Validator whole_number();

// A non-empty path: an empty one (an unset variable, say) must not quietly mean a default.
CLI::Validator non_empty_path();

// Throws naming both when `output` is the same file as one of `inputs` (which writing it would
// destroy: the model, the requests, the texts). Inputs that do not exist are skipped.
void require_output_not_an_input(const std::string& output, const std::vector<std::string>& inputs);

// Warns once when `command`'s --threads exceeds the machine's hardware threads: the count is
// honoured, but threads that outnumber the cores wait for each other.
void warn_when_threads_exceed_hardware(const CLI::App& command);

// --model, defaulting to $ROFORMER_MODEL, else the shipped model.
void add_model_option(CLI::App& command, std::string& model_path, bool required);
std::string resolve_model_path(const std::string& model_path);
// --model for a command whose head the shipped sentiment classifier lacks (qa, tag, fill-mask): it
// defaults to $ROFORMER_MODEL only, and the help says so.
void add_head_model_option(CLI::App& command, std::string& model_path, HeadKind head);
// --model, else $ROFORMER_MODEL; with neither, throws kInvalidArgument (a usage error) saying that
// `command` needs a `head` model and the shipped one is not.
std::string resolve_head_model_path(const std::string& model_path, const char* command,
                                    HeadKind head);
// The jieba dictionary shipped with roformer (for the converter).
std::string default_jieba_dictionary();

// One JSON object per line; invalid UTF-8 in strings is replaced, never fatal.
std::string json_line(const nlohmann::json& value);

// A progress bar on stderr, shown only when stderr is a terminal (and stdout is not) and the work
// has lasted over a second, redrawn at most ten times a second.
class Progress {
 public:
  explicit Progress(const char* what);
  ~Progress();
  // `fraction` of the work done (negative when unknown: only the count shows), `texts` so far.
  void advance(double fraction, size_t texts);
  // Ends the bar's line (before the warnings that follow it); advance() then draws nothing.
  void finish();

 private:
  friend void clear_progress_line();
  void draw() const;

  const char* what_;
  bool enabled_;
  bool shown_ = false;
  double fraction_ = 0.0;
  size_t texts_ = 0;
  std::chrono::steady_clock::time_point start_, last_shown_;
};

// Erases the progress bar's line, if one is shown, so that a log line written next starts clean.
void clear_progress_line();

}  // namespace roformer::cli
