// What `similarity` accepts, as its --help and its errors say: a pair as two TEXT arguments, or
// pairs as --jsonl lines with "text" and "text_pair"; plain lines (stdin, --file) are refused
// saying so, never with a help text that promises "one per line".
#include <gtest/gtest.h>

#include <fstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

const std::string kAccepted =
    "roformer: usage error: similarity takes a pair as 2 TEXT arguments, or pairs as --jsonl "
    "lines with \"text\" and \"text_pair\" (arguments, --file or stdin); got ";
const std::string kHint = " (see roformer similarity --help)\n";

TEST(CliSimilarityInput, HelpDescribesPairsNotLines) {
  const CliResult help = run_cli({"similarity", "--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  EXPECT_EQ(help.out.find("one per line"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("Two texts to compare; with --jsonl, JSON objects {text, text_pair}, "
                          "one pair each"),
            std::string::npos)
      << help.out;
  EXPECT_NE(help.out.find("Read --jsonl lines {text, text_pair} from this file ('-' = stdin)"),
            std::string::npos)
      << help.out;
}

TEST(CliSimilarityInput, PlainLinesOnStdinAreRefusedSayingWhatIsAccepted) {
  const std::string model = converted_fixture_model("v1_pooler_sim");
  const CliResult result = run_cli({"similarity", "--model", model}, "丁\n丂\n");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, kAccepted +
                            "no TEXT arguments (lines on stdin without --jsonl are single texts, "
                            "not pairs)" +
                            kHint);
}

TEST(CliSimilarityInput, PlainLinesFromAFileAreRefusedSayingWhatIsAccepted) {
  const std::string file = (cli_scratch_dir() / "similarity_plain.txt").string();
  std::ofstream(file) << "丁\n丂\n";
  const CliResult result =
      run_cli({"similarity", "--model", converted_fixture_model("v1_pooler_sim"), "--file", file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(
      result.err,
      kAccepted + "--file without --jsonl (its plain lines are single texts, not pairs)" + kHint);
}

TEST(CliSimilarityInput, OneArgumentIsRefusedSayingWhatIsAccepted) {
  const CliResult result =
      run_cli({"similarity", "--model", converted_fixture_model("v1_pooler_sim"), "丁"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, kAccepted + "1 TEXT argument" + kHint);
}

TEST(CliSimilarityInput, JsonLinesFromAFileArePairs) {
  const std::string file = (cli_scratch_dir() / "similarity_pairs.jsonl").string();
  std::ofstream(file) << "{\"text\":\"丁丂\",\"text_pair\":\"丁丂\"}\n";
  const CliResult result =
      run_cli({"similarity", "--model", converted_fixture_model("v1_pooler_sim"), "--jsonl",
               "--file", file});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NEAR(json_lines(result.out).at(0)["similarity"].get<double>(), 1.0, 1e-6);
}

// A line without a pair is named as other commands name their input lines: the file or stdin, then
// the line number (blank lines counted).
TEST(CliSimilarityInput, ALineWithoutAPairIsNamedByItsSourceAndLine) {
  const std::string model = converted_fixture_model("v1_pooler_sim");
  const std::string lines = "{\"text\":\"丁\",\"text_pair\":\"丂\"}\n\n{\"text\":\"丁\"}\n";
  const std::string problem =
      " line 3: no \"text_pair\" (similarity compares each \"text\" with its \"text_pair\")\n";
  const CliResult piped = run_cli({"similarity", "--model", model, "--jsonl"}, lines);
  EXPECT_EQ(piped.exit_code, 1);
  EXPECT_EQ(piped.err, "roformer: error: stdin" + problem);

  const std::string file = (cli_scratch_dir() / "similarity_unpaired.jsonl").string();
  std::ofstream(file) << lines;
  const CliResult read = run_cli({"similarity", "--model", model, "--jsonl", "--file", file});
  EXPECT_EQ(read.exit_code, 1);
  EXPECT_EQ(read.err, "roformer: error: " + file + problem);
}

}  // namespace
}  // namespace roformer::test
