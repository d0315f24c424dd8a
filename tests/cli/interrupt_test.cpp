// `embed --npy FILE` interrupted mid-run (Ctrl-C's SIGINT, SIGTERM, SIGHUP): the temporary file
// beside FILE is removed, FILE keeps what it held, and the process still ends by the signal.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;

constexpr uintmax_t kNpyHeaderBytes = 128;
constexpr uintmax_t kSimRowBytes = 32 * sizeof(float);  // v1_pooler_sim: hidden size 32

// The files in `dir` but `name`.
std::vector<fs::path> others_in(const fs::path& dir, const std::string& name) {
  std::vector<fs::path> others;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename() != name) others.push_back(entry.path());
  }
  return others;
}

// Waits up to 20 s for a file in `dir` but `name` holding at least `bytes`.
bool temporary_file_grows_to(const fs::path& dir, const std::string& name, uintmax_t bytes) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& other : others_in(dir, name)) {
      std::error_code ignored;
      if (fs::file_size(other, ignored) >= bytes) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The child's wait status, or -1 after killing it when it has not ended within 20 s.
int wait_status_within_20s(pid_t pid) {
  int status = 0;
  for (int tries = 0; tries < 2000; ++tries) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

class CliInterrupt : public ::testing::TestWithParam<int> {};

TEST_P(CliInterrupt, EmbedNpyLeavesNoTemporaryFileAndTheOldFileWhole) {
  const int signal_number = GetParam();
  const fs::path dir = cli_scratch_dir() / ("interrupted_" + std::to_string(signal_number));
  fs::create_directories(dir);
  const std::string old_contents = "the matrix of an earlier run";
  std::ofstream(dir / "e.npy") << old_contents;

  PipedChild child = spawn_piped({"embed", "--model", converted_fixture_model("v1_pooler_sim"),
                                  "--npy", (dir / "e.npy").string()});
  const std::string text = "丁丂七\n";
  ASSERT_EQ(::write(child.in, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  // stdin stays open: the run has written the first row and waits for more texts.
  const bool row_written = temporary_file_grows_to(dir, "e.npy", kNpyHeaderBytes + kSimRowBytes);
  ::kill(child.pid, signal_number);
  const int status = wait_status_within_20s(child.pid);
  ::close(child.in);
  ::close(child.out);

  ASSERT_TRUE(row_written) << "no temporary file with a row appeared beside e.npy";
  ASSERT_TRUE(WIFSIGNALED(status)) << "wait status " << status;
  EXPECT_EQ(WTERMSIG(status), signal_number);
  EXPECT_EQ(others_in(dir, "e.npy"), std::vector<fs::path>{});
  EXPECT_EQ(read_text_file((dir / "e.npy").string()), old_contents);
}

INSTANTIATE_TEST_SUITE_P(Signals, CliInterrupt, ::testing::Values(SIGINT, SIGTERM, SIGHUP));

}  // namespace
}  // namespace roformer::test
