// Output to pipes, as the README describes it: `embed --npy -` holds every row until the input
// ends (the header, which comes first, states the row count), and a reader that closes the pipe
// early (`| head -1`) ends the run by SIGPIPE, as it does any Unix tool.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

constexpr size_t kNpyHeaderBytes = 128;
constexpr size_t kSimRowBytes = 32 * sizeof(float);  // v1_pooler_sim: hidden size 32

// Everything the child writes until it closes its stdout.
std::string read_to_end(int fd) {
  std::string bytes;
  char buffer[4096];
  for (ssize_t got; (got = ::read(fd, buffer, sizeof(buffer))) > 0;) bytes.append(buffer, got);
  return bytes;
}

TEST(CliPipeOutput, NpyToStdoutHoldsEveryRowUntilTheInputEnds) {
  PipedChild child =
      spawn_piped({"embed", "--model", converted_fixture_model("v1_pooler_sim"), "--npy", "-"});
  const std::string texts = "丁丂七\n丄丅\n";
  ASSERT_EQ(::write(child.in, texts.data(), texts.size()), static_cast<ssize_t>(texts.size()));
  // The texts are embedded after a 50 ms pause of the writer; nothing may come out before the end.
  const std::string early = read_line_within(child.out, 1000);
  ::close(child.in);
  const std::string matrix = early + read_to_end(child.out);
  ::close(child.out);
  int status = 0;
  ::waitpid(child.pid, &status, 0);

  EXPECT_EQ(early, "") << "rows reached stdout before the input ended";
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  ASSERT_EQ(matrix.size(), kNpyHeaderBytes + 2 * kSimRowBytes);
  EXPECT_NE(matrix.find("'shape': (2, 32)"), std::string::npos) << matrix.substr(0, 128);
}

TEST(CliPipeOutput, AReaderClosingThePipeEarlyEndsTheRunBySigpipe) {
  const std::string file = (cli_scratch_dir() / "many_texts.txt").string();
  {
    std::ofstream texts(file);
    for (int i = 0; i < 5000; ++i) texts << "丁丂七丄丅" << i << "\n";  // ~1 MB of tokenize output
  }
  PipedChild child = spawn_piped(
      {"tokenize", "--model", converted_fixture_model("v1_pooler_sim"), "--file", file});
  ::close(child.in);
  const std::string first = read_line_within(child.out, 10000);
  ::close(child.out);  // as `head -1` does once it has its line
  int status = 0;
  ::waitpid(child.pid, &status, 0);

  EXPECT_EQ(first.rfind("{\"input_ids\":", 0), 0u) << first;
  ASSERT_TRUE(WIFSIGNALED(status)) << "wait status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGPIPE);
}

}  // namespace
}  // namespace roformer::test
