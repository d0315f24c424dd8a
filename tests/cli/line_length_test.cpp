// One input line holds at most 64 MiB (kMaxLineBytes in tools/descriptor_lines.hpp): a longer
// one, or input with no newline at all, is refused naming its line, never read until memory runs
// out. A line of exactly the cap is not run here: tokenizing 64 MiB takes seconds and gigabytes.
#include <gtest/gtest.h>

#include <fstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

constexpr size_t kMaxLineBytes = size_t{64} << 20;

std::string too_long_message(const std::string& source, size_t line) {
  return "roformer: error: " + source + " line " + std::to_string(line) +
         " is longer than 67108864 bytes, the most one input line may hold (expected text, one "
         "item per line)\n";
}

TEST(CliLineLength, InputWithoutNewlinesIsRefusedAtTheCap) {
  for (const char* command : {"tokenize", "classify", "qa"}) {
    const CliResult result = run_cli({command, "--file", "/dev/zero"});
    EXPECT_EQ(result.exit_code, 1) << command << ": " << result.err;
    EXPECT_EQ(result.err, too_long_message("/dev/zero", 1)) << command;
    EXPECT_EQ(result.out, "");
  }
}

TEST(CliLineLength, ALineOneByteOverTheCapIsRefusedNamingItsLine) {
  const std::string path = (cli_scratch_dir() / "over_long_line.txt").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << "好\n坏\n" << std::string(kMaxLineBytes + 1, 'x') << "\n好\n";
  }
  const CliResult from_file = run_cli({"tokenize", "--file", path});
  EXPECT_EQ(from_file.exit_code, 1) << from_file.err;
  EXPECT_EQ(from_file.err, too_long_message(path, 3));

  CliStreams streams;
  streams.stdin_path = path;
  const CliResult from_stdin = run_cli_redirected({"tokenize"}, streams);
  EXPECT_EQ(from_stdin.exit_code, 1) << from_stdin.err;
  EXPECT_EQ(from_stdin.err, too_long_message("stdin", 3));
}

}  // namespace
}  // namespace roformer::test
