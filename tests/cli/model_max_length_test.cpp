// A tokenizer's model_max_length below 3 leaves a text pair no room: convert refuses it naming the
// value and the minimum, and a model file that holds one anyway (written before convert refused
// it) makes qa blame the model, not a --max-length the user did not give; so does one below the 5
// tokens qa needs for a question and a context token.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;

fs::path folder_with_model_max_length(const std::string& length) {
  return fixture_copy_with_tokenizer_config(
      "v1_qa", "v1_qa_model_max_length_" + length, "{\"model_max_length\": " + length + "}");
}

CliResult convert_with_model_max_length(const std::string& length, const std::string& model) {
  return run_cli({"convert", folder_with_model_max_length(length).string(), "-o", model});
}

// Rewrites the u32 value of the GGUF key roformer.model_max_length in `model` (the key's string,
// then the value type, 4 bytes, then the value).
void set_model_max_length(const std::string& model, uint32_t length) {
  std::string bytes = read_text_file(model);
  const std::string key = "roformer.model_max_length";
  const size_t at = bytes.find(key);
  ASSERT_NE(at, std::string::npos);
  std::memcpy(&bytes[at + key.size() + 4], &length, sizeof(length));
  std::ofstream(model, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(CliModelMaxLength, ConvertRefusesOneBelowThreeNamingTheValueAndTheMinimum) {
  for (const std::string length : {"1", "2", "0"}) {
    const std::string model = (cli_scratch_dir() / ("short_" + length + ".gguf")).string();
    const CliResult result = convert_with_model_max_length(length, model);
    EXPECT_EQ(result.exit_code, 1) << length;
    EXPECT_EQ(result.err, "roformer: error: " +
                              (folder_with_model_max_length(length) / "tokenizer_config.json")
                                  .string() +
                              ": model_max_length " + length +
                              " is below the minimum of 3 tokens ([CLS], [SEP], [SEP] of a text "
                              "pair)\n");
    EXPECT_FALSE(fs::exists(model)) << length;
  }
}

TEST(CliModelMaxLength, ConvertAcceptsThree) {
  const std::string model = (cli_scratch_dir() / "shortest.gguf").string();
  const CliResult converted = convert_with_model_max_length("3", model);
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  const CliResult info = run_cli({"info", "--json", model});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(json_lines(info.out).at(0)["model_max_length"], 3);
  // Room for a pair, not for a question and a context token: qa blames the model's limit, as it
  // refuses a --max-length below 5, and runs with --max-length 5.
  const CliResult answer = run_cli({"qa", "--model", model, "丁丂七", "丄丅丆"});
  EXPECT_EQ(answer.exit_code, 1);
  EXPECT_EQ(answer.err, "roformer: error: " + model +
                            " has a model_max_length of 3, which leaves no room for a question and "
                            "its context: qa needs at least 5 tokens ([CLS] question [SEP] context "
                            "[SEP], one token of each); pass --max-length 5 or more\n");
  const CliResult longer =
      run_cli({"qa", "--model", model, "--max-length", "5", "丁丂七", "丄丅丆"});
  EXPECT_EQ(longer.exit_code, 0) << longer.err;
}

TEST(CliModelMaxLength, AModelLimitTooShortForAPairBlamesTheModelNotAnOption) {
  const std::string model = (cli_scratch_dir() / "short_in_file.gguf").string();
  const CliResult converted = convert_with_model_max_length("3", model);
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  set_model_max_length(model, 2);

  const CliResult by_default = run_cli({"qa", "--model", model, "丁丂七", "丄丅丆"});
  EXPECT_EQ(by_default.exit_code, 1);
  EXPECT_EQ(by_default.err, "roformer: error: " + model +
                                " has a model_max_length of 2, which leaves no room for a question "
                                "and its context: qa needs at least 5 tokens ([CLS] question [SEP] "
                                "context [SEP], one token of each); pass --max-length 5 or more\n");

  const CliResult given =
      run_cli({"qa", "--model", model, "--max-length", "2", "丁丂七", "丄丅丆"});
  EXPECT_EQ(given.exit_code, 2);
  EXPECT_EQ(given.err.rfind("roformer: usage error: --max-length 2 leaves no room", 0), 0u)
      << given.err;

  const CliResult overridden =
      run_cli({"qa", "--model", model, "--max-length", "16", "丁丂七", "丄丅丆"});
  EXPECT_EQ(overridden.exit_code, 0) << overridden.err;
}

}  // namespace
}  // namespace roformer::test
