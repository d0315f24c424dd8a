// Runs the `roformer` binary in a child process and captures what it prints.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace roformer::test {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `roformer args...` with `input` on stdin; arguments are passed without a shell.
CliResult run_cli(const std::vector<std::string>& args, const std::string& input = "");

// Where the child's stdin and stdout go instead of the captured defaults.
struct CliStreams {
  std::string stdin_path;     // "" = the `input` text
  std::string stdout_path;    // "" = captured into CliResult::out
  bool close_stdout = false;  // as the shell's `>&-`
  std::string binary;         // "" = the roformer built with the tests
};

// run_cli with redirected streams; CliResult::out stays empty unless stdout is captured.
CliResult run_cli_redirected(const std::vector<std::string>& args, const CliStreams& streams,
                             const std::string& input = "");

// A `roformer args...` child with pipes on its stdin and stdout that the test drives itself.
struct PipedChild {
  pid_t pid = -1;
  int in = -1;   // the child's stdin
  int out = -1;  // the child's stdout
};
// SIGINT, SIGTERM, SIGHUP and SIGPIPE reach it with their default dispositions, even when the
// test runner ignores them.
PipedChild spawn_piped(const std::vector<std::string>& args);

// What the child writes within `timeout_ms`, up to and including the first newline.
std::string read_line_within(int fd, int timeout_ms);

// One JSON value per non-empty line of `out`.
std::vector<nlohmann::json> json_lines(const std::string& out);

// A folder of this process's own under the temp directory, removed at exit.
std::filesystem::path cli_scratch_dir();

// tests/data/fixtures/<name> converted once per process with `roformer convert`.
std::string converted_fixture_model(const std::string& name);

// A copy of tests/data/fixtures/<name> under the scratch folder, named `copy`, whose
// tokenizer_config.json holds `tokenizer_config`; returns the copy's folder.
std::filesystem::path fixture_copy_with_tokenizer_config(const std::string& name,
                                                         const std::string& copy,
                                                         const std::string& tokenizer_config);

std::string test_data(const std::string& relative);
std::string read_text_file(const std::string& path);

}  // namespace roformer::test
