#include "model/config.hpp"

#include <map>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "model/gguf/gguf.hpp"

namespace roformer {
namespace {

// Bumped whenever the meaning of keys or tensors changes. Revision 2 added roformer.weight_layout
// (revision 1 files hold rows, see model/weights.hpp); files older than kOldestFileRevision or
// newer than kFileRevision are refused with a hint.
constexpr uint32_t kFileRevision = 2;
constexpr uint32_t kOldestFileRevision = 1;

struct HeadName {
  HeadKind kind;
  const char* name;          // as stored in roformer.head
  const char* architecture;  // as spelled in config.json's "architectures"
};

constexpr HeadName kHeads[] = {
    {HeadKind::kNone, "none", "RoFormerModel"},
    {HeadKind::kSequenceClassification, "sequence_classification",
     "RoFormerForSequenceClassification"},
    {HeadKind::kTokenClassification, "token_classification", "RoFormerForTokenClassification"},
    {HeadKind::kMaskedLm, "masked_lm", "RoFormerForMaskedLM"},
    {HeadKind::kQuestionAnswering, "question_answering", "RoFormerForQuestionAnswering"},
};

int positive_int(const nlohmann::json& config, const char* field, int fallback) {
  if (!config.contains(field) || config[field].is_null()) {
    if (fallback > 0) return fallback;
    fail(ErrorCode::kBadModel, "config.json: missing field \"", field, "\"");
  }
  constexpr long long kLargest = 1LL << 30;
  const auto& value = config[field];
  // An unsigned value (over INT64_MAX, say) read as long long would wrap to a negative one.
  const bool positive = value.is_number_unsigned()  ? value.get<unsigned long long>() > 0
                        : value.is_number_integer() ? value.get<long long>() > 0
                                                    : false;
  if (!positive) {
    fail(ErrorCode::kBadModel, "config.json: \"", field, "\" must be a positive integer, got ",
         value.dump());
  }
  if (value.get<unsigned long long>() > kLargest) {  // exact: the value is positive
    fail(ErrorCode::kBadModel, "config.json: \"", field, "\" is ", value.dump(),
         ", too large (expected at most ", kLargest, ")");
  }
  return value.get<int>();
}

template <typename T>
T optional_field(const nlohmann::json& config, const char* field, T fallback) {
  if (!config.contains(field) || config[field].is_null()) return fallback;
  try {
    return config[field].get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(ErrorCode::kBadModel, "config.json: field \"", field, "\" has the wrong type: ",
         config[field].dump());
  }
}

// A label is printed as a JSON key, a TSV column and an entity name: it must be non-empty and
// free of control characters (C0, DEL, C1), which would break TSV lines or read as nothing.
bool has_control_character(const std::string& label) {
  for (size_t i = 0; i < label.size(); ++i) {
    const auto byte = static_cast<unsigned char>(label[i]);
    if (byte < 0x20 || byte == 0x7F) return true;
    // U+0080..U+009F are C2 80..C2 9F in UTF-8.
    if (byte == 0xC2 && i + 1 < label.size() && static_cast<unsigned char>(label[i + 1]) <= 0x9F &&
        static_cast<unsigned char>(label[i + 1]) >= 0x80) {
      return true;
    }
  }
  return false;
}

void check_labels(const std::vector<std::string>& labels) {
  std::map<std::string, size_t> id_of_label;
  for (size_t id = 0; id < labels.size(); ++id) {
    const std::string shown = nlohmann::json(labels[id]).dump();
    if (labels[id].empty()) {
      fail(ErrorCode::kBadModel, "config.json: id2label ", id, " is empty, expected a label name");
    }
    if (has_control_character(labels[id])) {
      fail(ErrorCode::kBadModel, "config.json: id2label ", id, " is ", shown,
           ", expected a name without tabs, newlines or other control characters");
    }
    const auto [earlier, is_new] = id_of_label.emplace(labels[id], id);
    if (!is_new) {
      fail(ErrorCode::kBadModel, "config.json: id2label ", earlier->second, " and ", id,
           " are both ", shown, ", expected distinct label names");
    }
  }
}

std::vector<std::string> labels_from(const nlohmann::json& config) {
  std::vector<std::string> labels;
  if (!config.contains("id2label") || !config["id2label"].is_object()) return labels;
  const auto& id2label = config["id2label"];
  labels.resize(id2label.size());
  std::vector<std::string> key_of(labels.size());  // "" until an entry names the id
  for (const auto& [key, value] : id2label.items()) {
    const bool is_index = !key.empty() && key.size() <= 9 &&
                          key.find_first_not_of("0123456789") == std::string::npos;
    if (!is_index) {
      fail(ErrorCode::kBadModel, "config.json: id2label key \"", key, "\" is not an index");
    }
    const size_t index = std::stoul(key);
    if (index >= labels.size() || !value.is_string()) {
      fail(ErrorCode::kBadModel, "config.json: id2label must map 0..", labels.size() - 1,
           " to names, got key ", key, " -> ", value.dump());
    }
    if (!key_of[index].empty()) {
      fail(ErrorCode::kBadModel, "config.json: id2label keys \"", key_of[index], "\" and \"", key,
           "\" both name id ", index);
    }
    key_of[index] = key;
    labels[index] = value.get<std::string>();
  }
  check_labels(labels);
  return labels;
}

}  // namespace

const char* head_kind_name(HeadKind head) {
  for (const auto& entry : kHeads) {
    if (entry.kind == head) return entry.name;
  }
  return "unknown";
}

const char* norm_type_name(NormType norm) {
  return norm == NormType::kRmsNorm ? "rms_norm" : "layer_norm";
}

kernels::Activation parse_activation(const std::string& name, const std::string& field) {
  using kernels::Activation;
  if (name == "gelu") return Activation::kGelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh") return Activation::kGeluTanh;
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "silu" || name == "swish") return Activation::kSilu;
  if (name == "linear" || name == "identity") return Activation::kIdentity;
  fail(ErrorCode::kUnsupported, field, " = \"", name,
       "\" is not supported (expected gelu, gelu_new, relu, tanh, silu or linear)");
}

ModelConfig config_from_hf_json(const nlohmann::json& config) {
  if (!config.is_object()) fail(ErrorCode::kBadModel, "config.json: expected a JSON object");
  ModelConfig out;

  auto model_type = optional_field<std::string>(config, "model_type", "roformer");
  if (model_type != "roformer") {
    fail(ErrorCode::kUnsupported, "config.json: model_type = \"", model_type,
         "\" is not supported (expected \"roformer\")");
  }
  out.vocab_size = positive_int(config, "vocab_size", 0);
  out.hidden_size = positive_int(config, "hidden_size", 0);
  out.embedding_size = positive_int(config, "embedding_size", out.hidden_size);
  out.num_layers = positive_int(config, "num_hidden_layers", 0);
  out.num_heads = positive_int(config, "num_attention_heads", 0);
  out.intermediate_size = positive_int(config, "intermediate_size", 0);
  out.max_position_embeddings = positive_int(config, "max_position_embeddings", 0);
  out.type_vocab_size = positive_int(config, "type_vocab_size", 2);
  out.layer_norm_eps = static_cast<float>(optional_field<double>(config, "layer_norm_eps", 1e-12));
  out.hidden_act = optional_field<std::string>(config, "hidden_act", "gelu");
  parse_activation(out.hidden_act, "config.json: hidden_act");
  out.rotary_value = optional_field<bool>(config, "rotary_value", false);
  out.use_bias = optional_field<bool>(config, "use_bias", true);
  out.pooler_activation = optional_field<std::string>(config, "pooler_activation", "tanh");
  parse_activation(out.pooler_activation, "config.json: pooler_activation");

  if (out.hidden_size % out.num_heads != 0 || out.head_dim() % 2 != 0) {
    fail(ErrorCode::kUnsupported, "config.json: hidden_size ", out.hidden_size,
         " must split into num_attention_heads ", out.num_heads, " heads of an even size");
  }
  if (!(out.layer_norm_eps > 0.0f)) {
    fail(ErrorCode::kBadModel, "config.json: layer_norm_eps must be positive, got ",
         out.layer_norm_eps);
  }

  auto norm = optional_field<std::string>(config, "norm_type", "layer_norm");
  if (norm == "layer_norm") {
    out.norm_type = NormType::kLayerNorm;
  } else if (norm == "rms_norm") {
    out.norm_type = NormType::kRmsNorm;
  } else {
    fail(ErrorCode::kUnsupported, "config.json: norm_type = \"", norm,
         "\" is not supported (expected layer_norm or rms_norm)");
  }
  auto position = optional_field<std::string>(config, "position_embedding_type", "rotary");
  if (position != "rotary") {
    fail(ErrorCode::kUnsupported, "config.json: position_embedding_type = \"", position,
         "\" is not supported (RoFormer uses rotary positions)");
  }
  for (const char* flag : {"is_decoder", "add_cross_attention"}) {
    if (optional_field<bool>(config, flag, false)) {
      fail(ErrorCode::kUnsupported, "config.json: ", flag,
           " = true is not supported (encoder-only engine)");
    }
  }

  out.head = HeadKind::kNone;
  if (config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty()) {
    auto architecture = config["architectures"][0].get<std::string>();
    bool known = false;
    for (const auto& entry : kHeads) {
      if (architecture == entry.architecture) {
        out.head = entry.kind;
        known = true;
      }
    }
    if (!known) {
      fail(ErrorCode::kUnsupported, "config.json: architectures = \"", architecture,
           "\" is not supported (expected RoFormerModel, RoFormerForSequenceClassification, "
           "RoFormerForTokenClassification, RoFormerForMaskedLM or RoFormerForQuestionAnswering)");
    }
  }
  out.labels = labels_from(config);
  return out;
}

void write_config(const ModelConfig& c, gguf::Writer& writer) {
  writer.set("general.architecture", std::string("roformer"));
  writer.set("general.name", c.name);
  writer.set("roformer.file_revision", kFileRevision);
  writer.set("roformer.vocab_size", static_cast<uint32_t>(c.vocab_size));
  writer.set("roformer.embedding_length", static_cast<uint32_t>(c.hidden_size));
  writer.set("roformer.embedding_size", static_cast<uint32_t>(c.embedding_size));
  writer.set("roformer.block_count", static_cast<uint32_t>(c.num_layers));
  writer.set("roformer.attention.head_count", static_cast<uint32_t>(c.num_heads));
  writer.set("roformer.feed_forward_length", static_cast<uint32_t>(c.intermediate_size));
  writer.set("roformer.context_length", static_cast<uint32_t>(c.max_position_embeddings));
  writer.set("roformer.type_vocab_size", static_cast<uint32_t>(c.type_vocab_size));
  writer.set("roformer.attention.layer_norm_epsilon", c.layer_norm_eps);
  writer.set("roformer.hidden_act", c.hidden_act);
  writer.set("roformer.rotary_value", c.rotary_value);
  writer.set("roformer.norm_type", std::string(norm_type_name(c.norm_type)));
  writer.set("roformer.use_bias", c.use_bias);
  writer.set("roformer.head", std::string(head_kind_name(c.head)));
  writer.set("roformer.labels", c.labels);
  writer.set("roformer.pooler", c.has_pooler);
  writer.set("roformer.pooler_activation", c.pooler_activation);
  writer.set("roformer.model_max_length", static_cast<uint32_t>(c.model_max_length));
}

ModelConfig read_config(const gguf::File& file) {
  const auto& architecture = file.get_string("general.architecture");
  if (architecture != "roformer") {
    fail(ErrorCode::kBadModel, file.path(), ": general.architecture is \"", architecture,
         "\", expected \"roformer\"");
  }
  uint32_t revision = file.get_u32("roformer.file_revision");
  if (revision < kOldestFileRevision || revision > kFileRevision) {
    fail(ErrorCode::kBadModel, file.path(), ": model file revision ", revision,
         ", this build reads revisions ", kOldestFileRevision, " to ", kFileRevision,
         "; re-run roformer convert");
  }
  ModelConfig c;
  auto positive = [&](const char* key) {
    uint32_t value = file.get_u32(key);
    if (value == 0 || value > (1u << 30)) {
      fail(ErrorCode::kBadModel, file.path(), ": ", key, " = ", value,
           " is out of range; re-run roformer convert");
    }
    return static_cast<int>(value);
  };
  if (const auto* name = file.find("general.name"); name && std::holds_alternative<std::string>(*name)) {
    c.name = std::get<std::string>(*name);
  }
  c.vocab_size = positive("roformer.vocab_size");
  c.hidden_size = positive("roformer.embedding_length");
  c.embedding_size = positive("roformer.embedding_size");
  c.num_layers = positive("roformer.block_count");
  c.num_heads = positive("roformer.attention.head_count");
  c.intermediate_size = positive("roformer.feed_forward_length");
  c.max_position_embeddings = positive("roformer.context_length");
  c.type_vocab_size = positive("roformer.type_vocab_size");
  c.layer_norm_eps = file.get_f32("roformer.attention.layer_norm_epsilon");
  c.hidden_act = file.get_string("roformer.hidden_act");
  parse_activation(c.hidden_act, "roformer.hidden_act");
  c.rotary_value = file.get_bool("roformer.rotary_value");
  const auto& norm = file.get_string("roformer.norm_type");
  if (norm != "layer_norm" && norm != "rms_norm") {
    fail(ErrorCode::kBadModel, file.path(), ": roformer.norm_type = \"", norm,
         "\" is not layer_norm or rms_norm; re-run roformer convert");
  }
  c.norm_type = norm == "rms_norm" ? NormType::kRmsNorm : NormType::kLayerNorm;
  c.use_bias = file.get_bool("roformer.use_bias");
  const auto& head = file.get_string("roformer.head");
  bool known = false;
  for (const auto& entry : kHeads) {
    if (head == entry.name) {
      c.head = entry.kind;
      known = true;
    }
  }
  if (!known) {
    fail(ErrorCode::kBadModel, file.path(), ": roformer.head = \"", head,
         "\" is unknown; re-run roformer convert");
  }
  c.labels = file.get_strings("roformer.labels");
  c.has_pooler = file.get_bool("roformer.pooler");
  c.pooler_activation = file.get_string("roformer.pooler_activation");
  parse_activation(c.pooler_activation, "roformer.pooler_activation");
  c.model_max_length = static_cast<int>(file.get_u32("roformer.model_max_length"));
  if (c.hidden_size % c.num_heads != 0 || c.head_dim() % 2 != 0) {
    fail(ErrorCode::kBadModel, file.path(), ": embedding_length ", c.hidden_size,
         " does not split into ", c.num_heads, " heads of an even size; re-run roformer convert");
  }
  return c;
}

}  // namespace roformer
