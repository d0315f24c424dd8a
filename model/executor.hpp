// The RoFormer forward pass, layer by layer, over a batch of sequences packed into one
// [tokens, hidden] matrix. A Session owns the activation arena; use one Session per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/arena.hpp"
#include "kernels/kernels.hpp"
#include "model/model.hpp"

namespace roformer {

struct SequenceInput {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> token_type_ids;  // empty = all 0
  std::vector<uint8_t> attention_mask;  // empty = all 1; 0 marks a padding key
};

struct SequenceOutput {
  std::vector<float> last_hidden_state;  // [length, hidden]
  std::vector<float> logits;             // sequence classification [labels]; token [length, labels]
  std::vector<float> prediction_scores;  // masked LM [length, vocab]
  std::vector<float> start_logits;       // question answering [length]
  std::vector<float> end_logits;         // [length]
  std::vector<float> pooler_output;      // [hidden], models with a pooler
};

struct RunOptions {
  bool last_hidden_state = false;  // copy the encoder output out
  bool head = true;                // run the model's head
  bool pooler = true;              // run the pooler when the model has one
  int threads = 1;                 // exact number of threads for BLAS and the kernels
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model);
  ~Session();

  // Runs every sequence; results are independent of how sequences are grouped into batches.
  // Throws kBadInput naming the sequence and position of an id out of range.
  std::vector<SequenceOutput> run(const std::vector<SequenceInput>& batch,
                                  const RunOptions& options);

  const Model& model() const { return *model_; }
  const Arena& arena() const { return arena_; }

 private:
  struct Plan;

  void ensure_rotary_table(size_t length);
  // x: [rows, in] -> y: [rows, out] = act(x W^T + b), by our packed-weight kernel (act applied
  // in its epilogue) on AVX2 and AVX-512, by OpenBLAS on the scalar path (act in a pass after
  // it), split among `threads` by output columns.
  void linear(const Linear& linear, const float* x, float* y, size_t rows, size_t out, size_t in,
              int threads, kernels::Activation act = kernels::Activation::kIdentity);
  // The scalar path's linear over weight: [out, in]: OpenBLAS split among `workers`, then the
  // activation in a pass of its own on `threads`.
  void blas_linear(const float* weight, const float* bias, const float* x, float* y, size_t rows,
                   size_t out, size_t in, int workers, int threads, kernels::Activation act);

  std::shared_ptr<const Model> model_;
  Arena arena_;
  std::vector<float> rotary_cos_;  // [positions, head_dim / 2]
  std::vector<float> rotary_sin_;
  size_t rotary_positions_ = 0;
  float* row_tiles_ = nullptr;  // in the arena: the packed input of linear's own kernel
  size_t row_tiles_floats_ = 0;
};

}  // namespace roformer
