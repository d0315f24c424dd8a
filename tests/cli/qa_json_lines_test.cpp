// `roformer qa` reads its JSON lines as every other subcommand does (tools/text_reader.cpp):
// invalid UTF-8 and unpaired surrogate escapes become U+FFFD with one warning, blank lines are
// skipped with one warning, and an error names the line and quotes at most a clipped excerpt.
#include <gtest/gtest.h>

#include <utility>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

const char* const kQuestion = "丁丂七";
const char* const kContext = "丄丅丆万丈三";

// Built by hand: nlohmann::json::dump() refuses the invalid UTF-8 some tests put in.
std::string qa_object(const std::string& question, const std::string& context) {
  return "{\"question\": \"" + question + "\", \"context\": \"" + context + "\"}";
}

std::string qa_line(const std::string& question, const std::string& context) {
  return qa_object(question, context) + "\n";
}

nlohmann::json answer_of(const std::string& question, const std::string& context) {
  const CliResult result = run_cli({"qa", "--model", converted_fixture_model("v1_qa"), "--question",
                                    question, "--context", context});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return json_lines(result.out).at(0);
}

CliResult qa_on_stdin(const std::string& input) {
  return run_cli({"qa", "--model", converted_fixture_model("v1_qa")}, input);
}

// The tokenizer drops U+FFFD, so a bad byte in the question changes nothing, and one opening the
// context moves the answer one code point on.
TEST(CliQaJsonLines, InvalidUtf8IsReplacedWithOneWarning) {
  const CliResult result = qa_on_stdin(qa_line(kQuestion + std::string("\xff"), kContext) +
                                       qa_line(kQuestion, "\xc3" + std::string(kContext)));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "roformer: warning: stdin: 2 lines hold invalid UTF-8; each bad byte "
                        "sequence was replaced by U+FFFD and dropped\n");
  const auto answers = json_lines(result.out);
  ASSERT_EQ(answers.size(), 2u) << result.out;
  const nlohmann::json clean = answer_of(kQuestion, kContext);
  EXPECT_EQ(answers[0]["answer"], clean["answer"]);
  EXPECT_EQ(answers[0]["start"], clean["start"]);
  EXPECT_EQ(answers[1]["answer"], clean["answer"]);
  EXPECT_EQ(answers[1]["start"], clean["start"].get<int>() + 1);
  EXPECT_EQ(answers[1]["end"], clean["end"].get<int>() + 1);
}

TEST(CliQaJsonLines, AnUnpairedSurrogateEscapeIsReplacedWithOneWarning) {
  const CliResult result = qa_on_stdin(qa_line("\\ud800" + std::string(kQuestion), kContext));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "roformer: warning: stdin: 1 \\u escape is an unpaired UTF-16 surrogate; "
                        "replaced by U+FFFD\n");
  const auto answers = json_lines(result.out);
  ASSERT_EQ(answers.size(), 1u) << result.out;
  EXPECT_EQ(answers[0]["answer"], answer_of(kQuestion, kContext)["answer"]);
}

TEST(CliQaJsonLines, BlankLinesAreSkippedWithOneWarning) {
  const std::string line = qa_line(kQuestion, kContext);
  const CliResult result = qa_on_stdin("\n" + line + " \t\n\r\n" + line);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json_lines(result.out).size(), 2u) << result.out;
  EXPECT_EQ(result.err, "roformer: warning: skipped 3 blank lines of stdin (JSON lines: no output "
                        "for them)\n");
}

// --jsonl arguments are numbered as one input, as classify numbers them.
TEST(CliQaJsonLines, AnErrorInALaterArgumentNamesItsLine) {
  const CliResult result = run_cli({"qa", "--model", converted_fixture_model("v1_qa"), "--jsonl",
                                    qa_object(kQuestion, kContext), "{\"question\": \"丁\"}"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "roformer: error: argument line 2: expected an object with string "
                        "\"question\" and \"context\" fields\n");
}

// As in arguments, where it is a usage error: nothing to answer, or nowhere to find the answer.
TEST(CliQaJsonLines, AnEmptyOrBlankQuestionOrContextIsBadInputNamingItsLine) {
  const std::string good = qa_line(kQuestion, kContext);
  for (const auto& [line, named] :
       {std::pair<std::string, std::string>{qa_line("", kContext), "\"question\" is empty"},
        {qa_line(kQuestion, ""), "\"context\" is empty"},
        {qa_line(" \\t ", kContext), "\"question\" is blank"},
        {qa_line(kQuestion, "\\r\\n"), "\"context\" is blank"},
        {"{\"text\": \"丁\", \"text_pair\": \" \"}\n", "\"text_pair\" is blank"}}) {
    const CliResult result = qa_on_stdin(good + line);
    EXPECT_EQ(result.exit_code, 1) << line;
    EXPECT_EQ(result.err, "roformer: error: stdin line 2: " + named +
                              "; qa needs a non-empty question and a context to find the answer "
                              "in\n");
    EXPECT_EQ(result.out, "") << line;
  }
}

// A NUL would end the parser's input early, leaving what follows it unread.
TEST(CliQaJsonLines, ANulByteIsInvalidJson) {
  const std::string object = qa_object(kQuestion, kContext);
  const CliResult result = qa_on_stdin(object + "\n" + object + '\0' + "x\n");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "roformer: error: stdin line 2: invalid JSON (a NUL byte at column " +
                            std::to_string(object.size() + 1) + ")\n");
  EXPECT_EQ(result.out, "");
}

// A parse error quotes what it last read: for an unclosed string, the rest of the line.
TEST(CliQaJsonLines, AnInvalidLineIsQuotedClipped) {
  const CliResult result = qa_on_stdin("{\"question\": \"" + std::string(100000, 'a') + "\n");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind("roformer: error: stdin line 1: invalid JSON (", 0), 0u) << result.err;
  EXPECT_LT(result.err.size(), 400u);
  EXPECT_EQ(result.err.substr(result.err.size() - 5), "...)\n");
}

}  // namespace
}  // namespace roformer::test
