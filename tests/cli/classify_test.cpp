// `roformer classify` with the default model: values against the PyTorch reference, every input
// convention, both output formats.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

// The first `count` reviews of the shipped test set, with the reference's logits.
std::vector<nlohmann::json> reviews(size_t count) {
  std::istringstream lines(read_text_file(test_data("chnsenti/test.jsonl")));
  std::vector<nlohmann::json> rows;
  std::string line;
  while (rows.size() < count && std::getline(lines, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

double reference_positive_probability(const nlohmann::json& row) {
  const double negative = row["reference_logits"][0], positive = row["reference_logits"][1];
  return 1.0 / (1.0 + std::exp(negative - positive));
}

TEST(CliClassify, JsonlFileMatchesTheReference) {
  const auto rows = reviews(40);
  std::string jsonl;
  for (const auto& row : rows) jsonl += nlohmann::json({{"text", row["text"]}}).dump() + "\n";
  const auto path = (cli_scratch_dir() / "reviews.jsonl").string();
  std::ofstream(path) << jsonl;

  const CliResult result = run_cli({"classify", "--jsonl", "--file", path});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto outputs = json_lines(result.out);
  ASSERT_EQ(outputs.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(outputs[i]["label"], rows[i]["reference_label"]) << "review " << i;
    const double positive = outputs[i]["scores"]["positive"];
    const double negative = outputs[i]["scores"]["negative"];
    EXPECT_NEAR(positive, reference_positive_probability(rows[i]), 1e-4) << "review " << i;
    EXPECT_NEAR(positive + negative, 1.0, 1e-6);
    EXPECT_EQ(outputs[i]["score"], outputs[i]["scores"][outputs[i]["label"].get<std::string>()]);
  }
}

TEST(CliClassify, ArgumentsStdinAndTsvAgree) {
  const auto rows = reviews(3);
  std::vector<std::string> args = {"classify"};
  std::string stdin_text;
  for (const auto& row : rows) {
    args.push_back(row["text"]);
    stdin_text += row["text"].get<std::string>() + "\n";
  }
  const CliResult from_args = run_cli(args);
  const CliResult from_stdin = run_cli({"classify"}, stdin_text);
  ASSERT_EQ(from_args.exit_code, 0) << from_args.err;
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_args.out, from_stdin.out);

  const CliResult tsv = run_cli({"classify", "--format", "tsv"}, stdin_text);
  ASSERT_EQ(tsv.exit_code, 0) << tsv.err;
  const auto json = json_lines(from_args.out);
  std::istringstream lines(tsv.out);
  std::string line;
  size_t row = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    ASSERT_LT(row, json.size());
    EXPECT_EQ(line.substr(0, line.find('\t')), json[row]["label"].get<std::string>()) << line;
    ++row;
  }
  EXPECT_EQ(row, json.size());
}

TEST(CliClassify, LongTextsAreTruncatedWithOneWarning) {
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "好 ";  // 300 tokens
  std::string input;
  for (int i = 0; i < 3; ++i) input += "酒店" + long_text + "\n";
  const CliResult result = run_cli({"classify", "--max-length", "16"}, input);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json_lines(result.out).size(), 3u);
  size_t warnings = 0;
  for (size_t at = result.err.find("truncat"); at != std::string::npos;
       at = result.err.find("truncat", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << result.err;
}

TEST(CliClassify, InvalidUtf8IsClassifiedNotFatal) {
  const CliResult result = run_cli({"classify"}, std::string("\xff\xfe\xc3 房间很干净\n", 17));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto outputs = json_lines(result.out);
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_TRUE(outputs[0]["label"] == "positive" || outputs[0]["label"] == "negative");
}

}  // namespace
}  // namespace roformer::test
