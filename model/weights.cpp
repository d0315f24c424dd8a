#include "model/weights.hpp"

#include <cstdint>
#include <set>

#include "engine/error.hpp"
#include "kernels/packed_gemm.hpp"
#include "model/gguf/gguf.hpp"

namespace roformer {
namespace {

constexpr const char* kLayoutKey = "roformer.weight_layout";
// Where a panels16 matrix must start: the GEMM reads it from the mapping with aligned loads of
// one 64-byte line (an AVX-512 vector). roformer convert writes general.alignment = 64.
constexpr uintptr_t kPanelAlignment = 64;

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

void add_linear(std::vector<TensorSpec>& specs, WeightLayout layout, const std::string& name,
                uint64_t out, uint64_t in, bool bias) {
  specs.push_back({name + ".weight", {out, in}, layout == WeightLayout::kPanels16});
  if (bias) specs.push_back({name + ".bias", {out}});
}

void add_norm(std::vector<TensorSpec>& specs, const ModelConfig& c, const std::string& name,
              uint64_t width) {
  if (c.norm_type == NormType::kRmsNorm) return;  // RMS norm has no parameters
  specs.push_back({name + ".weight", {width}});
  specs.push_back({name + ".bias", {width}});
}

}  // namespace

const char* weight_layout_name(WeightLayout layout) {
  return layout == WeightLayout::kPanels16 ? "panels16" : "rows";
}

WeightLayout parse_weight_layout(const std::string& name) {
  if (name == "rows") return WeightLayout::kRows;
  if (name == "panels16") return WeightLayout::kPanels16;
  fail(ErrorCode::kInvalidArgument, "weight layout \"", name, "\", expected rows or panels16");
}

void write_weight_layout(WeightLayout layout, gguf::Writer& writer) {
  writer.set(kLayoutKey, std::string(weight_layout_name(layout)));
}

WeightLayout read_weight_layout(const gguf::File& file) {
  if (file.get_u32("roformer.file_revision") == 1) return WeightLayout::kRows;
  const std::string& name = file.get_string(kLayoutKey);
  if (name == "rows") return WeightLayout::kRows;
  if (name == "panels16") return WeightLayout::kPanels16;
  fail(ErrorCode::kBadModel, file.path(), ": ", kLayoutKey, " = \"", name,
       "\", expected rows or panels16; re-run roformer convert");
}

std::vector<uint64_t> TensorSpec::stored_shape() const {
  if (!panels) return shape;
  return {kernels::packed_panels(shape[0]), shape[1], kernels::kPackedPanel};
}

std::vector<TensorSpec> expected_tensors(const ModelConfig& c, WeightLayout layout) {
  const uint64_t hidden = c.hidden_size, embedding = c.embedding_size;
  std::vector<TensorSpec> specs;
  specs.push_back({"token_embd.weight", {uint64_t(c.vocab_size), embedding}});
  specs.push_back({"token_types.weight", {uint64_t(c.type_vocab_size), embedding}});
  add_norm(specs, c, "token_embd_norm", embedding);
  if (c.projects_embeddings()) add_linear(specs, layout, "embd_proj", hidden, embedding, true);
  for (int layer = 0; layer < c.num_layers; ++layer) {
    const std::string block = "blk." + std::to_string(layer);
    add_linear(specs, layout, block + ".attn_qkv", 3 * hidden, hidden, c.use_bias);
    add_linear(specs, layout, block + ".attn_out", hidden, hidden, c.use_bias);
    add_norm(specs, c, block + ".attn_out_norm", hidden);
    add_linear(specs, layout, block + ".ffn_up", uint64_t(c.intermediate_size), hidden, c.use_bias);
    add_linear(specs, layout, block + ".ffn_down", hidden, uint64_t(c.intermediate_size),
               c.use_bias);
    add_norm(specs, c, block + ".ffn_out_norm", hidden);
  }
  if (c.has_pooler) add_linear(specs, layout, "pooler", hidden, hidden, true);
  const uint64_t labels = c.labels.size();
  switch (c.head) {
    case HeadKind::kNone: break;
    case HeadKind::kSequenceClassification:
      add_linear(specs, layout, "cls.dense", hidden, hidden, true);
      add_linear(specs, layout, "cls.out", labels, hidden, true);
      break;
    case HeadKind::kTokenClassification:
      add_linear(specs, layout, "cls.out", labels, hidden, true);
      break;
    case HeadKind::kQuestionAnswering: add_linear(specs, layout, "cls.out", 2, hidden, true); break;
    case HeadKind::kMaskedLm:
      // v2's masked LM head is only hidden x token_embd^T.
      if (c.norm_type == NormType::kLayerNorm) {
        add_linear(specs, layout, "mlm.dense", embedding, hidden, true);
        add_norm(specs, c, "mlm.norm", embedding);
        specs.push_back({"mlm.bias", {uint64_t(c.vocab_size)}});
      }
      break;
  }
  return specs;
}

Weights bind_weights(const gguf::File& file, const ModelConfig& c) {
  // Every layer owns tensors, so a block count above the tensor count is a damaged header; catch
  // it before listing millions of expected names.
  if (static_cast<size_t>(c.num_layers) > file.tensors().size()) {
    fail(ErrorCode::kBadModel, file.path(), ": roformer.block_count = ", c.num_layers,
         " but the file holds only ", file.tensors().size(), " tensors; re-run roformer convert");
  }
  const WeightLayout layout = read_weight_layout(file);
  const auto specs = expected_tensors(c, layout);
  std::set<std::string> expected_names;
  for (const auto& spec : specs) {
    expected_names.insert(spec.name);
    const auto* info = file.find_tensor(spec.name);
    const std::string stored = shape_text(spec.stored_shape()) +
                               (spec.panels ? " (" + shape_text(spec.shape) + " in panels)" : "");
    if (!info) {
      fail(ErrorCode::kBadModel, file.path(), ": tensor ", spec.name, " ", stored,
           " is missing; re-run roformer convert");
    }
    if (info->shape != spec.stored_shape() || info->type != gguf::TensorType::kF32) {
      fail(ErrorCode::kBadModel, file.path(), ": tensor ", spec.name, " should be F32 ", stored,
           ", found ", info->type == gguf::TensorType::kF32 ? "F32 " : "F16 ",
           shape_text(info->shape), "; re-run roformer convert");
    }
    // Panels are read from the mapping by aligned vector loads, one 64-byte line per step.
    const auto address = reinterpret_cast<uintptr_t>(info->data);
    if (spec.panels && address % kPanelAlignment != 0) {
      fail(ErrorCode::kBadModel, file.path(), ": tensor ", spec.name, " starts ",
           address % kPanelAlignment, " bytes past a ", kPanelAlignment, "-byte line (general.",
           "alignment ", file.alignment(), "), expected panels to start on one; re-run roformer ",
           "convert");
    }
  }
  for (const auto& info : file.tensors()) {
    if (!expected_names.count(info.name)) {
      fail(ErrorCode::kBadModel, file.path(), ": unexpected tensor ", info.name,
           " for this config; re-run roformer convert");
    }
  }

  auto get = [&](const std::string& name) -> const float* {
    const auto* info = file.find_tensor(name);
    return info ? static_cast<const float*>(info->data) : nullptr;
  };
  auto linear = [&](const std::string& name) {
    const float* weight = get(name + ".weight");
    if (layout == WeightLayout::kPanels16) return Linear{nullptr, weight, get(name + ".bias")};
    return Linear{weight, nullptr, get(name + ".bias")};
  };
  auto norm = [&](const std::string& name) { return Norm{get(name + ".weight"), get(name + ".bias")}; };

  Weights w;
  w.layout = layout;
  w.token_embd = get("token_embd.weight");
  w.token_types = get("token_types.weight");
  w.embd_norm = norm("token_embd_norm");
  w.embd_proj = linear("embd_proj");
  for (int layer = 0; layer < c.num_layers; ++layer) {
    const std::string block = "blk." + std::to_string(layer);
    w.layers.push_back({linear(block + ".attn_qkv"), linear(block + ".attn_out"),
                        norm(block + ".attn_out_norm"), linear(block + ".ffn_up"),
                        linear(block + ".ffn_down"), norm(block + ".ffn_out_norm")});
  }
  w.pooler = linear("pooler");
  w.cls_dense = linear("cls.dense");
  w.cls_out = linear("cls.out");
  w.mlm_dense = linear("mlm.dense");
  w.mlm_norm = norm("mlm.norm");
  w.mlm_bias = get("mlm.bias");
  return w;
}

}  // namespace roformer
