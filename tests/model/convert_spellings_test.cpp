// Checkpoints as people have them: every accepted spelling of a fixture's weights (prefixes,
// gamma/beta, tied decoders, the sinusoidal table, shards) converts to the same model file byte
// for byte, and what cannot be converted is refused by name.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "model/convert.hpp"
#include "model_test_util.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;
using checkpoint::TensorData;
using checkpoint::TensorMap;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh checkpoint folder with the fixture's config.json and vocab.txt and no weights.
fs::path empty_checkpoint(const std::string& fixture, const std::string& variant) {
  fs::path dir = scratch_dir() / "spellings" / fixture / variant;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* file : {"config.json", "vocab.txt"}) {
    fs::copy_file(fixture_dir(fixture) / file, dir / file);
  }
  return dir;
}

// The model file's bytes; general.name is fixed so only the weights' spelling differs.
std::string convert_bytes(const fs::path& dir) {
  ConvertOptions options;
  options.name = "spelling";
  const fs::path out = dir.string() + ".gguf";
  convert_checkpoint(dir.string(), out.string(), options);
  return read_bytes(out);
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TensorMap fixture_tensors(const std::string& fixture) {
  return checkpoint::read_safetensors((fixture_dir(fixture) / "model.safetensors").string());
}

bool is_base_model_key(const std::string& bare) {
  for (const char* part : {"embeddings.", "embeddings_project.", "encoder.", "pooler."}) {
    if (bare.rfind(part, 0) == 0) return true;
  }
  return false;
}

std::string without_prefix(const std::string& name) {
  return name.rfind("roformer.", 0) == 0 ? name.substr(9) : name;
}

// Base-model keys under `prefix` ("" = bare RoFormerModel keys), head keys unchanged.
TensorMap with_prefix(const TensorMap& tensors, const std::string& prefix) {
  TensorMap out;
  for (const auto& [name, data] : tensors) {
    const std::string bare = without_prefix(name);
    out[is_base_model_key(bare) ? prefix + bare : bare] = data;
  }
  return out;
}

// LayerNorm parameters as TensorFlow names them.
TensorMap with_gamma_beta(const TensorMap& tensors) {
  TensorMap out;
  for (const auto& [name, data] : tensors) {
    std::string renamed = name;
    for (auto [from, to] : {std::pair{"LayerNorm.weight", "LayerNorm.gamma"},
                            std::pair{"LayerNorm.bias", "LayerNorm.beta"}}) {
      const std::string suffix = from;
      if (renamed.size() > suffix.size() &&
          renamed.compare(renamed.size() - suffix.size(), suffix.size(), suffix) == 0) {
        renamed = renamed.substr(0, renamed.size() - suffix.size()) + to;
      }
    }
    out[renamed] = data;
  }
  return out;
}

std::string base_key(const TensorMap& tensors, const std::string& bare) {
  return tensors.count("roformer." + bare) ? "roformer." + bare : bare;
}

// The fixed table older checkpoints carry: [positions, head_dim], sin of every pair angle in the
// first half, cos in the second, rounded from double.
TensorData sinusoidal_table(int64_t positions, int64_t head_dim) {
  TensorData table{{positions, head_dim}, std::vector<float>(positions * head_dim)};
  for (int64_t p = 0; p < positions; ++p) {
    for (int64_t i = 0; i < head_dim / 2; ++i) {
      const double angle = p * std::pow(10000.0, -2.0 * i / head_dim);
      table.values[p * head_dim + i] = static_cast<float>(std::sin(angle));
      table.values[p * head_dim + head_dim / 2 + i] = static_cast<float>(std::cos(angle));
    }
  }
  return table;
}

nlohmann::json fixture_config(const std::string& fixture) {
  std::ifstream in(fixture_dir(fixture) / "config.json");
  return nlohmann::json::parse(in);
}

void write_safetensors_dir(const fs::path& dir, const TensorMap& tensors) {
  checkpoint::write_safetensors((dir / "model.safetensors").string(), tensors);
}

// Two safetensors shards, names alternating, with model.safetensors.index.json.
void write_sharded_safetensors(const fs::path& dir, const TensorMap& tensors) {
  TensorMap shards[2];
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  size_t i = 0;
  for (const auto& [name, data] : tensors) {
    const size_t shard = i++ % 2;
    shards[shard][name] = data;
    index["weight_map"][name] = "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
  }
  for (size_t shard = 0; shard < 2; ++shard) {
    checkpoint::write_safetensors(
        (dir / ("model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors")).string(),
        shards[shard]);
  }
  write_bytes(dir / "model.safetensors.index.json", index.dump(2));
}

class KeySpellings : public ::testing::TestWithParam<std::string> {
 protected:
  // The fixture's own model.safetensors converted: what every spelling must reproduce.
  std::string reference() {
    const std::string fixture = GetParam();
    fs::path dir = empty_checkpoint(fixture, "original");
    fs::copy_file(fixture_dir(fixture) / "model.safetensors", dir / "model.safetensors");
    return convert_bytes(dir);
  }
  std::string spelled(const std::string& variant, const TensorMap& tensors) {
    fs::path dir = empty_checkpoint(GetParam(), variant);
    write_safetensors_dir(dir, tensors);
    return convert_bytes(dir);
  }
};

TEST_P(KeySpellings, PrefixesAndGammaBetaGiveIdenticalFiles) {
  const std::string expected = reference();
  const TensorMap tensors = fixture_tensors(GetParam());
  ASSERT_GT(expected.size(), 1000u);
  EXPECT_TRUE(spelled("roformer_prefix", with_prefix(tensors, "roformer.")) == expected);
  EXPECT_TRUE(spelled("bare", with_prefix(tensors, "")) == expected);
  EXPECT_TRUE(spelled("bert_prefix", with_prefix(tensors, "bert.")) == expected);
  EXPECT_TRUE(spelled("gamma_beta", with_gamma_beta(tensors)) == expected);
  EXPECT_TRUE(spelled("keras", with_gamma_beta(with_prefix(tensors, "bert."))) == expected);
}

TEST_P(KeySpellings, SinusoidalTablePresentOrAbsentGivesIdenticalFiles) {
  const std::string expected = reference();
  TensorMap tensors = fixture_tensors(GetParam());
  const auto config = fixture_config(GetParam());
  const std::string table_key = base_key(tensors, "encoder.embed_positions.weight");
  tensors.erase(table_key);
  EXPECT_TRUE(spelled("no_table", tensors) == expected);
  const int64_t head_dim = config["hidden_size"].get<int64_t>() /
                           config["num_attention_heads"].get<int64_t>();
  tensors[table_key] = sinusoidal_table(config["max_position_embeddings"].get<int64_t>(), head_dim);
  EXPECT_TRUE(spelled("with_table", tensors) == expected);
}

TEST_P(KeySpellings, ShardedCheckpointsGiveIdenticalFiles) {
  const std::string fixture = GetParam();
  const std::string expected = reference();
  fs::path dir = empty_checkpoint(fixture, "sharded_safetensors");
  write_sharded_safetensors(dir, fixture_tensors(fixture));
  EXPECT_TRUE(convert_bytes(dir) == expected);

  // One pytorch_model.bin shard named by pytorch_model.bin.index.json.
  if (!fs::exists(fixture_dir(fixture) / "pytorch_model.bin")) return;
  dir = empty_checkpoint(fixture, "sharded_bin");
  fs::copy_file(fixture_dir(fixture) / "pytorch_model.bin", dir / "pytorch_model-00001-of-00001.bin");
  nlohmann::json index = {{"weight_map", nlohmann::json::object()}};
  for (const auto& [name, data] : fixture_tensors(fixture)) {
    index["weight_map"][name] = "pytorch_model-00001-of-00001.bin";
  }
  write_bytes(dir / "pytorch_model.bin.index.json", index.dump());
  EXPECT_TRUE(convert_bytes(dir) == expected);
}

INSTANTIATE_TEST_SUITE_P(EveryFixture, KeySpellings,
                         ::testing::Values("v1_seqcls", "v1_mlm_embproj", "v1_tokcls_rotary_value",
                                           "v1_pooler_sim", "v1_qa", "v2_mlm", "v2_seqcls"));

class TiedDecoder : public KeySpellings {};

TEST_P(TiedDecoder, PresentOrAbsentGivesIdenticalFiles) {
  const std::string expected = reference();
  TensorMap tensors = fixture_tensors(GetParam());
  const std::string embeddings = base_key(tensors, "embeddings.word_embeddings.weight");
  tensors.erase("cls.predictions.decoder.weight");
  tensors.erase("cls.predictions.decoder.bias");
  EXPECT_TRUE(spelled("no_decoder", tensors) == expected);
  tensors["cls.predictions.decoder.weight"] = tensors[embeddings];
  if (tensors.count("cls.predictions.bias")) {
    tensors["cls.predictions.decoder.bias"] = tensors["cls.predictions.bias"];
  }
  EXPECT_TRUE(spelled("with_decoder", tensors) == expected);
}

TEST_P(TiedDecoder, AnUntiedDecoderIsRefusedNamingIt) {
  TensorMap tensors = fixture_tensors(GetParam());
  const std::string embeddings = base_key(tensors, "embeddings.word_embeddings.weight");
  tensors["cls.predictions.decoder.weight"] = tensors[embeddings];
  tensors["cls.predictions.decoder.weight"].values[7] += 0.5f;
  fs::path dir = empty_checkpoint(GetParam(), "untied");
  write_safetensors_dir(dir, tensors);
  auto message = error_of([&] { convert_bytes(dir); });
  EXPECT_NE(message.find("cls.predictions.decoder.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("untied"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(MaskedLmFixtures, TiedDecoder, ::testing::Values("v1_mlm_embproj", "v2_mlm"));

TEST(ConvertRefusal, AnUnknownDtypeNamesTensorAndDtype) {
  fs::path dir = empty_checkpoint("v1_seqcls", "dtype");
  std::string bytes = read_bytes(fixture_dir("v1_seqcls") / "model.safetensors");
  // I32 has F32's width, so only the dtype is wrong.
  const std::string f32 = "\"dtype\":\"F32\"";
  const size_t at = bytes.find(f32);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, f32.size(), "\"dtype\":\"I32\"");
  write_bytes(dir / "model.safetensors", bytes);
  auto message = error_of([&] { convert_bytes(dir); });
  EXPECT_NE(message.find("I32"), std::string::npos) << message;
  EXPECT_NE(message.find("classifier.dense.bias"), std::string::npos) << message;
}

TEST(ConvertRefusal, ASinusoidalTableOfAnotherEncodingIsRefused) {
  TensorMap tensors = fixture_tensors("v1_qa");
  tensors["roformer.encoder.embed_positions.weight"].values[200] += 0.01f;
  fs::path dir = empty_checkpoint("v1_qa", "other_table");
  write_safetensors_dir(dir, tensors);
  auto message = error_of([&] { convert_bytes(dir); });
  EXPECT_NE(message.find("embed_positions"), std::string::npos) << message;
}

TEST(ConvertRefusal, TwoSpellingsOfOneWeightAreRefused) {
  TensorMap tensors = fixture_tensors("v1_seqcls");
  tensors["bert.embeddings.word_embeddings.weight"] =
      tensors["roformer.embeddings.word_embeddings.weight"];
  fs::path dir = empty_checkpoint("v1_seqcls", "twice");
  write_safetensors_dir(dir, tensors);
  auto message = error_of([&] { convert_bytes(dir); });
  EXPECT_NE(message.find("bert.embeddings.word_embeddings.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("roformer.embeddings.word_embeddings.weight"), std::string::npos) << message;
}

}  // namespace
}  // namespace roformer::test
