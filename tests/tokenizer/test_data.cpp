#include "test_data.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace roformer::test {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::istringstream lines(read_file(path));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

std::string tokenizer_data(const std::string& name) {
  return std::string(ROFORMER_TEST_DATA) + "/tokenizer/" + name;
}

std::vector<std::string> test_vocab() {
  // One token per line, the line number is the id (transformers' load_vocab).
  std::vector<std::string> vocab;
  std::istringstream lines(read_file(tokenizer_data("vocab.txt")));
  std::string line;
  while (std::getline(lines, line)) vocab.push_back(line);
  return vocab;
}

const std::vector<JiebaEntry>& jieba_dictionary() {
  static const std::vector<JiebaEntry> entries =
      parse_jieba_dictionary(read_file(std::string(ROFORMER_SOURCE_DIR) + "/models/jieba/dict.txt"));
  return entries;
}

const Tokenizer& jieba_tokenizer() {
  static const Tokenizer tokenizer = [] {
    TokenizerOptions options;
    options.use_jieba = true;
    return Tokenizer(test_vocab(), options, jieba_dictionary());
  }();
  return tokenizer;
}

const Tokenizer& bert_tokenizer() {
  static const Tokenizer tokenizer(test_vocab(), TokenizerOptions{});
  return tokenizer;
}

}  // namespace roformer::test
