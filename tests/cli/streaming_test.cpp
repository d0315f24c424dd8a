// Long inputs stream through the subcommands a chunk of 4096 texts at a time
// (tools/text_reader.hpp): the output is the one a single chunk gives, in input order; an error in
// a later chunk comes after the earlier chunks' output and counts inputs from the start; warnings
// are counted once.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

constexpr size_t kChunk = 4096;  // kTextsPerChunk in tools/text_reader.hpp
constexpr size_t kTexts = kChunk + 7;

// Texts of 1 to 40 fixture characters (the fixtures' vocabularies hold CJK characters one per id),
// so that the length-sorted batches of each chunk differ from one chunk to the other.
std::vector<std::string> varied_texts(size_t count) {
  const std::vector<std::string> characters = {"一", "二", "三", "四", "五", "六", "七", "八"};
  std::vector<std::string> texts;
  for (size_t i = 0; i < count; ++i) {
    std::string text;
    for (size_t c = 0; c < 1 + (i * 7919) % 40; ++c)
      text += characters[(i + c) % characters.size()];
    texts.push_back(text);
  }
  return texts;
}

std::string write_lines(const std::string& name, const std::vector<std::string>& lines) {
  const std::string path = (cli_scratch_dir() / name).string();
  std::ofstream out(path, std::ios::binary);
  for (const auto& line : lines) out << line << "\n";
  return path;
}

TEST(CliStreaming, ClassifyAcrossChunksGivesTheOneChunkOutputInInputOrder) {
  const std::string model = converted_fixture_model("v1_seqcls");
  const std::string file = write_lines("varied.txt", varied_texts(kTexts));
  const CliResult chunked = run_cli({"classify", "--model", model, "--file", file});
  ASSERT_EQ(chunked.exit_code, 0) << chunked.err;
  // A batch as large as the input makes the whole input one chunk.
  const CliResult whole = run_cli(
      {"classify", "--model", model, "--file", file, "--batch-size", std::to_string(kTexts)});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;

  const auto chunked_lines = json_lines(chunked.out), whole_lines = json_lines(whole.out);
  ASSERT_EQ(chunked_lines.size(), kTexts);
  ASSERT_EQ(whole_lines.size(), kTexts);
  for (size_t i = 0; i < kTexts; ++i) {
    EXPECT_EQ(chunked_lines[i]["label"], whole_lines[i]["label"]) << "text " << i + 1;
    // Bit for bit on AVX2 and AVX-512; the scalar path's OpenBLAS is exact to rounding only.
    EXPECT_NEAR(chunked_lines[i]["score"].get<double>(), whole_lines[i]["score"].get<double>(),
                1e-5)
        << "text " << i + 1;
  }
}

TEST(CliStreaming, AnErrorInALaterChunkFollowsTheEarlierOutputAndCountsFromTheStart) {
  std::vector<std::string> lines;
  for (const auto& text : varied_texts(kTexts)) lines.push_back("{\"text\": \"" + text + "\"}");
  const size_t bad = kChunk + 3;  // the third text of the second chunk, counted from 1
  lines[bad - 1] = "{\"text\": \"一\", \"text_pair\": \"二\"}";
  const std::string file = write_lines("pair_in_second_chunk.jsonl", lines);

  const CliResult result =
      run_cli({"tag", "--model", converted_fixture_model("v1_tokcls_rotary_value"), "--jsonl",
               "--file", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "roformer: error: tag takes single texts, but input " +
                            std::to_string(bad) + " has a \"text_pair\"\n");
  EXPECT_EQ(json_lines(result.out).size(), kChunk);  // the first chunk, already written
}

// Blank JSON lines are skipped, so the text number and the file line part: both are named.
TEST(CliStreaming, ARefusedTextNamesItsLineWhenBlankLinesCameBefore) {
  const std::string file =
      write_lines("pair_after_blank.jsonl",
                  {"{\"text\": \"一\"}", "", "{\"text\": \"一\", \"text_pair\": \"二\"}"});
  const CliResult result =
      run_cli({"tag", "--model", converted_fixture_model("v1_tokcls_rotary_value"), "--jsonl",
               "--file", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("tag takes single texts, but input 2 (line 3) has a \"text_pair\""),
            std::string::npos)
      << result.err;
}

TEST(CliStreaming, InvalidJsonInALaterChunkNamesItsLine) {
  std::vector<std::string> lines(kTexts, "{\"text\": \"一\"}");
  lines[kTexts - 1] = "{\"text\": ";
  const std::string file = write_lines("bad_json_at_end.jsonl", lines);
  const CliResult result = run_cli({"tokenize", "--jsonl", "--file", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(file + " line " + std::to_string(kTexts) + ": invalid JSON"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(json_lines(result.out).size(), kChunk);
}

// A raw NUL is invalid JSON (the parser would stop at it and accept the line's start), and an
// unclosed string is not quoted whole in the message.
TEST(CliStreaming, JsonErrorsStayOneShortLine) {
  const CliResult nul =
      run_cli({"tokenize", "--jsonl"}, std::string("{\"text\":\"ab\"}\0garbage{\n", 22));
  EXPECT_EQ(nul.exit_code, 1);
  EXPECT_EQ(nul.err, "roformer: error: stdin line 1: invalid JSON (a NUL byte at column 14)\n");
  EXPECT_EQ(nul.out, "");

  std::string unclosed = "{\"text\":\"";
  for (int i = 0; i < 100000; ++i) unclosed += "好";
  const CliResult long_line = run_cli({"tokenize", "--jsonl"}, unclosed + "\n");
  EXPECT_EQ(long_line.exit_code, 1);
  EXPECT_EQ(long_line.err.rfind("roformer: error: stdin line 1: invalid JSON (", 0), 0u);
  EXPECT_LT(long_line.err.size(), 400u) << long_line.err.substr(0, 400);
}

TEST(CliStreaming, WarningsCountTheWholeInputOnce) {
  std::vector<std::string> lines(kTexts, "{\"text\": \"一二三四\"}");
  lines[10] = "";
  lines[kChunk + 1] = "  ";
  const std::string file = write_lines("long_with_blanks.jsonl", lines);
  const CliResult result = run_cli({"tokenize", "--jsonl", "--file", file, "--max-length", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json_lines(result.out).size(), kTexts - 2);
  EXPECT_EQ(result.err, "roformer: warning: skipped 2 blank lines of " + file +
                            " (JSON lines: no output for them)\nroformer: warning: " +
                            std::to_string(kTexts - 2) + " of " + std::to_string(kTexts - 2) +
                            " texts were longer than 3 tokens and were truncated (--max-length to "
                            "change)\n");
}

// A writer that pauses gets the lines it wrote processed at once, not after 4096 more.
TEST(CliStreaming, APausedPipeGetsItsLinesAnsweredWithoutWaitingForAChunk) {
  std::signal(SIGPIPE, SIG_IGN);  // a child that died early fails the test, not the process
  PipedChild child = spawn_piped({"tokenize"});
  ASSERT_GT(child.pid, 0);
  ASSERT_EQ(::write(child.in, "好\n", 4), 4);
  const std::string first = read_line_within(child.out, 30000);  // the pipe stays open
  EXPECT_NE(first.find("\"input_ids\""), std::string::npos) << "no output before the input ended";
  ASSERT_EQ(::write(child.in, "坏\n", 4), 4);
  ::close(child.in);
  const std::string second = read_line_within(child.out, 30000);
  EXPECT_NE(second.find("\"input_ids\""), std::string::npos) << second;
  ::close(child.out);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(CliStreaming, EmbedNpyHoldsEveryChunksRows) {
  const std::string file = write_lines("varied_for_npy.txt", varied_texts(kTexts));
  const std::string npy = (cli_scratch_dir() / "streamed.npy").string();
  const CliResult result = run_cli(
      {"embed", "--model", converted_fixture_model("v1_pooler_sim"), "--file", file, "--npy", npy});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string written = read_text_file(npy);
  EXPECT_NE(written.substr(0, 128).find("'shape': (" + std::to_string(kTexts) + ", "),
            std::string::npos)
      << written.substr(0, 128);
  // No temporary file is left beside it.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(cli_scratch_dir())) {
    files += entry.path().filename().string().rfind("streamed.npy", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(files, 1u);

  // `--npy -` writes the same matrix to stdout.
  const CliResult to_stdout = run_cli(
      {"embed", "--model", converted_fixture_model("v1_pooler_sim"), "--file", file, "--npy", "-"});
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_TRUE(to_stdout.out == written)
      << to_stdout.out.size() << " bytes against " << written.size();
}

// The matrix replaces a symlink's target (the link stays), with the target's permissions.
TEST(CliStreaming, EmbedNpyReplacesASymlinksTargetKeepingItsMode) {
  namespace fs = std::filesystem;
  const fs::path dir = cli_scratch_dir() / "npy_link";
  fs::create_directories(dir);
  const fs::path target = dir / "target.npy", link = dir / "link.npy";
  write_lines("npy_link/target.npy", {"old"});
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink("target.npy", link);

  const CliResult result = run_cli({"embed", "--model", converted_fixture_model("v1_pooler_sim"),
                                    "--npy", link.string(), "一", "二"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_NE(read_text_file(target.string()).find("'shape': (2, "), std::string::npos);
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.exists() ? 1 : 0;
  EXPECT_EQ(files, 2u);  // no temporary file left beside them
}

}  // namespace
}  // namespace roformer::test
