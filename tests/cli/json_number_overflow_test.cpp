// A JSON number too large for a double (1e999) is invalid JSON like any other, named with its
// source and line (JSON lines), its file (infer's inputs.json) or its file in a checkpoint
// (convert's config.json), never as the parser's bare "[json.exception.out_of_range.406]".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;

TEST(CliJsonNumberOverflow, InAJsonLineNamesTheLine) {
  const CliResult result =
      run_cli({"classify", "--model", converted_fixture_model("v1_seqcls"), "--jsonl"},
              "{\"text\":\"a\"}\n{\"text\":\"a\",\"n\":1e999}\n");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "roformer: error: stdin line 2: invalid JSON (number overflow parsing '1e999')\n");
  EXPECT_EQ(result.out, "");
}

TEST(CliJsonNumberOverflow, InAFileNamesTheFileAndLine) {
  const std::string file = (cli_scratch_dir() / "overflow.jsonl").string();
  std::ofstream(file) << "{\"text\":\"a\",\"n\":-1E+400}\n";
  const CliResult result = run_cli(
      {"embed", "--model", converted_fixture_model("v1_pooler_sim"), "--jsonl", "--file", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "roformer: error: " + file +
                            " line 1: invalid JSON (number overflow parsing '-1E+400')\n");
}

TEST(CliJsonNumberOverflow, InAQaLineNamesTheLine) {
  const CliResult result = run_cli({"qa", "--model", converted_fixture_model("v1_qa")},
                                   "{\"question\":\"丁\",\"context\":\"丄\",\"n\":1e999}\n");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "roformer: error: stdin line 1: invalid JSON (number overflow parsing '1e999')\n");
}

TEST(CliJsonNumberOverflow, InInferInputsNamesTheFile) {
  const std::string inputs = (cli_scratch_dir() / "overflow_inputs.json").string();
  std::ofstream(inputs) << "[{\"name\":\"a\",\"input_ids\":[[2,1e999,3]]}]\n";
  const CliResult result =
      run_cli({"infer", "--model", converted_fixture_model("v1_seqcls"), "--inputs", inputs,
               "--out", (cli_scratch_dir() / "overflow_out.safetensors").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "roformer: error: " + inputs + ": invalid JSON (number overflow parsing '1e999')\n");
}

TEST(CliJsonNumberOverflow, InACheckpointConfigNamesTheFile) {
  const fs::path checkpoint = cli_scratch_dir() / "overflow_checkpoint";
  fs::copy(test_data("fixtures/v1_qa"), checkpoint, fs::copy_options::recursive);
  std::string config = read_text_file((checkpoint / "config.json").string());
  const size_t brace = config.find('{');
  config.insert(brace + 1, "\"initializer_range\": 1e999,");
  std::ofstream(checkpoint / "config.json") << config;
  const CliResult result = run_cli(
      {"convert", checkpoint.string(), "-o", (cli_scratch_dir() / "overflow.gguf").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find((checkpoint / "config.json").string() + ": not valid JSON: number overflow"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("number overflow parsing '1e999'"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace roformer::test
