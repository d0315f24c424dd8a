#include "model/model.hpp"

#include <chrono>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "kernels/packed_gemm.hpp"
#include "model/gguf/gguf.hpp"

namespace roformer {
namespace {

const char* strip_accents_text(const std::optional<bool>& strip) {
  if (!strip) return "default";
  return *strip ? "true" : "false";
}

// An upper bound of the packed size of every matrix the executor may pack or copy into 2 MB
// pages: each 2-D tensor but the token type table (a masked LM's decoder multiplies by
// token_embd), with a line of slack per matrix for alignment.
size_t packable_floats(const ModelConfig& config) {
  size_t floats = 0;
  for (const TensorSpec& spec : expected_tensors(config)) {
    if (spec.shape.size() != 2 || spec.name == "token_types.weight") continue;
    floats += kernels::packed_floats(spec.shape[0], spec.shape[1]) + kernels::kPackedPanel;
  }
  return floats;
}

}  // namespace

void write_tokenizer(const TokenizerData& data, gguf::Writer& writer) {
  writer.set("tokenizer.ggml.model", std::string("bert"));
  writer.set("tokenizer.ggml.tokens", data.vocab);
  writer.set("tokenizer.roformer.kind",
             std::string(data.kind == TokenizerKind::kJieba ? "jieba" : "bert"));
  writer.set("tokenizer.roformer.do_lower_case", data.options.do_lower_case);
  writer.set("tokenizer.roformer.tokenize_chinese_chars", data.options.tokenize_chinese_chars);
  writer.set("tokenizer.roformer.strip_accents",
             std::string(strip_accents_text(data.options.strip_accents)));
  if (data.kind == TokenizerKind::kJieba) {
    std::vector<std::string> words;
    std::vector<uint32_t> frequencies;
    words.reserve(data.jieba_dictionary.size());
    frequencies.reserve(data.jieba_dictionary.size());
    for (const auto& entry : data.jieba_dictionary) {
      words.push_back(entry.word);
      frequencies.push_back(entry.frequency);
    }
    writer.set("tokenizer.roformer.jieba.words", std::move(words));
    writer.set("tokenizer.roformer.jieba.frequencies", std::move(frequencies));
  }
}

TokenizerData read_tokenizer(const gguf::File& file) {
  TokenizerData data;
  data.vocab = file.get_strings("tokenizer.ggml.tokens");
  const auto& kind = file.get_string("tokenizer.roformer.kind");
  if (kind == "jieba") {
    data.kind = TokenizerKind::kJieba;
  } else if (kind == "bert") {
    data.kind = TokenizerKind::kBert;
  } else {
    fail(ErrorCode::kBadModel, file.path(), ": tokenizer.roformer.kind = \"", kind,
         "\", expected jieba or bert; re-run roformer convert");
  }
  data.options.use_jieba = data.kind == TokenizerKind::kJieba;
  data.options.do_lower_case = file.get_bool("tokenizer.roformer.do_lower_case");
  data.options.tokenize_chinese_chars = file.get_bool("tokenizer.roformer.tokenize_chinese_chars");
  const auto& strip = file.get_string("tokenizer.roformer.strip_accents");
  if (strip == "true") {
    data.options.strip_accents = true;
  } else if (strip == "false") {
    data.options.strip_accents = false;
  } else if (strip != "default") {
    fail(ErrorCode::kBadModel, file.path(), ": tokenizer.roformer.strip_accents = \"", strip,
         "\", expected default, true or false; re-run roformer convert");
  }
  if (data.kind == TokenizerKind::kJieba) {
    const auto& words = file.get_strings("tokenizer.roformer.jieba.words");
    const auto& frequencies = file.get_u32s("tokenizer.roformer.jieba.frequencies");
    if (words.size() != frequencies.size()) {
      fail(ErrorCode::kBadModel, file.path(), ": jieba dictionary has ", words.size(),
           " words but ", frequencies.size(), " frequencies; re-run roformer convert");
    }
    data.jieba_dictionary.reserve(words.size());
    for (size_t i = 0; i < words.size(); ++i) {
      data.jieba_dictionary.push_back({words[i], frequencies[i]});
    }
  }
  return data;
}

std::shared_ptr<const Model> Model::load(const std::string& path) {
  auto start = std::chrono::steady_clock::now();
  std::shared_ptr<Model> model(new Model());
  model->file_ = gguf::File::open(path);
  model->config_ = read_config(*model->file_);
  auto tokenizer = read_tokenizer(*model->file_);
  if (static_cast<int>(tokenizer.vocab.size()) != model->config_.vocab_size) {
    fail(ErrorCode::kBadModel, path, ": vocabulary has ", tokenizer.vocab.size(),
         " tokens but roformer.vocab_size is ", model->config_.vocab_size,
         "; re-run roformer convert");
  }
  model->tokenizer_kind_ = tokenizer.kind;
  model->tokenizer_ = std::make_unique<Tokenizer>(std::move(tokenizer.vocab), tokenizer.options,
                                                  std::move(tokenizer.jieba_dictionary));
  model->weights_ = bind_weights(*model->file_, model->config_);
  model->packed_weights_ = std::make_unique<PackedWeights>(
      model->file_.get(), packable_floats(model->config_));
  model->load_ms_ =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  log_at(LogLevel::kInfo, "loaded ", path, " in ", model->load_ms_,
         " ms: ", counted(model->config_.num_layers, "layer"), ", hidden ",
         model->config_.hidden_size, ", ",
         counted(model->file_->tensors().size(), "tensor"), ", weights in ",
         weight_layout_name(model->weights_.layout));
  return model;
}

const std::string& Model::path() const { return file_->path(); }
size_t Model::tensor_count() const { return file_->tensors().size(); }

}  // namespace roformer
