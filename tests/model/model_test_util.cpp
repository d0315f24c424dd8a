#include "model_test_util.hpp"

#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "model/convert.hpp"

namespace roformer::test {

namespace fs = std::filesystem;

fs::path fixture_dir(const std::string& name) {
  return fs::path(ROFORMER_TEST_DATA) / "fixtures" / name;
}

namespace {

// A folder of this process's own, removed when the process exits.
struct ScratchDir {
  fs::path path;
  ScratchDir() : path(fs::temp_directory_path() / ("roformer_model_test_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

fs::path scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

std::string converted_fixture(const std::string& name, WeightLayout layout) {
  static std::mutex mutex;
  static std::map<std::string, std::string> converted;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string file = name + "." + weight_layout_name(layout) + ".gguf";
  if (auto it = converted.find(file); it != converted.end()) return it->second;
  std::string out = (scratch_dir() / file).string();
  ConvertOptions options;
  options.weight_layout = layout;
  convert_checkpoint(fixture_dir(name).string(), out, options);
  converted[file] = out;
  return out;
}

std::string default_model_path() {
  return std::string(ROFORMER_SOURCE_DIR) + "/models/roformer-chnsenti-small.gguf";
}

std::vector<FixtureRequest> read_fixture_inputs(const std::string& name) {
  std::ifstream in(fixture_dir(name) / "inputs.json");
  auto document = nlohmann::json::parse(in);
  std::vector<FixtureRequest> requests;
  for (const auto& item : document) {
    FixtureRequest request;
    request.name = item["name"].get<std::string>();
    const auto& ids = item["input_ids"];
    for (size_t b = 0; b < ids.size(); ++b) {
      SequenceInput row;
      row.input_ids = ids[b].get<std::vector<int32_t>>();
      row.token_type_ids = item["token_type_ids"][b].get<std::vector<int32_t>>();
      auto mask = item["attention_mask"][b].get<std::vector<int>>();
      row.attention_mask.assign(mask.begin(), mask.end());
      request.rows.push_back(std::move(row));
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

}  // namespace roformer::test
