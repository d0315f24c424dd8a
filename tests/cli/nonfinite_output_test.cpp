// A model whose output is NaN (here: every word embedding NaN, as a damaged file might hold) is
// refused with one line instead of printing a label, token or answer read from nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "cli_runner.hpp"
#include "model/checkpoint/checkpoint.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The fixture converted with its word embeddings set to NaN. A tied decoder copy is dropped: the
// converter compares it with the embeddings, and NaN equals nothing.
std::string nan_model(const std::string& fixture) {
  const fs::path dir = cli_scratch_dir() / ("nan_" + fixture);
  fs::create_directories(dir);
  for (const char* file : {"config.json", "vocab.txt", "tokenizer_config.json"}) {
    const fs::path source = test_data("fixtures/" + fixture + "/" + file);
    if (fs::exists(source)) fs::copy_file(source, dir / file, fs::copy_options::overwrite_existing);
  }
  auto tensors = checkpoint::read_safetensors(test_data("fixtures/" + fixture + "/model.safetensors"));
  for (auto it = tensors.begin(); it != tensors.end();) {
    if (ends_with(it->first, "embeddings.word_embeddings.weight")) {
      for (float& value : it->second.values) value = std::numeric_limits<float>::quiet_NaN();
    }
    it = ends_with(it->first, "decoder.weight") ? tensors.erase(it) : std::next(it);
  }
  checkpoint::write_safetensors((dir / "model.safetensors").string(), tensors);
  const std::string model = (cli_scratch_dir() / ("nan_" + fixture + ".gguf")).string();
  const CliResult converted = run_cli({"convert", dir.string(), "-o", model});
  if (converted.exit_code != 0) throw std::runtime_error("convert failed: " + converted.err);
  return model;
}

struct NanCase {
  std::string fixture;
  std::vector<std::string> args;  // before --model; the texts follow
  std::vector<std::string> texts;
  std::string item;               // what the error counts: text, question
};

void PrintTo(const NanCase& c, std::ostream* out) { *out << c.args[0]; }

class CliNonFiniteOutput : public ::testing::TestWithParam<NanCase> {};

TEST_P(CliNonFiniteOutput, IsRefusedNamingTheInput) {
  const NanCase& c = GetParam();
  std::vector<std::string> args = c.args;
  args.insert(args.end(), {"--model", nan_model(c.fixture)});
  args.insert(args.end(), c.texts.begin(), c.texts.end());
  const CliResult result = run_cli(args);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err,
            "roformer: error: model output is not finite (NaN or infinity) for " + c.item + " 1\n");
  EXPECT_EQ(result.out, "");
}

INSTANTIATE_TEST_SUITE_P(
    EveryHead, CliNonFiniteOutput,
    ::testing::Values(NanCase{"v1_seqcls", {"classify"}, {"丁"}, "text"},
                      NanCase{"v1_seqcls", {"classify", "--format", "tsv"}, {"丁", "丂"}, "text"},
                      NanCase{"v1_tokcls_rotary_value", {"tag"}, {"丁"}, "text"},
                      NanCase{"v1_qa", {"qa"}, {"丁", "丂"}, "question"},
                      NanCase{"v2_mlm", {"fill-mask"}, {"丁[MASK]"}, "text"},
                      NanCase{"v1_pooler_sim", {"embed"}, {"丁"}, "text"}));

}  // namespace
}  // namespace roformer::test
