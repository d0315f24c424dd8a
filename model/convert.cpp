#include "model/convert.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "engine/output_path.hpp"
#include "kernels/packed_gemm.hpp"
#include "model/checkpoint/checkpoint.hpp"
#include "model/config.hpp"
#include "model/gguf/gguf.hpp"
#include "model/model.hpp"
#include "model/weights.hpp"

namespace roformer {
namespace {

namespace fs = std::filesystem;
using checkpoint::TensorData;
using checkpoint::TensorMap;

std::string read_text_file(const fs::path& path) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    fail(ErrorCode::kIo, path.string(), " is a directory, expected a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::kIo, "cannot open ", path.string(), ": ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json read_json(const fs::path& path) {
  try {
    return nlohmann::json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception& e) {  // a syntax error or a number overflow
    fail(ErrorCode::kBadModel, path.string(), ": not valid JSON: ", json_error_text(e));
  }
}

// Python's `line.rstrip("\n")` over readlines(): what BERT's load_vocab does.
std::vector<std::string> read_vocab(const fs::path& path) {
  std::string text = read_text_file(path);
  std::vector<std::string> vocab;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    vocab.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return vocab;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// One spelling for every accepted checkpoint layout: no "roformer." / "bert." prefix, LayerNorm
// parameters as weight/bias.
std::string canonical_name(std::string name) {
  for (const char* prefix : {"roformer.", "bert."}) {
    if (name.rfind(prefix, 0) == 0) name = name.substr(std::string(prefix).size());
  }
  auto replace_suffix = [&](const std::string& from, const std::string& to) {
    if (name.size() >= from.size() && name.compare(name.size() - from.size(), from.size(), from) == 0) {
      name = name.substr(0, name.size() - from.size()) + to;
    }
  };
  replace_suffix("LayerNorm.gamma", "LayerNorm.weight");
  replace_suffix("LayerNorm.beta", "LayerNorm.bias");
  return name;
}

TensorMap canonical_tensors(TensorMap raw) {
  TensorMap out;
  std::map<std::string, std::string> spelled_as;
  for (auto& [name, data] : raw) {
    auto canonical = canonical_name(name);
    auto [it, inserted] = spelled_as.emplace(canonical, name);
    if (!inserted) {
      fail(ErrorCode::kBadModel, "checkpoint holds both ", it->second, " and ", name,
           ", which name the same weight");
    }
    out.emplace(canonical, std::move(data));
  }
  return out;
}

// The fixed sinusoidal table older checkpoints carry as encoder.embed_positions.weight:
// [positions, head_dim], sin of every pair angle in the first half, cos in the second.
void check_sinusoidal_table(const TensorData& table, const ModelConfig& c) {
  const int64_t dim = c.head_dim();
  if (table.shape.size() != 2 || table.shape[1] != dim) {
    fail(ErrorCode::kBadModel, "encoder.embed_positions.weight should be [positions, ", dim,
         "], found ", shape_text(table.shape));
  }
  double worst = 0.0;
  for (int64_t p = 0; p < table.shape[0]; ++p) {
    for (int64_t i = 0; i < dim / 2; ++i) {
      double angle = p * std::pow(10000.0, -2.0 * i / dim);
      worst = std::max(worst, std::abs(table.values[p * dim + i] - std::sin(angle)));
      worst = std::max(worst, std::abs(table.values[p * dim + dim / 2 + i] - std::cos(angle)));
    }
  }
  // The table is float32-rounded from float64; anything beyond rounding means another encoding.
  if (worst > 1e-5) {
    fail(ErrorCode::kUnsupported, "encoder.embed_positions.weight differs from the rotary "
         "sinusoidal table by ", worst, "; this checkpoint uses other position encodings");
  }
}

// A decoder stored beside the weights it is tied to must equal them: the model file keeps only the
// original, so an untied decoder would be dropped silently. With no original, the copy must be 0
// (a v2 head has no bias).
void check_tied_copy(const TensorMap& tensors, const std::string& copy, const std::string& original) {
  auto it = tensors.find(copy);
  if (it == tensors.end()) return;
  auto source = tensors.find(original);
  const bool zero = std::all_of(it->second.values.begin(), it->second.values.end(),
                                [](float v) { return v == 0.0f; });
  if (source == tensors.end() ? zero
                              : source->second.shape == it->second.shape &&
                                    source->second.values == it->second.values) {
    return;
  }
  fail(ErrorCode::kUnsupported, copy, " ", shape_text(it->second.shape), " differs from ",
       source == tensors.end() ? "zero" : original + " " + shape_text(source->second.shape),
       "; untied masked-LM decoders are not supported");
}

std::string folder_name(const fs::path& dir) {
  auto name = fs::absolute(dir).lexically_normal().filename().string();
  if (name.empty()) name = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  return name;
}

bool vocab_has_chinese_words(const std::vector<std::string>& vocab) {
  // Two or more CJK ideographs (3-byte UTF-8 in U+4E00..U+9FFF) in one entry mean a word-level
  // vocabulary, which the RoFormer tokenizer feeds with jieba.
  for (const auto& token : vocab) {
    int ideographs = 0;
    for (size_t i = 0; i + 2 < token.size(); ++i) {
      unsigned char lead = token[i];
      if (lead >= 0xE4 && lead <= 0xE9) ++ideographs, i += 2;
    }
    if (ideographs >= 2 && token.rfind("##", 0) != 0) return true;
  }
  return false;
}

TokenizerData tokenizer_data(const fs::path& dir, const ConvertOptions& options,
                             ModelConfig& config) {
  TokenizerData data;
  data.vocab = read_vocab(dir / "vocab.txt");
  nlohmann::json tokenizer_config = nlohmann::json::object();
  if (fs::exists(dir / "tokenizer_config.json")) {
    tokenizer_config = read_json(dir / "tokenizer_config.json");
  }
  auto flag = [&](const char* key, bool fallback) {
    if (!tokenizer_config.contains(key) || tokenizer_config[key].is_null()) return fallback;
    if (!tokenizer_config[key].is_boolean()) {
      fail(ErrorCode::kBadModel, "tokenizer_config.json: ", key, " must be true or false, got ",
           tokenizer_config[key].dump());
    }
    return tokenizer_config[key].get<bool>();
  };
  data.options.do_lower_case = flag("do_lower_case", true);
  data.options.tokenize_chinese_chars = flag("tokenize_chinese_chars", true);
  if (tokenizer_config.contains("strip_accents") && !tokenizer_config["strip_accents"].is_null()) {
    data.options.strip_accents = flag("strip_accents", true);
  }
  if (tokenizer_config.contains("model_max_length") &&
      tokenizer_config["model_max_length"].is_number()) {
    double length = tokenizer_config["model_max_length"].get<double>();
    // The shortest length a text pair fits in: [CLS] A [SEP] B [SEP] with nothing of A or B.
    constexpr double kShortestMaxLength = 3;
    if (length < kShortestMaxLength) {
      fail(ErrorCode::kBadModel, "tokenizer_config.json: model_max_length ",
           tokenizer_config["model_max_length"].dump(), " is below the minimum of 3 tokens ",
           "([CLS], [SEP], [SEP] of a text pair)");
    }
    // transformers writes a huge sentinel (1e30) when there is no limit.
    if (length <= 1e6) config.model_max_length = static_cast<int>(length);
  }

  std::string kind = options.tokenizer;
  if (kind.empty() && tokenizer_config.contains("tokenizer_class") &&
      tokenizer_config["tokenizer_class"].is_string()) {
    auto tokenizer_class = tokenizer_config["tokenizer_class"].get<std::string>();
    if (tokenizer_class == "RoFormerTokenizer" || tokenizer_class == "RoFormerTokenizerFast") {
      kind = "jieba";
    } else if (tokenizer_class == "BertTokenizer" || tokenizer_class == "BertTokenizerFast") {
      kind = "bert";
    } else {
      fail(ErrorCode::kUnsupported, "tokenizer_config.json: tokenizer_class = \"", tokenizer_class,
           "\" is not supported (expected RoFormerTokenizer or BertTokenizer); pass --tokenizer "
           "jieba|bert to choose");
    }
  }
  if (kind.empty()) kind = vocab_has_chinese_words(data.vocab) ? "jieba" : "bert";
  if (kind != "jieba" && kind != "bert") {
    fail(ErrorCode::kInvalidArgument, "tokenizer must be jieba or bert, got \"", kind, "\"");
  }
  data.kind = kind == "jieba" ? TokenizerKind::kJieba : TokenizerKind::kBert;
  data.options.use_jieba = data.kind == TokenizerKind::kJieba;
  if (data.kind == TokenizerKind::kJieba) {
    if (options.jieba_dictionary_path.empty()) {
      fail(ErrorCode::kInvalidArgument, "a jieba tokenizer needs the jieba dictionary (dict.txt); "
           "pass --jieba-dict PATH");
    }
    data.jieba_dictionary = parse_jieba_dictionary(read_text_file(options.jieba_dictionary_path));
    if (data.jieba_dictionary.empty()) {
      fail(ErrorCode::kBadModel, options.jieba_dictionary_path, ": jieba dictionary is empty");
    }
  }
  return data;
}

// The tokens the tokenizer cannot work without ([UNK] for unknown words, [CLS] and [SEP] around
// every text), and [MASK] for a masked-LM head, whose one use is filling it. [PAD] is optional:
// inputs are never padded with it.
void require_special_tokens(const std::vector<std::string>& vocab, HeadKind head,
                            const fs::path& vocab_path) {
  std::vector<std::string> needed = {"[UNK]", "[CLS]", "[SEP]"};
  if (head == HeadKind::kMaskedLm) needed.push_back("[MASK]");
  const std::set<std::string> tokens(vocab.begin(), vocab.end());
  for (const auto& token : needed) {
    if (tokens.count(token)) continue;
    const bool crlf = tokens.count(token + "\r") > 0;
    fail(ErrorCode::kBadModel, vocab_path.string(), ": no ", token, " token (the tokenizer needs ",
         "[UNK], [CLS] and [SEP]", head == HeadKind::kMaskedLm ? ", and fill-mask [MASK]" : "",
         ")", crlf ? "; the file has Windows line endings (\\r\\n), expected \\n" : "");
  }
}

HeadKind head_from_tensors(const TensorMap& tensors) {
  if (tensors.count("classifier.out_proj.weight")) return HeadKind::kSequenceClassification;
  if (tensors.count("classifier.weight")) return HeadKind::kTokenClassification;
  if (tensors.count("qa_outputs.weight")) return HeadKind::kQuestionAnswering;
  if (tensors.count("cls.predictions.bias") || tensors.count("cls.predictions.decoder.weight")) {
    return HeadKind::kMaskedLm;
  }
  return HeadKind::kNone;
}

// Sources of each model-file tensor: one checkpoint tensor, or several concatenated row-wise.
std::vector<std::string> sources_of(const std::string& name, const ModelConfig& c) {
  static const std::map<std::string, std::string> kFixed = {
      {"token_embd.weight", "embeddings.word_embeddings.weight"},
      {"token_types.weight", "embeddings.token_type_embeddings.weight"},
      {"token_embd_norm.weight", "embeddings.LayerNorm.weight"},
      {"token_embd_norm.bias", "embeddings.LayerNorm.bias"},
      {"embd_proj.weight", "embeddings_project.weight"},
      {"embd_proj.bias", "embeddings_project.bias"},
      {"pooler.weight", "pooler.dense.weight"},
      {"pooler.bias", "pooler.dense.bias"},
      {"cls.dense.weight", "classifier.dense.weight"},
      {"cls.dense.bias", "classifier.dense.bias"},
      {"mlm.dense.weight", "cls.predictions.transform.dense.weight"},
      {"mlm.dense.bias", "cls.predictions.transform.dense.bias"},
      {"mlm.norm.weight", "cls.predictions.transform.LayerNorm.weight"},
      {"mlm.norm.bias", "cls.predictions.transform.LayerNorm.bias"},
      {"mlm.bias", "cls.predictions.bias"},
  };
  if (auto it = kFixed.find(name); it != kFixed.end()) return {it->second};
  if (name.rfind("cls.out.", 0) == 0) {
    std::string suffix = name.substr(std::string("cls.out.").size());
    switch (c.head) {
      case HeadKind::kSequenceClassification: return {"classifier.out_proj." + suffix};
      case HeadKind::kTokenClassification: return {"classifier." + suffix};
      default: return {"qa_outputs." + suffix};
    }
  }
  // blk.N.<part>.<weight|bias>
  size_t dot1 = name.find('.', 4), dot2 = name.rfind('.');
  std::string layer = "encoder.layer." + name.substr(4, dot1 - 4) + ".";
  std::string part = name.substr(dot1 + 1, dot2 - dot1 - 1), suffix = name.substr(dot2);
  if (part == "attn_qkv") {
    return {layer + "attention.self.query" + suffix, layer + "attention.self.key" + suffix,
            layer + "attention.self.value" + suffix};
  }
  static const std::map<std::string, std::string> kLayerParts = {
      {"attn_out", "attention.output.dense"},
      {"attn_out_norm", "attention.output.LayerNorm"},
      {"ffn_up", "intermediate.dense"},
      {"ffn_down", "output.dense"},
      {"ffn_out_norm", "output.LayerNorm"},
  };
  return {layer + kLayerParts.at(part) + suffix};
}

// The index N of a canonical name "encoder.layer.N.<part>", or -1 for any other name (an index
// too long to be a layer number counts as another name and is reported as unexpected).
int64_t layer_index(const std::string& name) {
  static const std::string kPrefix = "encoder.layer.";
  if (name.rfind(kPrefix, 0) != 0) return -1;
  const size_t dot = name.find('.', kPrefix.size());
  const size_t digits = (dot == std::string::npos ? name.size() : dot) - kPrefix.size();
  if (digits == 0 || digits > 9) return -1;
  int64_t index = 0;
  for (size_t i = kPrefix.size(); i < kPrefix.size() + digits; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    index = index * 10 + (name[i] - '0');
  }
  return index;
}

// config.json's layer count must match the encoder.layer.N tensors present, checked before the
// expected tensors are listed: a forged count (10^7) would otherwise list and look up hundreds
// of millions of names.
void require_layer_count(const TensorMap& tensors, const ModelConfig& c, const std::string& dir) {
  std::set<int64_t> held;
  for (const auto& [name, data] : tensors) {
    if (const int64_t index = layer_index(name); index >= 0) held.insert(index);
  }
  if (static_cast<int64_t>(held.size()) == c.num_layers && *held.rbegin() == c.num_layers - 1) {
    return;
  }
  const std::string actual =
      held.empty() ? "no encoder.layer.N tensors"
                   : str(counted(held.size(), "layer"), " (encoder.layer.", *held.begin(),
                         " to encoder.layer.", *held.rbegin(), ")");
  fail(ErrorCode::kBadModel, dir, ": config.json num_hidden_layers = ", c.num_layers,
       " but the checkpoint holds ", actual);
}

// Names joined with ", ", the first few only: a checkpoint far from config.json could otherwise
// produce a message of millions of names.
std::string join_names(const std::vector<std::string>& names) {
  constexpr size_t kListed = 8;
  std::string text;
  for (size_t i = 0; i < names.size() && i < kListed; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > kListed) text += str(" ... and ", names.size() - kListed, " more");
  return text;
}

// Runs `read`; an error it raises about one of the folder's files by bare name ("config.json: ...",
// from code that never sees the folder) is raised again as "<dir>/config.json: ...", so a script
// converting many checkpoints learns which one failed.
template <typename Read>
auto naming_the_folder(const fs::path& dir, Read read) {
  try {
    return read();
  } catch (const Error& error) {
    const std::string message = error.what();
    for (const char* file : {"config.json:", "tokenizer_config.json:"}) {
      if (message.rfind(file, 0) == 0) throw Error(error.code(), (dir / message).string());
    }
    throw;
  }
}

// The output is written at the end, after every input is read; a path that names one of the
// checkpoint's own files (config, vocabulary, weights) would replace it with the model.
void require_output_outside_checkpoint(const fs::path& dir, const std::string& output_path) {
  std::error_code error;
  if (!fs::is_regular_file(output_path, error)) return;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".json" && ext != ".txt" && ext != ".safetensors" && ext != ".bin") continue;
    if (fs::equivalent(entry.path(), output_path, error)) {
      fail(ErrorCode::kIo, "output ", output_path, " is the checkpoint's own ",
           entry.path().filename().string(), "; refusing to replace it (expected a path such as "
           "model.gguf)");
    }
  }
}

}  // namespace

ConvertReport convert_checkpoint(const std::string& checkpoint_dir, const std::string& output_path,
                                 const ConvertOptions& options) {
  const fs::path dir(checkpoint_dir);
  require_replaceable_output(output_path);  // before the slow part, not only at the write
  if (!fs::is_directory(dir)) {
    fail(ErrorCode::kIo, checkpoint_dir, " is not a folder (expected a Hugging Face checkpoint "
         "with config.json, vocab.txt and weights)");
  }
  require_output_outside_checkpoint(dir, output_path);
  for (const char* required : {"config.json", "vocab.txt"}) {
    if (!fs::exists(dir / required)) {
      fail(ErrorCode::kBadModel, checkpoint_dir, ": ", required, " is missing");
    }
  }
  ModelConfig config =
      naming_the_folder(dir, [&] { return config_from_hf_json(read_json(dir / "config.json")); });
  config.name = options.name.empty() ? folder_name(dir) : options.name;
  TokenizerData tokenizer =
      naming_the_folder(dir, [&] { return tokenizer_data(dir, options, config); });
  TensorMap tensors = canonical_tensors(checkpoint::read_checkpoint_dir(checkpoint_dir));
  require_layer_count(tensors, config, checkpoint_dir);

  // The head and the pooler follow the weights present when config.json does not name them.
  if (config.head == HeadKind::kNone) config.head = head_from_tensors(tensors);
  config.has_pooler = tensors.count("pooler.dense.weight") > 0;
  if (config.head == HeadKind::kSequenceClassification ||
      config.head == HeadKind::kTokenClassification) {
    const char* out = config.head == HeadKind::kSequenceClassification
                          ? "classifier.out_proj.weight" : "classifier.weight";
    auto it = tensors.find(out);
    if (it == tensors.end() || it->second.shape.size() != 2) {
      fail(ErrorCode::kBadModel, checkpoint_dir, ": classifier weight ", out, " is missing");
    }
    size_t rows = static_cast<size_t>(it->second.shape[0]);
    if (config.labels.size() != rows) {
      if (!config.labels.empty()) {
        log_at(LogLevel::kWarning, "config.json: id2label has ",
               counted(config.labels.size(), "label"), " but the classifier has ",
               counted(rows, "output"), "; using LABEL_i names");
      }
      config.labels.clear();
      for (size_t i = 0; i < rows; ++i) config.labels.push_back("LABEL_" + std::to_string(i));
    }
  } else {
    config.labels.clear();
  }
  require_special_tokens(tokenizer.vocab, config.head, dir / "vocab.txt");
  if (static_cast<int>(tokenizer.vocab.size()) != config.vocab_size) {
    fail(ErrorCode::kBadModel, checkpoint_dir, ": vocab.txt has ", tokenizer.vocab.size(),
         " lines but config.json vocab_size is ", config.vocab_size);
  }

  // Tensors a checkpoint may carry that the model file does not need.
  std::set<std::string> consumed;
  if (auto it = tensors.find("encoder.embed_positions.weight"); it != tensors.end()) {
    check_sinusoidal_table(it->second, config);
    consumed.insert(it->first);
  }
  // Tied copies of the word embeddings and the MLM bias: the model file keeps one of each.
  if (config.head == HeadKind::kMaskedLm) {
    check_tied_copy(tensors, "cls.predictions.decoder.weight", "embeddings.word_embeddings.weight");
    check_tied_copy(tensors, "cls.predictions.decoder.bias", "cls.predictions.bias");
    for (const char* tied : {"cls.predictions.decoder.weight", "cls.predictions.decoder.bias"}) {
      if (tensors.count(tied)) consumed.insert(tied);
    }
  }

  gguf::Writer writer;
  write_config(config, writer);
  write_tokenizer(tokenizer, writer);
  write_weight_layout(options.weight_layout, writer);

  std::vector<std::string> missing, wrong_shape;
  const auto specs = expected_tensors(config, options.weight_layout);
  for (const auto& spec : specs) {
    auto sources = sources_of(spec.name, config);
    std::vector<int64_t> part_shape(spec.shape.begin(), spec.shape.end());
    part_shape[0] /= static_cast<int64_t>(sources.size());
    std::vector<float> values;
    for (const auto& source : sources) {
      auto it = tensors.find(source);
      if (it == tensors.end()) {
        missing.push_back(source + " " + shape_text(part_shape));
        continue;
      }
      consumed.insert(source);
      if (it->second.shape != part_shape) {
        wrong_shape.push_back(source + " (expected " + shape_text(part_shape) + ", found " +
                              shape_text(it->second.shape) + ")");
        continue;
      }
      values.insert(values.end(), it->second.values.begin(), it->second.values.end());
    }
    if (!missing.empty() || !wrong_shape.empty()) continue;
    if (spec.panels) {
      std::vector<float> panels(kernels::packed_floats(spec.shape[0], spec.shape[1]));
      kernels::pack_weights(values.data(), spec.shape[0], spec.shape[1], panels.data());
      values = std::move(panels);
    }
    writer.add_tensor(spec.name, spec.stored_shape(), values.data());
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, data] : tensors) {
    if (!consumed.count(name)) unexpected.push_back(name + " " + shape_text(data.shape));
  }
  if (!missing.empty() || !wrong_shape.empty() || !unexpected.empty()) {
    std::string message = checkpoint_dir + ": the weights do not match config.json (" +
                          head_kind_name(config.head) + " head)";
    if (!missing.empty()) message += "; missing: " + join_names(missing);
    if (!wrong_shape.empty()) message += "; wrong shape: " + join_names(wrong_shape);
    if (!unexpected.empty()) message += "; unexpected: " + join_names(unexpected);
    fail(ErrorCode::kBadModel, message);
  }

  writer.write(output_path);
  ConvertReport report;
  report.tokenizer_kind = tokenizer.kind == TokenizerKind::kJieba ? "jieba" : "bert";
  report.head = head_kind_name(config.head);
  report.tensor_count = specs.size();
  report.vocab_size = tokenizer.vocab.size();
  return report;
}

}  // namespace roformer
