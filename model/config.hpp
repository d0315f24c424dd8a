// What a RoFormer model is: sizes, flags, head and labels. Read from a Hugging Face config.json by
// the converter, stored in and read back from the model file's metadata.
#pragma once

#include <algorithm>

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kernels/kernels.hpp"

namespace roformer {

namespace gguf {
class File;
class Writer;
}  // namespace gguf

enum class HeadKind { kNone, kSequenceClassification, kTokenClassification, kMaskedLm, kQuestionAnswering };
enum class NormType { kLayerNorm, kRmsNorm };

const char* head_kind_name(HeadKind head);
const char* norm_type_name(NormType norm);

struct ModelConfig {
  std::string name;
  int vocab_size = 0;
  int hidden_size = 0;
  int embedding_size = 0;           // equals hidden_size unless the checkpoint projects embeddings
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;  // trained length; rotary angles exist for any position
  int type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;
  std::string hidden_act = "gelu";  // as spelled in config.json
  bool rotary_value = false;
  NormType norm_type = NormType::kLayerNorm;
  bool use_bias = true;             // encoder linear biases (heads always have theirs)
  HeadKind head = HeadKind::kNone;
  std::vector<std::string> labels;  // classification heads: label per output index
  bool has_pooler = false;          // dense on [CLS] + pooler_activation (sim models)
  std::string pooler_activation = "tanh";
  int model_max_length = 0;         // from tokenizer_config.json; 0 when the checkpoint had none

  int head_dim() const { return hidden_size / num_heads; }
  bool projects_embeddings() const { return embedding_size != hidden_size; }
  // The length `classify` and friends truncate to by default: the trained length, or the
  // tokenizer's model_max_length when that is shorter (a longer one would run texts past the
  // positions the model was trained on without anyone asking for it).
  int default_max_length() const {
    return model_max_length > 0 ? std::min(model_max_length, max_position_embeddings)
                                : max_position_embeddings;
  }
};

// Maps an activation name from config.json to a kernel; throws kUnsupported naming the field for
// any other name.
kernels::Activation parse_activation(const std::string& name, const std::string& field);

// config.json -> ModelConfig. Refuses (kUnsupported) any architecture flag this engine does not
// implement, naming the field and the value. has_pooler and the head are decided by the caller from
// the tensors present, but `architectures` gives the default head.
ModelConfig config_from_hf_json(const nlohmann::json& config_json);

void write_config(const ModelConfig& config, gguf::Writer& writer);
// Reads and checks every key; throws kBadModel naming the key and the value.
ModelConfig read_config(const gguf::File& file);

}  // namespace roformer
