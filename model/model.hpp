// A loaded model: the mapped file, its config, tokenizer and weight pointers. Immutable once
// loaded, so one Model serves any number of threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/config.hpp"
#include "model/packed_weights.hpp"
#include "model/tokenizer/tokenizer.hpp"
#include "model/weights.hpp"

namespace roformer {

namespace gguf {
class File;
class Writer;
}  // namespace gguf

enum class TokenizerKind { kJieba, kBert };

// What the model file stores about its tokenizer.
struct TokenizerData {
  TokenizerKind kind = TokenizerKind::kBert;
  std::vector<std::string> vocab;
  TokenizerOptions options;
  std::vector<JiebaEntry> jieba_dictionary;  // only for kJieba
};

void write_tokenizer(const TokenizerData& data, gguf::Writer& writer);
TokenizerData read_tokenizer(const gguf::File& file);

class Model {
 public:
  // Maps and validates the file; throws roformer::Error (kIo, kBadModel).
  static std::shared_ptr<const Model> load(const std::string& path);

  const std::string& path() const;
  const ModelConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  TokenizerKind tokenizer_kind() const { return tokenizer_kind_; }
  const Weights& weights() const { return weights_; }
  size_t tensor_count() const;
  double load_milliseconds() const { return load_ms_; }
  // The weights the file does not hold in the layout a kernel needs, repacked (or, for OpenBLAS,
  // unpacked) on first use and shared by all sessions.
  const PackedWeights& packed_weights() const { return *packed_weights_; }

 private:
  Model() = default;
  std::shared_ptr<const gguf::File> file_;
  ModelConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  TokenizerKind tokenizer_kind_ = TokenizerKind::kBert;
  Weights weights_;
  double load_ms_ = 0.0;
  std::unique_ptr<PackedWeights> packed_weights_;
};

}  // namespace roformer
