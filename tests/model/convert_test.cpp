// The converter: identical output from .bin and .safetensors, refusals that name the problem,
// and a model file that is truncated or corrupted is refused with a clear message.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "model/convert.hpp"
#include "model_test_util.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A copy of a fixture folder holding only config.json, vocab.txt and the named weights file.
fs::path checkpoint_copy(const std::string& fixture, const std::string& weights,
                         const std::string& where) {
  fs::path dir = scratch_dir() / where / fixture;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* file : {"config.json", "vocab.txt"}) {
    fs::copy_file(fixture_dir(fixture) / file, dir / file);
  }
  if (!weights.empty()) fs::copy_file(fixture_dir(fixture) / weights, dir / weights);
  return dir;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

class BinVersusSafetensors : public ::testing::TestWithParam<std::string> {};

TEST_P(BinVersusSafetensors, GiveByteIdenticalModelFiles) {
  const std::string name = GetParam();
  auto from_bin = checkpoint_copy(name, "pytorch_model.bin", "bin");
  auto from_safetensors = checkpoint_copy(name, "model.safetensors", "st");
  auto out_bin = scratch_dir() / (name + ".from_bin.gguf");
  auto out_st = scratch_dir() / (name + ".from_st.gguf");
  convert_checkpoint(from_bin.string(), out_bin.string(), ConvertOptions{});
  convert_checkpoint(from_safetensors.string(), out_st.string(), ConvertOptions{});
  auto a = read_bytes(out_bin), b = read_bytes(out_st);
  EXPECT_GT(a.size(), 1000u);
  EXPECT_TRUE(a == b) << name << ": " << a.size() << " vs " << b.size() << " bytes";
}

INSTANTIATE_TEST_SUITE_P(FixturesWithBothFiles, BinVersusSafetensors,
                         ::testing::Values("v1_seqcls", "v1_mlm_embproj", "v1_tokcls_rotary_value",
                                           "v1_pooler_sim", "v1_qa", "v2_mlm", "v2_seqcls"));

TEST(Convert, RefusesACheckpointWithATensorDeleted) {
  auto dir = checkpoint_copy("v1_seqcls", "", "deleted");
  auto tensors = checkpoint::read_safetensors((fixture_dir("v1_seqcls") / "model.safetensors").string());
  ASSERT_EQ(tensors.erase("roformer.encoder.layer.1.attention.self.key.weight"), 1u);
  checkpoint::write_safetensors((dir / "model.safetensors").string(), tensors);
  auto out = scratch_dir() / "deleted.gguf";
  auto message = error_of([&] { convert_checkpoint(dir.string(), out.string(), ConvertOptions{}); });
  EXPECT_NE(message.find("missing"), std::string::npos) << message;
  EXPECT_NE(message.find("encoder.layer.1.attention.self.key.weight"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(out)) << "a failed conversion must leave no file";
}

TEST(Convert, RefusesATensorOfTheWrongShapeAndAnUnexpectedOne) {
  auto dir = checkpoint_copy("v1_seqcls", "", "reshaped");
  auto tensors = checkpoint::read_safetensors((fixture_dir("v1_seqcls") / "model.safetensors").string());
  tensors["roformer.encoder.layer.0.intermediate.dense.bias"].shape = {64, 2};
  tensors["roformer.extra.weight"] = {{2}, {1.0f, 2.0f}};
  checkpoint::write_safetensors((dir / "model.safetensors").string(), tensors);
  auto message = error_of([&] {
    convert_checkpoint(dir.string(), (scratch_dir() / "reshaped.gguf").string(), ConvertOptions{});
  });
  EXPECT_NE(message.find("encoder.layer.0.intermediate.dense.bias (expected [128], found [64, 2])"),
            std::string::npos) << message;
  EXPECT_NE(message.find("unexpected: extra.weight"), std::string::npos) << message;
}

// A layer count the checkpoint does not hold is refused before the expected tensors are listed:
// 10^7 layers used to grow to 24 GB and 10^5 to end in an 85 MB message naming each one.
TEST(Convert, RefusesANumHiddenLayersTheCheckpointDoesNotHold) {
  auto dir = checkpoint_copy("v1_seqcls", "model.safetensors", "layers");
  std::ifstream in(fixture_dir("v1_seqcls") / "config.json");
  auto config = nlohmann::json::parse(in);
  for (int layers : {10000000, 100000, 3, 1}) {
    SCOPED_TRACE(layers);
    config["num_hidden_layers"] = layers;
    write_bytes(dir / "config.json", config.dump());
    auto message = error_of([&] {
      convert_checkpoint(dir.string(), (scratch_dir() / "layers.gguf").string(), ConvertOptions{});
    });
    EXPECT_NE(message.find(dir.string() + ": config.json num_hidden_layers = " +
                           std::to_string(layers) + " but the checkpoint holds 2 layers "
                           "(encoder.layer.0 to encoder.layer.1)"),
              std::string::npos) << message;
    EXPECT_LT(message.size(), 500u) << message;
  }
}

// However far the weights are from config.json, the message lists a few names, then a count.
TEST(Convert, ListsAFewMismatchedTensorsThenCountsTheRest) {
  auto dir = checkpoint_copy("v1_seqcls", "", "many_extra");
  auto tensors = checkpoint::read_safetensors((fixture_dir("v1_seqcls") / "model.safetensors").string());
  for (int i = 0; i < 100; ++i) tensors["extra." + std::to_string(100 + i)] = {{1}, {1.0f}};
  checkpoint::write_safetensors((dir / "model.safetensors").string(), tensors);
  auto message = error_of([&] {
    convert_checkpoint(dir.string(), (scratch_dir() / "many_extra.gguf").string(), ConvertOptions{});
  });
  EXPECT_NE(message.find("unexpected: extra.100 [1], extra.101 [1]"), std::string::npos) << message;
  EXPECT_NE(message.find("extra.107 [1] ... and 92 more"), std::string::npos) << message;
  EXPECT_EQ(message.find("extra.108"), std::string::npos) << message;
}

TEST(Convert, RefusesUnsupportedArchitectureFlagsNamingThem) {
  for (const std::string fixture : {"v1_seqcls", "v2_seqcls"}) {
    auto dir = checkpoint_copy(fixture, "model.safetensors", "flags");
    std::ifstream in(fixture_dir(fixture) / "config.json");
    auto config = nlohmann::json::parse(in);
    for (auto [field, value] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"norm_type", "batch_norm"}, {"hidden_act", "mish"}, {"model_type", "bert"},
             {"position_embedding_type", "absolute"}, {"pooler_activation", "softmax"}}) {
      auto changed = config;
      changed[field] = value;
      write_bytes(dir / "config.json", changed.dump());
      auto message = error_of([&] {
        convert_checkpoint(dir.string(), (scratch_dir() / "flags.gguf").string(), ConvertOptions{});
      });
      EXPECT_NE(message.find(field + " = \"" + value.get<std::string>() + "\""), std::string::npos)
          << fixture << ": " << message;
    }
  }
}

// A syntax error reads as the file, then what the parser expected and where, without nlohmann's
// "[json.exception.parse_error.101]" prefix; tokenizer_config.json goes through the same reader.
TEST(Convert, NamesAConfigThatIsNotJsonWithTheLineAndColumn) {
  auto dir = checkpoint_copy("v1_seqcls", "model.safetensors", "not_json");
  const std::string out = (scratch_dir() / "not_json.gguf").string();
  write_bytes(dir / "config.json", "{\n  \"hidden_size\": 8,\n  }\n");
  EXPECT_EQ(error_of([&] { convert_checkpoint(dir.string(), out, ConvertOptions{}); }),
            (dir / "config.json").string() +
                ": not valid JSON: parse error at line 3, column 3: syntax error while parsing "
                "object key - unexpected '}'; expected string literal");

  fs::copy_file(fixture_dir("v1_seqcls") / "config.json", dir / "config.json",
                fs::copy_options::overwrite_existing);
  write_bytes(dir / "tokenizer_config.json", "{\"do_lower_case\": tru}");
  EXPECT_EQ(error_of([&] { convert_checkpoint(dir.string(), out, ConvertOptions{}); }),
            (dir / "tokenizer_config.json").string() +
                ": not valid JSON: parse error at line 1, column 22: syntax error while parsing "
                "value - invalid literal; last read: '\"do_lower_case\": tru}'");
}

// The parser quotes the token it stopped in; a 200 KB one is cut so the message stays one line.
TEST(Convert, CutsAJsonErrorThatQuotesAHugeToken) {
  auto dir = checkpoint_copy("v1_seqcls", "model.safetensors", "huge_token");
  write_bytes(dir / "config.json", "{\"a\": \"" + std::string(200000, 'x') + "\" oops}");
  const std::string message = error_of([&] {
    convert_checkpoint(dir.string(), (scratch_dir() / "huge_token.gguf").string(), ConvertOptions{});
  });
  EXPECT_EQ(message.rfind((dir / "config.json").string() + ": not valid JSON: parse error at line 1, "
                          "column 200010: syntax error while parsing object - ", 0), 0u) << message;
  EXPECT_LT(message.size(), (dir / "config.json").string().size() + 330) << message.size();
  EXPECT_EQ(message.substr(message.size() - 6), "xxx...");
}

// A field too large is called too large, and a config.json error names the checkpoint's folder.
TEST(Convert, NamesAConfigFieldTooLargeAndTheFolderItIsIn) {
  auto dir = checkpoint_copy("v1_seqcls", "model.safetensors", "too_large");
  std::ifstream in(fixture_dir("v1_seqcls") / "config.json");
  auto config = nlohmann::json::parse(in);
  const std::string out = (scratch_dir() / "too_large.gguf").string();
  for (const uint64_t value : {uint64_t(1) << 30 << 1, uint64_t(1000000000000), ~uint64_t(0)}) {
    config["hidden_size"] = value;
    write_bytes(dir / "config.json", config.dump());
    EXPECT_EQ(error_of([&] { convert_checkpoint(dir.string(), out, ConvertOptions{}); }),
              (dir / "config.json").string() + ": \"hidden_size\" is " + std::to_string(value) +
                  ", too large (expected at most 1073741824)");
  }
  config["hidden_size"] = -5;
  write_bytes(dir / "config.json", config.dump());
  EXPECT_EQ(error_of([&] { convert_checkpoint(dir.string(), out, ConvertOptions{}); }),
            (dir / "config.json").string() + ": \"hidden_size\" must be a positive integer, got -5");
}

TEST(Convert, RefusesAVocabularyOfTheWrongLength) {
  auto dir = checkpoint_copy("v1_seqcls", "model.safetensors", "vocab");
  write_bytes(dir / "vocab.txt", read_bytes(fixture_dir("v1_seqcls") / "vocab.txt") + "extra\n");
  auto message = error_of([&] {
    convert_checkpoint(dir.string(), (scratch_dir() / "vocab.gguf").string(), ConvertOptions{});
  });
  EXPECT_NE(message.find("1001"), std::string::npos) << message;
  EXPECT_NE(message.find("1000"), std::string::npos) << message;
}

TEST(Convert, RefusesAnOutputPathThatIsNotARegularFile) {
  auto dir = checkpoint_copy("v1_seqcls", "model.safetensors", "special_output");
  const fs::path folder = scratch_dir() / "output_folder";
  const fs::path fifo = scratch_dir() / "output_fifo";
  fs::create_directories(folder);
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  for (const auto& [path, kind] : {std::pair<fs::path, std::string>{folder, "a directory"},
                                   {fifo, "a FIFO"}}) {
    auto message = error_of([&] { convert_checkpoint(dir.string(), path.string(), ConvertOptions{}); });
    EXPECT_NE(message.find("output " + path.string() + " is " + kind + "; refusing to replace it"),
              std::string::npos) << message;
  }
  EXPECT_TRUE(fs::is_directory(folder));
  EXPECT_TRUE(fs::is_fifo(fifo)) << "the FIFO must not be replaced";
}

TEST(Convert, RefusesLabelNamesThatAreDuplicateEmptyOrHoldControlCharacters) {
  auto dir = checkpoint_copy("v1_seqcls", "model.safetensors", "labels");
  std::ifstream in(fixture_dir("v1_seqcls") / "config.json");
  const auto config = nlohmann::json::parse(in);
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {{{"0", "pos"}, {"1", "neg"}, {"2", "pos"}}, "id2label 0 and 2 are both \"pos\""},
      {{{"0", "a"}, {"1", ""}, {"2", "c"}}, "id2label 1 is empty"},
      {{{"0", "a"}, {"1", "b\tc"}, {"2", "d"}}, "id2label 1 is \"b\\tc\""},
      {{{"0", "a"}, {"1", "b"}, {"2", "line\nbreak"}}, "id2label 2 is \"line\\nbreak\""},
      {{{"0", "\x01"}, {"1", "b"}, {"2", "c"}}, "id2label 0 is \"\\u0001\""},
      {{{"0", "a"}, {"1", "next\xC2\x85line"}, {"2", "c"}}, "id2label 1 is \"next\xC2\x85line\""},
      {{{"0", "a"}, {"1", "b"}, {"01", "c"}}, "id2label keys \"01\" and \"1\" both name id 1"},
      {{{"0", "a"}, {"1", "b"}, {"2x", "c"}}, "id2label key \"2x\" is not an index"},
  };
  for (const auto& [id2label, expected] : cases) {
    auto changed = config;
    changed["id2label"] = id2label;
    write_bytes(dir / "config.json", changed.dump());
    auto message = error_of([&] {
      convert_checkpoint(dir.string(), (scratch_dir() / "labels.gguf").string(), ConvertOptions{});
    });
    EXPECT_NE(message.find("config.json: " + expected), std::string::npos)
        << id2label.dump() << ": " << message;
  }
}

TEST(Convert, RefusesAVocabularyWithoutATokenTheTokenizerNeeds) {
  // Each line renamed keeps the vocabulary's length, so only the missing token is wrong.
  auto rename_line = [](const std::string& vocab, const std::string& token) {
    std::string changed = vocab;
    changed.replace(changed.find(token + "\n"), token.size(), "renamed");
    return changed;
  };
  for (const auto& [fixture, token] :
       {std::pair<std::string, std::string>{"v1_seqcls", "[UNK]"}, {"v1_seqcls", "[CLS]"},
        {"v1_seqcls", "[SEP]"}, {"v2_mlm", "[MASK]"}}) {
    auto dir = checkpoint_copy(fixture, "model.safetensors", "specials");
    write_bytes(dir / "vocab.txt", rename_line(read_bytes(fixture_dir(fixture) / "vocab.txt"), token));
    auto out = scratch_dir() / "specials.gguf";
    auto message = error_of([&] { convert_checkpoint(dir.string(), out.string(), ConvertOptions{}); });
    EXPECT_NE(message.find((dir / "vocab.txt").string() + ": no " + token + " token"),
              std::string::npos) << message;
    EXPECT_FALSE(fs::exists(out));
  }

  // [PAD] pads nothing here and [MASK] matters only to a masked-LM head.
  for (const std::string token : {"[PAD]", "[MASK]"}) {
    auto dir = checkpoint_copy("v1_seqcls", "model.safetensors", "optional_specials");
    write_bytes(dir / "vocab.txt", rename_line(read_bytes(fixture_dir("v1_seqcls") / "vocab.txt"), token));
    EXPECT_EQ(error_of([&] {
                convert_checkpoint(dir.string(), (scratch_dir() / "optional.gguf").string(),
                                   ConvertOptions{});
              }),
              "(no error)") << token;
  }

  auto dir = checkpoint_copy("v1_seqcls", "model.safetensors", "crlf");
  std::string crlf;
  for (char c : read_bytes(fixture_dir("v1_seqcls") / "vocab.txt")) crlf += c == '\n' ? "\r\n" : std::string(1, c);
  write_bytes(dir / "vocab.txt", crlf);
  auto message = error_of([&] {
    convert_checkpoint(dir.string(), (scratch_dir() / "crlf.gguf").string(), ConvertOptions{});
  });
  EXPECT_NE(message.find("no [UNK] token"), std::string::npos) << message;
  EXPECT_NE(message.find("Windows line endings"), std::string::npos) << message;
}

TEST(ModelFile, TruncatedFilesAreRefusedClearly) {
  auto bytes = read_bytes(converted_fixture("v1_seqcls"));
  auto path = scratch_dir() / "truncated.gguf";
  for (size_t length : {size_t{0}, size_t{3}, size_t{16}, size_t{100}, size_t{4000}, bytes.size() / 2,
                        bytes.size() - 64}) {  // the last 64 bytes reach into the last tensor
    write_bytes(path, bytes.substr(0, length));
    auto message = error_of([&] { Model::load(path.string()); });
    EXPECT_NE(message.find("truncated.gguf"), std::string::npos) << length << ": " << message;
    EXPECT_NE(message.find("roformer convert"), std::string::npos) << length << ": " << message;
  }
}

TEST(ModelFile, CorruptedBytesAreRefusedOrHarmless) {
  auto bytes = read_bytes(converted_fixture("v1_seqcls"));
  auto path = scratch_dir() / "corrupt.gguf";
  // Flip bytes across the header and metadata: each load either fails with a roformer::Error or
  // (when the byte was inside a value) loads a model; it never crashes.
  size_t refused = 0;
  for (size_t at = 0; at < 6000; at += 37) {
    std::string copy = bytes;
    copy[at] = static_cast<char>(copy[at] ^ 0xA5);
    write_bytes(path, copy);
    try {
      Model::load(path.string());
    } catch (const Error& e) {
      ++refused;
      EXPECT_FALSE(std::string(e.what()).empty());
    }
  }
  EXPECT_GT(refused, 10u);
  std::string wrong_magic = bytes;
  wrong_magic[0] = 'X';
  write_bytes(path, wrong_magic);
  EXPECT_NE(error_of([&] { Model::load(path.string()); }).find("magic"), std::string::npos);
}

TEST(ModelFile, MissingFileNamesThePath) {
  auto message = error_of([] { Model::load("/nonexistent/model.gguf"); });
  EXPECT_NE(message.find("/nonexistent/model.gguf"), std::string::npos) << message;
}

}  // namespace
}  // namespace roformer::test
