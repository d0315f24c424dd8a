// Fixture requests as text: the fixtures' vocabularies hold one CJK character per id (and the
// specials), so a row of ids is spelled by joining its tokens, and the tokenizer gives the ids back.
#pragma once

#include <string>
#include <vector>

#include "model/checkpoint/checkpoint.hpp"

namespace roformer::test {

struct FixtureRow {
  std::vector<int> input_ids;       // [CLS] ... [SEP] (...[SEP]), real tokens only
  std::vector<int> token_type_ids;
};

// Request `request` of fixture `fixture`, row `row`, without its padding.
FixtureRow fixture_row(const std::string& fixture, const std::string& request, size_t row = 0);

// The tokens of ids[begin, end) joined: "[MASK]" stays literal.
std::string text_of(const std::string& fixture, const std::vector<int>& ids, size_t begin, size_t end);

// expected.safetensors of the fixture.
const checkpoint::TensorMap& expected_outputs(const std::string& fixture);

// config.json's id2label in id order.
std::vector<std::string> fixture_labels(const std::string& fixture);

// Softmax of values[begin, begin + count) in double.
std::vector<double> softmax_of(const std::vector<float>& values, size_t begin, size_t count);

}  // namespace roformer::test
