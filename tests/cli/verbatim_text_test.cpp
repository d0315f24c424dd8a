// Text arguments reach the model as typed. CLI11 on its own reads "[a,b]" given to a list option
// as two values and "[]" as none; each case here compares an argument with the same text given
// as JSON on stdin, which CLI11 never sees.
#include <gtest/gtest.h>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

std::string jsonl_of(const std::vector<nlohmann::json>& objects) {
  std::string lines;
  for (const auto& object : objects) lines += object.dump() + "\n";
  return lines;
}

TEST(CliVerbatimText, ClassifyKeepsABracketedListAsOneText) {
  for (const std::string text : {"[好,差]", "[]", "[好]", "[,]"}) {
    const CliResult argument = run_cli({"classify", text});
    ASSERT_EQ(argument.exit_code, 0) << text << ": " << argument.err;
    const CliResult piped = run_cli({"classify", "--jsonl"}, jsonl_of({{{"text", text}}}));
    ASSERT_EQ(piped.exit_code, 0) << piped.err;
    EXPECT_EQ(json_lines(argument.out).size(), 1u) << text << ": " << argument.out;
    EXPECT_EQ(argument.out, piped.out) << text;
  }
}

TEST(CliVerbatimText, TokenizeKeepsTheBrackets) {
  const CliResult result = run_cli({"tokenize", "[注意]"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 1u) << result.out;
  const auto& tokens = lines[0]["tokens"];
  EXPECT_EQ(tokens.front(), "[CLS]");
  EXPECT_EQ(tokens[1], "[") << result.out;
  EXPECT_EQ(tokens[tokens.size() - 2], "]") << result.out;
}

TEST(CliVerbatimText, AnArgumentEndingInTheInternalMarkStaysAsTyped) {
  // U+FDD0 is what the binary appends to bracketed arguments before CLI11 sees them.
  for (const std::string text : {"好\xEF\xB7\x90", "[好]\xEF\xB7\x90", "[好\xEF\xB7\x90]"}) {
    const CliResult argument = run_cli({"tokenize", text});
    const CliResult piped = run_cli({"tokenize", "--jsonl"}, jsonl_of({{{"text", text}}}));
    ASSERT_EQ(argument.exit_code, 0) << argument.err;
    EXPECT_EQ(argument.out, piped.out) << text;
  }
}

TEST(CliVerbatimText, FillMaskFindsABareMaskArgument) {
  const CliResult result =
      run_cli({"fill-mask", "--model", converted_fixture_model("v2_mlm"), "[MASK]"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  const auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["masks"].size(), 1u) << result.out;
}

TEST(CliVerbatimText, SimilarityTakesABracketedArgumentAsOneText) {
  const std::string model = converted_fixture_model("v1_pooler_sim");
  const CliResult single = run_cli({"similarity", "--model", model, "[丁,丂]"});
  EXPECT_EQ(single.exit_code, 2) << "one TEXT is no pair: " << single.out;
  const CliResult argument = run_cli({"similarity", "--model", model, "[丁,丂]", "丁"});
  const CliResult piped = run_cli({"similarity", "--model", model, "--jsonl"},
                                  jsonl_of({{{"text", "[丁,丂]"}, {"text_pair", "丁"}}}));
  ASSERT_EQ(argument.exit_code, 0) << argument.err;
  EXPECT_EQ(argument.out, piped.out);
}

TEST(CliVerbatimText, QaArgumentsAndOptionsKeepTheirBrackets) {
  const std::string model = converted_fixture_model("v1_qa");
  const std::string question = "[丁,丂]", context = "[丁丂,七]";
  const CliResult piped = run_cli({"qa", "--model", model},
                                  jsonl_of({{{"question", question}, {"context", context}}}));
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  const CliResult positional = run_cli({"qa", "--model", model, question, context});
  ASSERT_EQ(positional.exit_code, 0) << positional.err;
  EXPECT_EQ(positional.out, piped.out);
  const CliResult options =
      run_cli({"qa", "--model", model, "--question", question, "--context", context});
  ASSERT_EQ(options.exit_code, 0) << options.err;
  EXPECT_EQ(options.out, piped.out);
}

}  // namespace
}  // namespace roformer::test
