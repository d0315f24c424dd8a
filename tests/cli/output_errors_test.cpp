// Failures outside the model: output that cannot be written and inputs that cannot be read are
// errors (exit 1, one line naming the cause), never a silent success.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(CliWriteErrors, AFullDeviceIsAnErrorNamingTheCause) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "this system has no /dev/full";
  CliStreams streams;
  streams.stdout_path = "/dev/full";
  // More texts than one streaming chunk holds: the run stops at the first chunk's output.
  const std::string long_file = (cli_scratch_dir() / "five_thousand_lines.txt").string();
  {
    std::ofstream out(long_file);
    for (int i = 0; i < 5000; ++i) out << "好\n";
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"classify", "好"},
        {"classify", "--jsonl", "--file", test_data("chnsenti/test.jsonl")},
        {"tokenize", "好"}, {"tokenize", "--file", long_file}, {"info"}, {"--help"}}) {
    const CliResult result = run_cli_redirected(args, streams);
    EXPECT_EQ(result.exit_code, 1) << args[0] << ": " << result.err;
    EXPECT_NE(result.err.find("roformer: error: cannot write output: No space left on device\n"),
              std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("cannot write output"), result.err.rfind("cannot write output"));
  }
}

TEST(CliWriteErrors, AClosedStdoutIsAnError) {
  CliStreams streams;
  streams.close_stdout = true;
  const CliResult result = run_cli_redirected({"classify", "好"}, streams);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err, "roformer: error: cannot write output: Bad file descriptor\n");
}

// Output written by a library (CLI11's --version) or flushed row by row (bench) names the cause
// of the failed write too, not only "write error".
TEST(CliWriteErrors, EveryWayOfWritingStdoutNamesTheCause) {
  const std::string sim = converted_fixture_model("v1_pooler_sim");
  CliStreams closed;
  closed.close_stdout = true;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--version"}, {"--help"}, {"tokenize", "--help"},
        {"embed", "--model", sim, "--npy", "-", "丁"},
        {"bench", "--model", sim, "--batch", "1", "--seq", "8", "--threads", "1", "--runs", "1"}}) {
    const CliResult result = run_cli_redirected(args, closed);
    EXPECT_EQ(result.exit_code, 1) << args[0];
    EXPECT_EQ(result.err, "roformer: error: cannot write output: Bad file descriptor\n") << args[0];
  }
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "this system has no /dev/full";
  CliStreams full;
  full.stdout_path = "/dev/full";
  const CliResult version = run_cli_redirected({"--version"}, full);
  EXPECT_EQ(version.exit_code, 1);
  EXPECT_EQ(version.err, "roformer: error: cannot write output: No space left on device\n");
}

TEST(CliWriteErrors, AnErrorBeforeAnyOutputKeepsItsOwnLine) {
  CliStreams streams;
  streams.close_stdout = true;
  const CliResult result = run_cli_redirected({"classify", "--model", "/no/such.gguf", "x"}, streams);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("/no/such.gguf"), std::string::npos) << result.err;
}

TEST(CliInputErrors, ADirectoryGivenAsFileIsRefusedNamingIt) {
  const std::string dir = cli_scratch_dir().string();
  for (const char* command : {"classify", "tokenize", "qa"}) {
    const CliResult result = run_cli({command, "--file", dir});
    EXPECT_EQ(result.exit_code, 1) << command << ": " << result.err;
    EXPECT_EQ(line_count(result.err), 1u) << result.err;
    EXPECT_NE(result.err.find(dir + " is a directory"), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
  }
}

TEST(CliInputErrors, ADirectoryOnStdinIsRefused) {
  CliStreams streams;
  streams.stdin_path = cli_scratch_dir().string();
  for (const char* command : {"classify", "tokenize"}) {
    const CliResult result = run_cli_redirected({command}, streams);
    EXPECT_EQ(result.exit_code, 1) << command << ": " << result.err;
    EXPECT_EQ(result.err, "roformer: error: stdin is a directory (expected text)\n");
  }
}

TEST(CliInputErrors, ADirectoryAsInferInputsIsRefusedNamingIt) {
  const std::string dir = cli_scratch_dir().string();
  const CliResult result = run_cli({"infer", "--model", converted_fixture_model("v1_seqcls"),
                                    "--inputs", dir, "--out", dir + "/out.safetensors"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find(dir + " is a directory"), std::string::npos) << result.err;
}

TEST(CliInputErrors, InvalidUtf8IsReplacedWithOneWarning) {
  const CliResult result = run_cli({"tokenize", "好\xff", "\xc3", "好"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json_lines(result.out).size(), 3u);
  EXPECT_EQ(result.err, "roformer: warning: 2 of 3 texts hold invalid UTF-8; each bad byte "
                        "sequence was replaced by U+FFFD and dropped\n");
  const CliResult valid = run_cli({"tokenize", "好", "\xF0\x9F\x98\x80"});
  EXPECT_EQ(valid.err, "");
}

}  // namespace
}  // namespace roformer::test
