// Shared by the model tests: fixture paths, converting a fixture once per test run, reading
// inputs.json and expected outputs.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "model/checkpoint/checkpoint.hpp"
#include "model/executor.hpp"
#include "model/weights.hpp"

namespace roformer::test {

std::filesystem::path fixture_dir(const std::string& name);
// A scratch folder for this test binary, emptied at first use.
std::filesystem::path scratch_dir();
// Converts a fixture folder (cached per process) and returns the model file.
std::string converted_fixture(const std::string& name,
                              WeightLayout layout = WeightLayout::kPanels16);
std::string default_model_path();

struct FixtureRequest {
  std::string name;
  std::vector<SequenceInput> rows;  // every row the request's full padded length
};
std::vector<FixtureRequest> read_fixture_inputs(const std::string& name);

// Tolerance of ../shared/fixtures/README.md: |actual - expected| <= atol + rtol * |expected|.
constexpr float kFixtureAtol = 1e-4f;
constexpr float kFixtureRtol = 1e-4f;

}  // namespace roformer::test
