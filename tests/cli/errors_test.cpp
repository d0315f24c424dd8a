// Exit codes and error lines: 0 success, 1 bad input or model, 2 usage; every error is one line
// on stderr that names what was wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(CliErrors, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"classify", "--no-such-flag"}, {"no-such-command"}, {},
        {"classify", "--threads", "many", "x"}, {"infer", "--model", "m.gguf"}}) {
    const CliResult result = run_cli(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_FALSE(result.err.empty());
  }
}

TEST(CliErrors, HelpExitsZeroAndNamesEverySubcommand) {
  const CliResult result = run_cli({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* name : {"classify", "tokenize", "fill-mask", "tag", "qa", "embed", "similarity",
                           "convert", "info", "infer", "bench"}) {
    EXPECT_NE(result.out.find(name), std::string::npos) << name;
  }
}

TEST(CliErrors, EveryHeadSubcommandHelpDescribesItsJsonOutput) {
  for (const char* name : {"fill-mask", "tag", "qa", "embed", "similarity"}) {
    const CliResult result = run_cli({name, "--help"});
    EXPECT_EQ(result.exit_code, 0) << name;
    EXPECT_NE(result.out.find("one JSON object"), std::string::npos) << name << ": " << result.out;
    EXPECT_NE(result.out.find("--model"), std::string::npos) << name << ": " << result.out;
  }
}

TEST(CliErrors, MissingModelIsOneLineNamingThePath) {
  const CliResult result = run_cli({"classify", "--model", "/no/such/model.gguf", "text"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("/no/such/model.gguf"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST(CliErrors, CorruptModelIsRefusedWithOneLine) {
  const std::string model = read_text_file(converted_fixture_model("v1_seqcls"));
  const std::string path = (cli_scratch_dir() / "half.gguf").string();
  write(path, model.substr(0, model.size() / 2));
  const CliResult half = run_cli({"info", path});
  EXPECT_EQ(half.exit_code, 1);
  EXPECT_EQ(line_count(half.err), 1u) << half.err;
  EXPECT_NE(half.err.find("roformer convert"), std::string::npos) << half.err;

  write(path, "not a model at all");
  const CliResult garbage = run_cli({"classify", "--model", path, "text"});
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_EQ(line_count(garbage.err), 1u) << garbage.err;
}

TEST(CliErrors, ConvertRefusesAMissingFolderAndLeavesNoFile) {
  const std::string out = (cli_scratch_dir() / "never.gguf").string();
  const CliResult result = run_cli({"convert", "/no/such/checkpoint", "-o", out});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("/no/such/checkpoint"), std::string::npos) << result.err;
  EXPECT_FALSE(std::ifstream(out).good());
}

TEST(CliErrors, BadInferRequestsAreRefused) {
  const std::string inputs = (cli_scratch_dir() / "bad_inputs.json").string();
  const std::string out = (cli_scratch_dir() / "bad.safetensors").string();
  const std::string model = converted_fixture_model("v1_seqcls");
  for (const std::string& body :
       {std::string("[{\"name\": \"r\", \"input_ids\": [[2, 99999, 3]]}]"), std::string("{oops"),
        std::string("[{\"name\": \"r\", \"input_ids\": [[2, 5], [2]]}]")}) {
    write(inputs, body);
    const CliResult result = run_cli({"infer", "--model", model, "--inputs", inputs, "--out", out});
    EXPECT_EQ(result.exit_code, 1) << body << "\n" << result.err;
    EXPECT_EQ(line_count(result.err), 1u) << body << "\n" << result.err;
  }
}

TEST(CliInfo, DescribesAFixtureModel) {
  const CliResult result = run_cli({"info", converted_fixture_model("v1_seqcls")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("1000"), std::string::npos) << result.out;  // vocabulary size
  EXPECT_NE(result.out.find("sequence_classification"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace roformer::test
