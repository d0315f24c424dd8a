#include "fixture_text.hpp"

#include <cmath>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace roformer::test {

namespace {

std::vector<std::string> vocab_of(const std::string& fixture) {
  std::istringstream lines(read_text_file(test_data("fixtures/" + fixture + "/vocab.txt")));
  std::vector<std::string> vocab;
  for (std::string line; std::getline(lines, line);) vocab.push_back(line);
  return vocab;
}

}  // namespace

FixtureRow fixture_row(const std::string& fixture, const std::string& request, size_t row) {
  auto inputs = nlohmann::json::parse(read_text_file(test_data("fixtures/" + fixture + "/inputs.json")));
  for (const auto& item : inputs) {
    if (item["name"] != request) continue;
    FixtureRow out;
    const auto& mask = item["attention_mask"][row];
    for (size_t t = 0; t < mask.size(); ++t) {
      if (mask[t].get<int>() == 0) continue;
      out.input_ids.push_back(item["input_ids"][row][t].get<int>());
      out.token_type_ids.push_back(item["token_type_ids"][row][t].get<int>());
    }
    return out;
  }
  throw std::runtime_error(fixture + " has no request " + request);
}

std::string text_of(const std::string& fixture, const std::vector<int>& ids, size_t begin, size_t end) {
  static std::map<std::string, std::vector<std::string>> vocabs;
  auto& vocab = vocabs[fixture];
  if (vocab.empty()) vocab = vocab_of(fixture);
  std::string text;
  for (size_t i = begin; i < end; ++i) text += vocab.at(ids[i]);
  return text;
}

const checkpoint::TensorMap& expected_outputs(const std::string& fixture) {
  static std::map<std::string, checkpoint::TensorMap> loaded;
  auto& tensors = loaded[fixture];
  if (tensors.empty()) {
    tensors = checkpoint::read_safetensors(test_data("fixtures/" + fixture + "/expected.safetensors"));
  }
  return tensors;
}

std::vector<std::string> fixture_labels(const std::string& fixture) {
  auto config = nlohmann::json::parse(read_text_file(test_data("fixtures/" + fixture + "/config.json")));
  std::vector<std::string> labels(config["id2label"].size());
  for (const auto& [id, label] : config["id2label"].items()) labels.at(std::stoul(id)) = label;
  return labels;
}

std::vector<double> softmax_of(const std::vector<float>& values, size_t begin, size_t count) {
  double peak = values[begin];
  for (size_t i = 0; i < count; ++i) peak = std::max(peak, double(values[begin + i]));
  std::vector<double> out(count);
  double sum = 0.0;
  for (size_t i = 0; i < count; ++i) sum += out[i] = std::exp(values[begin + i] - peak);
  for (double& p : out) p /= sum;
  return out;
}

}  // namespace roformer::test
