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
  std::vector<uint8_t> attention_mask;  // empty = all 1; else 1 a real token, 0 a padding key
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

// Output columns [begin, end) of a linear layer, for Session's GEMMs.
struct ColumnRange {
  size_t begin = 0;
  size_t end = SIZE_MAX;
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model);
  ~Session();

  // Runs every sequence; results are independent of how sequences are grouped into batches.
  // Throws kBadInput naming the sequence and position of an id out of range or of an
  // attention_mask value other than 0 and 1.
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
  // `columns` limits the work to output columns [begin, end) (begin a multiple of 16, no
  // activation unless all); the other columns of y are left as they are.
  void linear(const Linear& linear, const float* x, float* y, size_t rows, size_t out, size_t in,
              int threads, kernels::Activation act = kernels::Activation::kIdentity,
              ColumnRange columns = ColumnRange{});
  // The scalar path's linear over weight: [out, in], blocks of 16 columns
  // [first_block, first_block + blocks): OpenBLAS split among `workers`, then the activation in a
  // pass of its own on `threads`.
  void blas_linear(const float* weight, const float* bias, const float* x, float* y, size_t rows,
                   size_t out, size_t in, size_t first_block, size_t blocks, int workers,
                   int threads, kernels::Activation act);

  std::shared_ptr<const Model> model_;
  Arena arena_;
  std::vector<float> rotary_cos_;  // [positions, head_dim / 2]
  std::vector<float> rotary_sin_;
  size_t rotary_positions_ = 0;
  uint64_t pass_ = 0;  // this run's id among every session's passes
  float* row_tiles_ = nullptr;  // in the arena: the packed input of linear's own kernel
  size_t row_tiles_floats_ = 0;
};

}  // namespace roformer
