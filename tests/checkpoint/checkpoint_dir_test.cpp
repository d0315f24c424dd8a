#include <nlohmann/json.hpp>

#include "test_files.hpp"

namespace roformer::checkpoint {
namespace {

namespace fs = std::filesystem;
using testing::expect_error;
using testing::TempDir;

const fs::path kCase = testing::fixtures_dir() / "v1_seqcls";

// Splits `tensors` into two safetensors shards in `dir` and writes the index for them.
void write_two_shards(const fs::path& dir, const TensorMap& tensors) {
  TensorMap first;
  TensorMap second;
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  size_t i = 0;
  for (const auto& [name, tensor] : tensors) {
    const bool in_first = i++ % 2 == 0;
    (in_first ? first : second)[name] = tensor;
    index["weight_map"][name] =
        in_first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  write_safetensors((dir / "model-00001-of-00002.safetensors").string(), first);
  write_safetensors((dir / "model-00002-of-00002.safetensors").string(), second);
  testing::write_bytes((dir / "model.safetensors.index.json").string(), index.dump(2));
}

TEST(CheckpointDir, PrefersModelSafetensors) {
  testing::expect_same_tensors(read_safetensors((kCase / "model.safetensors").string()),
                               read_checkpoint_dir(kCase.string()));
}

TEST(CheckpointDir, FallsBackToPytorchModelBin) {
  TempDir temp;
  fs::copy_file(kCase / "pytorch_model.bin", temp.path() / "pytorch_model.bin");
  testing::expect_same_tensors(read_safetensors((kCase / "model.safetensors").string()),
                               read_checkpoint_dir(temp.path().string()));
}

TEST(CheckpointDir, ShardedSafetensorsEqualTheWholeCheckpoint) {
  const TensorMap whole = read_safetensors((kCase / "model.safetensors").string());
  TempDir temp;
  write_two_shards(temp.path(), whole);
  testing::expect_same_tensors(whole, read_checkpoint_dir(temp.path().string()));
}

TEST(CheckpointDir, ShardedPytorchBinEqualsTheWholeCheckpoint) {
  const TensorMap whole = read_safetensors((kCase / "model.safetensors").string());
  TempDir temp;
  fs::copy_file(kCase / "pytorch_model.bin", temp.path() / "pytorch_model-00001-of-00001.bin");
  nlohmann::json index = {{"weight_map", nlohmann::json::object()}};
  for (const auto& [name, tensor] : whole) {
    index["weight_map"][name] = "pytorch_model-00001-of-00001.bin";
  }
  testing::write_bytes(temp.file("pytorch_model.bin.index.json"), index.dump());
  testing::expect_same_tensors(whole, read_checkpoint_dir(temp.path().string()));
}

TEST(CheckpointDir, RefusesShardPathsEscapingTheFolder) {
  for (const std::string shard : {"../model.safetensors", "/etc/passwd", "sub/../../x.safetensors", ""}) {
    TempDir temp;
    const nlohmann::json index = {{"weight_map", {{"w", shard}}}};
    testing::write_bytes(temp.file("model.safetensors.index.json"), index.dump());
    expect_error([&] { read_checkpoint_dir(temp.path().string()); }, ErrorCode::kBadModel,
                 {"model.safetensors.index.json", "'" + shard + "'", "inside the checkpoint folder"});
  }
}

TEST(CheckpointDir, RefusesANameMissingFromItsShard) {
  TempDir temp;
  write_two_shards(temp.path(), read_safetensors((kCase / "model.safetensors").string()));
  auto index = nlohmann::json::parse(testing::read_bytes(temp.file("model.safetensors.index.json")));
  index["weight_map"]["classifier.extra.weight"] = "model-00002-of-00002.safetensors";
  testing::write_bytes(temp.file("model.safetensors.index.json"), index.dump());
  expect_error([&] { read_checkpoint_dir(temp.path().string()); }, ErrorCode::kBadModel,
               {"'classifier.extra.weight'", "model-00002-of-00002.safetensors", "does not contain"});
}

TEST(CheckpointDir, RefusesATensorInTwoShardsAndAMissingShard) {
  TempDir temp;
  TensorMap tensors;
  tensors["w"] = {{1}, {1.0f}};
  write_safetensors(temp.file("a.safetensors"), tensors);
  tensors["v"] = {{1}, {2.0f}};
  write_safetensors(temp.file("b.safetensors"), tensors);
  testing::write_bytes(temp.file("model.safetensors.index.json"),
                       R"({"weight_map":{"w":"a.safetensors","v":"b.safetensors"}})");
  expect_error([&] { read_checkpoint_dir(temp.path().string()); }, ErrorCode::kBadModel,
               {"'w'", "more than one shard"});
  testing::write_bytes(temp.file("model.safetensors.index.json"),
                       R"({"weight_map":{"w":"c.safetensors"}})");
  expect_error([&] { read_checkpoint_dir(temp.path().string()); }, ErrorCode::kIo,
               {"c.safetensors", "not found"});
}

TEST(CheckpointDir, RefusesMalformedIndexesAndEmptyFolders) {
  TempDir temp;
  expect_error([&] { read_checkpoint_dir(temp.path().string()); }, ErrorCode::kBadModel,
               {"no checkpoint found", "model.safetensors.index.json"});
  // The parser's words follow the file without nlohmann's "[json.exception...] " prefix.
  testing::write_bytes(temp.file("model.safetensors.index.json"), "{\"weight_map\": [");
  expect_error([&] { read_checkpoint_dir(temp.path().string()); }, ErrorCode::kBadModel,
               {"model.safetensors.index.json: not valid JSON: parse error at line 1, column 17: syntax "
                "error while parsing value - "
                "unexpected end of input; expected '[', '{', or a literal"});
  testing::write_bytes(temp.file("model.safetensors.index.json"), R"({"metadata": {}})");
  expect_error([&] { read_checkpoint_dir(temp.path().string()); }, ErrorCode::kBadModel,
               {"\"weight_map\""});
  expect_error([] { read_checkpoint_dir("/nonexistent/checkpoint"); }, ErrorCode::kIo,
               {"not a directory"});
}

}  // namespace
}  // namespace roformer::checkpoint
