// tokenizer_config.json at conversion: tokenizer_class picks jieba or plain BERT, the case, accent
// and Chinese-character flags reach the model file, and an unknown class is refused by name.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "model/convert.hpp"
#include "model/model.hpp"
#include "model_test_util.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;

// v1_seqcls with `tokenizer_config` beside it, converted and loaded.
std::shared_ptr<const Model> convert_with(const std::string& variant,
                                          const nlohmann::json& tokenizer_config) {
  const fs::path dir = scratch_dir() / "tokenizer_config" / variant;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* file : {"config.json", "vocab.txt", "model.safetensors"}) {
    fs::copy_file(fixture_dir("v1_seqcls") / file, dir / file);
  }
  std::ofstream(dir / "tokenizer_config.json") << tokenizer_config.dump();
  ConvertOptions options;
  options.jieba_dictionary_path = std::string(ROFORMER_SOURCE_DIR) + "/models/jieba/dict.txt";
  const std::string out = dir.string() + ".gguf";
  convert_checkpoint(dir.string(), out, options);
  return Model::load(out);
}

TEST(TokenizerConfig, RoFormerTokenizerMeansJiebaAndItsFlagsAreKept) {
  const auto model = convert_with("roformer", {{"tokenizer_class", "RoFormerTokenizer"},
                                               {"do_lower_case", false},
                                               {"tokenize_chinese_chars", false},
                                               {"strip_accents", true}});
  EXPECT_EQ(model->tokenizer_kind(), TokenizerKind::kJieba);
  const TokenizerOptions& options = model->tokenizer().options();
  EXPECT_TRUE(options.use_jieba);
  EXPECT_FALSE(options.do_lower_case);
  EXPECT_FALSE(options.tokenize_chinese_chars);
  EXPECT_EQ(options.strip_accents, std::optional<bool>(true));
}

TEST(TokenizerConfig, BertTokenizerMeansPlainWordPieceWithBertDefaults) {
  const auto model = convert_with("bert", {{"tokenizer_class", "BertTokenizer"}});
  EXPECT_EQ(model->tokenizer_kind(), TokenizerKind::kBert);
  const TokenizerOptions& options = model->tokenizer().options();
  EXPECT_FALSE(options.use_jieba);
  EXPECT_TRUE(options.do_lower_case);
  EXPECT_TRUE(options.tokenize_chinese_chars);
  EXPECT_EQ(options.strip_accents, std::nullopt);
}

TEST(TokenizerConfig, AnUnknownTokenizerClassIsRefusedNamingIt) {
  try {
    convert_with("unknown", {{"tokenizer_class", "XLNetTokenizer"}});
    FAIL() << "an unknown tokenizer_class was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_class = \"XLNetTokenizer\""), std::string::npos)
        << e.what();
  }
}

// A folder or a missing file given as the jieba dictionary is called that, not "empty".
TEST(TokenizerConfig, AJiebaDictionaryThatIsAFolderOrMissingIsNamed) {
  const fs::path dir = scratch_dir() / "tokenizer_config" / "bad_dict";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* file : {"config.json", "vocab.txt", "model.safetensors"}) {
    fs::copy_file(fixture_dir("v1_seqcls") / file, dir / file);
  }
  std::ofstream(dir / "tokenizer_config.json") << R"({"tokenizer_class": "RoFormerTokenizer"})";
  const std::pair<std::string, std::string> cases[] = {
      {dir.string(), " is a directory, expected a file"},
      {(dir / "no_such_dict.txt").string(), ": No such file or directory"}};
  for (const auto& [path, expected] : cases) {
    ConvertOptions options;
    options.jieba_dictionary_path = path;
    try {
      convert_checkpoint(dir.string(), dir.string() + ".gguf", options);
      FAIL() << path << " was accepted as a jieba dictionary";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path + expected), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace roformer::test
