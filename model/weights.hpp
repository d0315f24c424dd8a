// The model file's tensor names and shapes (one table, see docs/model-format.md), and the pointers
// the executor reads weights through. Linear weights are stored either in PyTorch's [out, in]
// layout or already packed for the engine's GEMM (roformer.weight_layout).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.hpp"

namespace roformer {

namespace gguf {
class File;
class Writer;
}  // namespace gguf

// How a model file stores the weights of its linear layers.
enum class WeightLayout {
  kRows,      // "rows": PyTorch's [out, in]; the executor packs each in memory on first use
  kPanels16,  // "panels16": kernels::pack_weights' [panels, in, 16], used from the mapping as is
};
const char* weight_layout_name(WeightLayout layout);
// "rows" or "panels16" -> the layout; anything else throws kInvalidArgument naming both.
WeightLayout parse_weight_layout(const std::string& name);
void write_weight_layout(WeightLayout layout, gguf::Writer& writer);
// roformer.weight_layout; a revision 1 file, which predates the key, holds rows.
WeightLayout read_weight_layout(const gguf::File& file);

struct TensorSpec {
  std::string name;
  std::vector<uint64_t> shape;  // outermost first, as PyTorch holds it ([out, in] for a weight)
  bool panels = false;          // a linear weight stored as pack_weights' panels of `shape`
  std::vector<uint64_t> stored_shape() const;  // `shape`, or [panels, in, 16] when `panels`
};

// Every tensor a model file with this config and layout holds, in file order.
std::vector<TensorSpec> expected_tensors(const ModelConfig& config,
                                         WeightLayout layout = WeightLayout::kRows);

// Exactly one of weight and packed is set, as the file stores it.
struct Linear {
  const float* weight = nullptr;  // weight: [out, in]
  const float* packed = nullptr;  // packed: [panels(out), in, 16]
  const float* bias = nullptr;    // bias: [out] or null
};

struct Norm {
  const float* gain = nullptr;  // gain, bias: [width]; both null for RMS norm
  const float* bias = nullptr;
};

struct LayerWeights {
  Linear qkv;        // [3 * hidden, hidden]: query rows, then key rows, then value rows
  Linear attn_out;   // [hidden, hidden]
  Norm attn_norm;
  Linear ffn_up;     // [intermediate, hidden]
  Linear ffn_down;   // [hidden, intermediate]
  Norm ffn_norm;
};

struct Weights {
  WeightLayout layout = WeightLayout::kRows;
  const float* token_embd = nullptr;  // [vocab, embedding_size]
  const float* token_types = nullptr; // [type_vocab, embedding_size]
  Norm embd_norm;
  Linear embd_proj;                   // [hidden, embedding_size] when projected
  std::vector<LayerWeights> layers;
  Linear pooler;                      // [hidden, hidden]
  Linear cls_dense;                   // sequence classification: [hidden, hidden]
  Linear cls_out;                     // [labels, hidden]; token classification and QA use it too
  Linear mlm_dense;                   // masked LM v1: [embedding_size, hidden]
  Norm mlm_norm;                      // [embedding_size]
  const float* mlm_bias = nullptr;    // [vocab]
};

// Checks that the file holds exactly the expected tensors with the expected shapes (F32) for its
// weight layout and returns pointers into the mapping; throws kBadModel naming the tensor,
// expected and actual.
Weights bind_weights(const gguf::File& file, const ModelConfig& config);

}  // namespace roformer
