// The model file's tensor names and shapes (one table, see docs/model-format.md), and the pointers
// the executor reads weights through. Linear weights keep PyTorch's [out, in] layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.hpp"

namespace roformer {

namespace gguf {
class File;
}

struct TensorSpec {
  std::string name;
  std::vector<uint64_t> shape;  // outermost first
};

// Every tensor a model file with this config holds, in file order.
std::vector<TensorSpec> expected_tensors(const ModelConfig& config);

struct Linear {
  const float* weight = nullptr;  // weight: [out, in]
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

// Checks that the file holds exactly the expected tensors with the expected shapes (F32) and
// returns pointers into the mapping; throws kBadModel naming the tensor, expected and actual.
Weights bind_weights(const gguf::File& file, const ModelConfig& config);

}  // namespace roformer
