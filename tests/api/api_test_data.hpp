// What the API tests read: the shipped model and the held-out ChnSentiCorp reviews.
#pragma once

#include <string>
#include <vector>

namespace roformer::api_test {

std::string default_model_path();
// The first `count` texts of tests/data/chnsenti/test.jsonl.
std::vector<std::string> review_texts(size_t count);
// A fresh file path in a folder removed when the test process exits.
std::string scratch_file(const std::string& name);

}  // namespace roformer::api_test
