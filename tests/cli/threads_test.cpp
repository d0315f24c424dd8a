// --threads beyond the machine's hardware threads: honoured (the output is the one thread's), with
// one warning that runs will be slower; up to the hardware threads, no warning.
#include <gtest/gtest.h>

#include <thread>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

int hardware_threads() { return static_cast<int>(std::thread::hardware_concurrency()); }

std::string slower_warning(int threads) {
  const int hardware = hardware_threads();
  return "roformer: warning: --threads " + std::to_string(threads) + " is more than the " +
         std::to_string(hardware) + (hardware == 1 ? " hardware thread" : " hardware threads") +
         "; runs will be slower\n";
}

TEST(CliThreads, MoreThanTheHardwareThreadsWarnsOnceAndGivesTheSameOutput) {
  if (hardware_threads() <= 0) GTEST_SKIP() << "the hardware thread count is unknown here";
  const std::string model = converted_fixture_model("v1_seqcls");
  const std::string beyond = std::to_string(hardware_threads() + 1);
  const CliResult one = run_cli({"classify", "--model", model, "丁丂七", "丄丅"});
  const CliResult many =
      run_cli({"classify", "--model", model, "--threads", beyond, "丁丂七", "丄丅"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(many.exit_code, 0) << many.err;
  EXPECT_EQ(many.err, slower_warning(hardware_threads() + 1));
  EXPECT_EQ(many.out, one.out);
}

TEST(CliThreads, InferWithTheShortOptionWarnsToo) {
  if (hardware_threads() <= 0) GTEST_SKIP() << "the hardware thread count is unknown here";
  const std::string model = converted_fixture_model("v1_seqcls");
  const std::string out = (cli_scratch_dir() / "threads_infer.safetensors").string();
  const CliResult result =
      run_cli({"infer", "--model", model, "--inputs", test_data("fixtures/v1_seqcls/inputs.json"),
               "--out", out, "-t", "1024"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  if (hardware_threads() < 1024) {
    EXPECT_EQ(result.err, slower_warning(1024));
  }
}

TEST(CliThreads, TheHardwareThreadsThemselvesGiveNoWarning) {
  if (hardware_threads() <= 0) GTEST_SKIP() << "the hardware thread count is unknown here";
  const CliResult result = run_cli({"classify", "--model", converted_fixture_model("v1_seqcls"),
                                    "--threads", std::to_string(hardware_threads()), "丁丂七"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
}

}  // namespace
}  // namespace roformer::test
