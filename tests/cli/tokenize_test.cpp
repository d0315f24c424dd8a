// `roformer tokenize` with the default model (the real roformer_chinese_base vocabulary, jieba)
// against the reference tokenizer's ids, one process per max_length group.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

TEST(CliTokenize, SharedCasesMatchTheReferenceIds) {
  std::map<int, std::vector<nlohmann::json>> cases_by_max_length;  // 0: no limit
  std::istringstream lines(read_text_file(test_data("tokenizer/cases.jsonl")));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto row = nlohmann::json::parse(line);
    cases_by_max_length[row.value("max_length", 0)].push_back(row);
  }
  ASSERT_GT(cases_by_max_length.size(), 1u);

  size_t checked = 0;
  for (const auto& [max_length, rows] : cases_by_max_length) {
    std::string jsonl;
    for (const auto& row : rows) {
      nlohmann::json request = {{"text", row["text"]}};
      if (row.contains("text_pair") && !row["text_pair"].is_null()) request["text_pair"] = row["text_pair"];
      jsonl += request.dump() + "\n";
    }
    std::vector<std::string> args = {"tokenize", "--jsonl"};
    if (max_length > 0) args.insert(args.end(), {"--max-length", std::to_string(max_length)});
    const CliResult result = run_cli(args, jsonl);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto outputs = json_lines(result.out);
    ASSERT_EQ(outputs.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(outputs[i]["input_ids"], rows[i]["input_ids"]) << rows[i]["text"];
      EXPECT_EQ(outputs[i]["tokens"], rows[i]["tokens"]) << rows[i]["text"];
      EXPECT_EQ(outputs[i]["token_type_ids"], rows[i]["token_type_ids"]) << rows[i]["text"];
      ASSERT_EQ(outputs[i]["offsets"].size(), outputs[i]["tokens"].size());
      EXPECT_TRUE(outputs[i]["offsets"][0].is_null());  // [CLS]
      ++checked;
    }
  }
  EXPECT_EQ(checked, 33u);
}

TEST(CliTokenize, PairGetsSecondSegmentTokenTypes) {
  const CliResult result =
      run_cli({"tokenize", "--jsonl"}, R"({"text": "房间很好", "text_pair": "服务一般"})" "\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto outputs = json_lines(result.out);
  ASSERT_EQ(outputs.size(), 1u);
  const auto& tokens = outputs[0]["tokens"];
  const auto& types = outputs[0]["token_type_ids"];
  ASSERT_EQ(tokens.size(), types.size());
  size_t separators = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(types[i].get<int>(), separators == 0 ? 0 : 1)
        << "token " << i << " " << tokens[i];
    if (tokens[i] == "[SEP]") ++separators;
  }
  EXPECT_EQ(separators, 2u);
  EXPECT_EQ(tokens.back(), "[SEP]");
  // The second text's offsets count within the second text; specials have none.
  EXPECT_EQ(outputs[0]["offsets"], nlohmann::json::parse(
                                       "[null,[0,2],[2,3],[3,4],null,[0,2],[2,4],null]"));
}

}  // namespace
}  // namespace roformer::test
