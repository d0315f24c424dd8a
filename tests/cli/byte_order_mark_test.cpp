// A UTF-8 byte-order mark opening a --file or stdin marks the encoding: the first text starts
// after it (offsets from 0, the same tokens), while one inside the input is part of its text.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

const std::string kByteOrderMark = "\xEF\xBB\xBF";

std::string file_holding(const std::string& name, const std::string& bytes) {
  const std::string path = (cli_scratch_dir() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(CliByteOrderMark, OpeningTheInputIsDroppedBeforeTokenizing) {
  const std::string text = "酒店的早餐很丰盛";
  const std::string input = kByteOrderMark + text + "\n" + text + "\n";
  const CliResult from_file =
      run_cli({"tokenize", "--file", file_holding("marked_tokenize.txt", input)});
  const CliResult from_stdin = run_cli({"tokenize"}, input);
  const CliResult from_argument = run_cli({"tokenize", text});
  for (const CliResult* result : {&from_file, &from_stdin}) {
    ASSERT_EQ(result->exit_code, 0) << result->err;
    EXPECT_EQ(result->err, "");
    const auto lines = json_lines(result->out);
    ASSERT_EQ(lines.size(), 2u) << result->out;
    EXPECT_EQ(lines[0], json_lines(from_argument.out).at(0));
    EXPECT_EQ(lines[0]["offsets"][1], nlohmann::json::parse("[0,2]"));
    EXPECT_EQ(lines[0]["tokens"][1], "酒店");
  }
}

TEST(CliByteOrderMark, ArrivingAByteAtATimeOnAPipeIsStillDropped) {
  std::signal(SIGPIPE, SIG_IGN);  // a child that died early fails the test, not the process
  PipedChild child = spawn_piped({"tokenize"});
  ASSERT_GT(child.pid, 0);
  // A pause after each byte of the mark: the child reads each one on its own.
  for (const char* piece : {"\xEF", "\xBB", "\xBF" "酒店\n"}) {
    const ssize_t size = static_cast<ssize_t>(std::char_traits<char>::length(piece));
    ASSERT_EQ(::write(child.in, piece, static_cast<size_t>(size)), size);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::close(child.in);
  const std::string line = read_line_within(child.out, 30000);
  ::close(child.out);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(line, run_cli({"tokenize", "酒店"}).out);
}

TEST(CliByteOrderMark, InsideTheInputStaysPartOfItsText) {
  const std::string text = "酒店的早餐很丰盛";
  const CliResult result = run_cli({"tokenize"}, "好\n" + kByteOrderMark + text + "\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 2u) << result.out;
  // U+FEFF is the text's code point 0: the first token starts after it.
  EXPECT_EQ(lines[1]["offsets"][1], nlohmann::json::parse("[1,3]"));
  EXPECT_EQ(lines[1]["tokens"][1], "酒店");
}

TEST(CliByteOrderMark, OpeningJsonLinesIsAccepted) {
  const CliResult result =
      run_cli({"tokenize", "--jsonl"}, kByteOrderMark + "{\"text\":\"酒店\"}\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json_lines(result.out).at(0), json_lines(run_cli({"tokenize", "酒店"}).out).at(0));

  const std::string model = converted_fixture_model("v1_qa");
  const std::string pair = "{\"question\":\"丁丂七\",\"context\":\"丄丅丆万丈三\"}\n";
  const CliResult qa = run_cli({"qa", "--model", model}, kByteOrderMark + pair);
  ASSERT_EQ(qa.exit_code, 0) << qa.err;
  EXPECT_EQ(qa.out, run_cli({"qa", "--model", model, "--jsonl", pair}).out);
}

TEST(CliByteOrderMark, TagAndFillMaskOffsetsStartAtTheRealText) {
  const std::string tagged = "丁丂七丄丅";
  const std::string ner = converted_fixture_model("v1_tokcls_rotary_value");
  const CliResult tag = run_cli(
      {"tag", "--model", ner, "--file", file_holding("marked_tag.txt", kByteOrderMark + tagged)});
  ASSERT_EQ(tag.exit_code, 0) << tag.err;
  const auto tag_lines = json_lines(tag.out);
  ASSERT_EQ(tag_lines.size(), 1u);
  EXPECT_EQ(tag_lines[0], json_lines(run_cli({"tag", "--model", ner, tagged}).out).at(0));
  EXPECT_EQ(tag_lines[0]["words"][0]["start"], 0);
  EXPECT_EQ(tag_lines[0]["words"][0]["text"], "丁");

  const std::string masked = "丹义之[MASK]万";
  const std::string mlm = converted_fixture_model("v1_mlm_embproj");
  const CliResult fill = run_cli({"fill-mask", "--model", mlm}, kByteOrderMark + masked + "\n");
  ASSERT_EQ(fill.exit_code, 0) << fill.err;
  const auto fill_lines = json_lines(fill.out);
  ASSERT_EQ(fill_lines.size(), 1u);
  EXPECT_EQ(fill_lines[0]["masks"][0]["offsets"], nlohmann::json::parse("[3,9]"));
  EXPECT_EQ(fill_lines[0], json_lines(run_cli({"fill-mask", "--model", mlm, masked}).out).at(0));
}

}  // namespace
}  // namespace roformer::test
