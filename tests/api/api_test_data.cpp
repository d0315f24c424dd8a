#include "api_test_data.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace roformer::api_test {

namespace fs = std::filesystem;

std::string default_model_path() {
  return std::string(ROFORMER_SOURCE_DIR) + "/models/roformer-chnsenti-small.gguf";
}

std::vector<std::string> review_texts(size_t count) {
  const std::string path = std::string(ROFORMER_TEST_DATA) + "/chnsenti/test.jsonl";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::string> texts;
  std::string line;
  while (texts.size() < count && std::getline(in, line)) {
    texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
  }
  if (texts.size() != count) {
    throw std::runtime_error(path + " has " + std::to_string(texts.size()) + " texts, expected " +
                             std::to_string(count));
  }
  return texts;
}

namespace {

struct ScratchDir {
  fs::path path;
  ScratchDir() : path(fs::temp_directory_path() / ("roformer_api_test_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

std::string scratch_file(const std::string& name) {
  static const ScratchDir dir;
  return (dir.path / name).string();
}

}  // namespace roformer::api_test
