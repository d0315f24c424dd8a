// The README's examples for fill-mask, tag, qa, embed and similarity, run as written (on the
// fixture models it converts) and compared with the output it shows, so the README never goes
// stale. Numbers are compared at the fixtures' tolerance, everything else exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <sstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

struct Example {
  std::vector<std::string> args;    // after ./build/tools/roformer
  std::vector<std::string> output;  // the lines shown after the command
};

// Splits a command line on spaces, keeping "double-quoted" words whole.
std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false, any = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) words.push_back(word);
      word.clear();
      any = false;
    } else {
      word += c;
      any = true;
    }
  }
  if (any) words.push_back(word);
  return words;
}

// `$ ./build/tools/roformer SUB ...` lines inside ```sh blocks with SUB one of ours (and the
// converts of fixtures they use); commands built with $(...) are left to the shell-free tests.
std::vector<Example> readme_examples() {
  static const std::set<std::string> kOurs = {"fill-mask", "tag", "qa", "embed", "similarity"};
  const std::string prompt = "$ ./build/tools/roformer ";
  std::istringstream lines(read_text_file(std::string(ROFORMER_SOURCE_DIR) + "/README.md"));
  std::vector<Example> examples;
  bool in_block = false, collecting = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("```", 0) == 0) {
      in_block = line == "```sh";
      collecting = false;
      continue;
    }
    if (!in_block) continue;
    if (line.rfind("$ ", 0) == 0) {
      collecting = false;
      if (line.rfind(prompt, 0) != 0 || line.find("$(") != std::string::npos) continue;
      auto args = split_words(line.substr(prompt.size()));
      const bool fixture_convert = args[0] == "convert" && args.size() > 1 &&
                                   args[1].rfind("tests/data/fixtures/", 0) == 0;
      if (!kOurs.count(args[0]) && !fixture_convert) continue;
      examples.push_back({args, {}});
      collecting = true;
    } else if (collecting) {
      examples.back().output.push_back(line);
    }
  }
  return examples;
}

// Paths in the README are relative to the source folder; files it writes go to the scratch one.
std::string resolve(const std::string& arg) {
  if (arg.rfind("tests/", 0) == 0) return std::string(ROFORMER_SOURCE_DIR) + "/" + arg;
  for (const char* suffix : {".gguf", ".npy"}) {
    const std::string s = suffix;
    if (arg.size() > s.size() && arg.compare(arg.size() - s.size(), s.size(), s) == 0) {
      return (cli_scratch_dir() / arg).string();
    }
  }
  return arg;
}

void expect_same_json(const nlohmann::json& actual, const nlohmann::json& shown, const std::string& where) {
  if (shown.is_number_float()) {
    const double want = shown.get<double>();
    ASSERT_TRUE(actual.is_number()) << where;
    EXPECT_LE(std::fabs(actual.get<double>() - want), 1e-4 + 1e-4 * std::fabs(want)) << where;
  } else if (shown.is_object() || shown.is_array()) {
    ASSERT_EQ(actual.size(), shown.size()) << where;
    ASSERT_EQ(actual.type(), shown.type()) << where;
    if (shown.is_object()) {
      for (const auto& [key, value] : shown.items()) {
        ASSERT_TRUE(actual.contains(key)) << where << "." << key;
        expect_same_json(actual[key], value, where + "." + key);
      }
    } else {
      for (size_t i = 0; i < shown.size(); ++i) {
        expect_same_json(actual[i], shown[i], where + "[" + std::to_string(i) + "]");
      }
    }
  } else {
    EXPECT_EQ(actual, shown) << where;
  }
}

TEST(ReadmeExamples, HeadSubcommandsPrintWhatTheReadmeShows) {
  const auto examples = readme_examples();
  std::set<std::string> covered;
  for (const auto& example : examples) {
    std::string command;
    std::vector<std::string> args;
    for (const auto& arg : example.args) args.push_back(resolve(arg)), command += arg + " ";
    SCOPED_TRACE(command);
    const CliResult result = run_cli(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    covered.insert(example.args[0]);
    std::istringstream printed(result.out + result.err);
    std::vector<std::string> lines;
    for (std::string line; std::getline(printed, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), example.output.size()) << result.out << result.err;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string& shown = example.output[i];
      if (shown.rfind("{", 0) == 0) {
        expect_same_json(nlohmann::json::parse(lines[i]), nlohmann::json::parse(shown), "line");
      } else {
        // "wrote x.gguf: ... (0.0 s)": the file is in the scratch folder here, the time varies.
        auto summary = [](const std::string& text) {
          const size_t begin = text.find(": "), end = text.rfind(" (");
          return begin == std::string::npos ? text : text.substr(begin, end - begin);
        };
        EXPECT_EQ(summary(lines[i]), summary(shown));
      }
    }
  }
  for (const char* sub : {"fill-mask", "tag", "qa", "embed", "similarity"}) {
    EXPECT_TRUE(covered.count(sub)) << "README.md shows no runnable example of " << sub;
  }
}

}  // namespace
}  // namespace roformer::test
