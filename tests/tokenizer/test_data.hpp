// Shared fixtures of the tokenizer tests: the vocabulary, the jieba dictionary and the JSONL
// case files under ROFORMER_TEST_DATA, each loaded once.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/tokenizer/tokenizer.hpp"

namespace roformer::test {

std::string read_file(const std::string& path);
std::vector<nlohmann::json> read_jsonl(const std::string& path);

std::vector<std::string> test_vocab();
const std::vector<JiebaEntry>& jieba_dictionary();

// roformer_chinese_base's tokenizer with jieba on (RoFormerTokenizer) and off (BertTokenizer).
const Tokenizer& jieba_tokenizer();
const Tokenizer& bert_tokenizer();

std::string tokenizer_data(const std::string& name);  // tests/data/tokenizer/<name>

}  // namespace roformer::test
