#include "cli_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace roformer::test {

namespace fs = std::filesystem;

namespace {

struct ScratchDir {
  fs::path path;
  ScratchDir() : path(fs::temp_directory_path() / ("roformer_cli_test_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

}  // namespace

fs::path cli_scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string test_data(const std::string& relative) {
  return std::string(ROFORMER_TEST_DATA) + "/" + relative;
}

CliResult run_cli(const std::vector<std::string>& args, const std::string& input) {
  return run_cli_redirected(args, CliStreams{}, input);
}

CliResult run_cli_redirected(const std::vector<std::string>& args, const CliStreams& streams,
                             const std::string& input) {
  static int counter = 0;
  const fs::path base = cli_scratch_dir() / ("run" + std::to_string(counter++));
  const std::string in_path = streams.stdin_path.empty() ? base.string() + ".in" : streams.stdin_path;
  const std::string out_path =
      streams.stdout_path.empty() ? base.string() + ".out" : streams.stdout_path;
  const std::string err_path = base.string() + ".err";
  if (streams.stdin_path.empty()) write_file(in_path, input);

  const pid_t child = ::fork();
  if (child == 0) {
    // open() rather than freopen(): stdin may be a directory, stdout a device.
    const int in = ::open(in_path.c_str(), O_RDONLY);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || err < 0 || ::dup2(in, STDIN_FILENO) < 0 || ::dup2(err, STDERR_FILENO) < 0) {
      ::_exit(127);
    }
    ::close(in);
    ::close(err);
    if (streams.close_stdout) {
      ::close(STDOUT_FILENO);
    } else {
      const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out < 0 || ::dup2(out, STDOUT_FILENO) < 0) ::_exit(127);
      ::close(out);
    }
    std::vector<char*> argv;
    std::string binary = streams.binary.empty() ? ROFORMER_BINARY : streams.binary;
    argv.push_back(binary.data());
    std::vector<std::string> copies = args;
    for (auto& arg : copies) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (streams.stdout_path.empty() && !streams.close_stdout) result.out = read_text_file(out_path);
  result.err = read_text_file(err_path);
  return result;
}

PipedChild spawn_piped(const std::vector<std::string>& args) {
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe failed");
  PipedChild child;
  child.pid = ::fork();
  if (child.pid == 0) {
    ::dup2(to_child[0], STDIN_FILENO);
    ::dup2(from_child[1], STDOUT_FILENO);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) ::close(fd);
    // As a terminal's foreground job: signals the test runner ignores reach the child's handlers.
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(signal_number, SIG_DFL);
    std::vector<char*> argv = {const_cast<char*>(ROFORMER_BINARY)};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(ROFORMER_BINARY, argv.data());
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  child.in = to_child[1];
  child.out = from_child[0];
  return child;
}

std::string read_line_within(int fd, int timeout_ms) {
  std::string line;
  char c;
  while (line.empty() || line.back() != '\n') {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, timeout_ms) <= 0 || ::read(fd, &c, 1) != 1) break;
    line += c;
  }
  return line;
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> values;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) values.push_back(nlohmann::json::parse(line));
  }
  return values;
}

std::string converted_fixture_model(const std::string& name) {
  static std::map<std::string, std::string> converted;
  if (auto it = converted.find(name); it != converted.end()) return it->second;
  const std::string out = (cli_scratch_dir() / (name + ".gguf")).string();
  const CliResult result = run_cli({"convert", test_data("fixtures/" + name), "-o", out});
  if (result.exit_code != 0) throw std::runtime_error("roformer convert failed: " + result.err);
  converted[name] = out;
  return out;
}

fs::path fixture_copy_with_tokenizer_config(const std::string& name, const std::string& copy,
                                            const std::string& tokenizer_config) {
  const fs::path folder = cli_scratch_dir() / copy;
  fs::remove_all(folder);
  fs::copy(test_data("fixtures/" + name), folder, fs::copy_options::recursive);
  write_file(folder / "tokenizer_config.json", tokenizer_config);
  return folder;
}

}  // namespace roformer::test
