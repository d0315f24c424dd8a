#include "model/executor.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "engine/cpu_features.hpp"
#include "engine/error.hpp"
#include "engine/tensor.hpp"
#include "engine/threads.hpp"
#include "kernels/gemm.hpp"
#include "kernels/kernels.hpp"
#include "kernels/packed_gemm.hpp"

namespace roformer {

// Byte offsets into the arena of every buffer one forward pass uses.
struct Session::Plan {
  size_t tokens = 0, sequences = 0, longest = 0;
  std::vector<size_t> starts;  // starts: [sequences + 1], first token of each sequence
  size_t embeddings = 0;       // [tokens, embedding_size]
  size_t hidden = 0;           // [tokens, hidden]
  size_t spare = 0;            // [tokens, hidden]
  size_t qkv = 0;              // [tokens, 3 * hidden]
  size_t context = 0;          // [tokens, hidden]
  size_t ffn = 0;              // [tokens, intermediate]
  size_t key_mask = 0;         // [tokens] bytes
  size_t scratch = 0;          // [threads, attention scratch]
  size_t scratch_stride = 0;   // floats of scratch per thread
  size_t first_rows = 0;       // [sequences, hidden]: position 0 of each sequence
  size_t head_dense = 0;       // [sequences, hidden]
  size_t first_qkv = 0;        // [sequences, 3 * hidden]: position 0's queries in the last layer
  size_t head_out = 0;         // sequence heads [sequences, labels]; token heads [tokens, outputs]
  size_t mlm_hidden = 0;       // [tokens, embedding_size]
  size_t pooled = 0;           // [sequences, hidden]
  size_t row_tiles = 0;        // the input of a packed-weight GEMM: pack_rows of [rows, in]
};

namespace {

// Positions p = 0..n-1 and pairs i: angle p * 10000^(-2i / head_dim), in double, rounded to float
// as the reference implementations build their table (RoFormer paper, eq. 15).
void fill_rotary(std::vector<float>& cos_table, std::vector<float>& sin_table, size_t positions,
                 size_t head_dim) {
  const size_t pairs = head_dim / 2;
  cos_table.resize(positions * pairs);
  sin_table.resize(positions * pairs);
  for (size_t p = 0; p < positions; ++p) {
    for (size_t i = 0; i < pairs; ++i) {
      double angle = double(p) * std::pow(10000.0, -2.0 * double(i) / double(head_dim));
      cos_table[p * pairs + i] = static_cast<float>(std::cos(angle));
      sin_table[p * pairs + i] = static_cast<float>(std::sin(angle));
    }
  }
}

// Output columns are split among threads in blocks of this many: one packed panel, and a multiple
// of every sgemm column tile.
constexpr size_t kColumnBlock = kernels::kPackedPanel;

// A call of our GEMM with at least this many rows per worker splits its rows among the workers
// (each reads every weight) rather than its output columns (each reads every packed row): with
// 2 threads on a Xeon, 32 x 128 tokens of RoFormer-base ran 4% faster and 1 x 512 6% faster,
// while 1 x 128 split by rows ran 10% slower.
constexpr size_t kMinRowsPerWorker = 128;

// Rows per call of our kernel over packed weights, or 0 on the scalar path, where OpenBLAS is
// the GEMM (our portable kernel runs under 1 GFLOP/s). The choice never depends on the row count:
// the two kernels sum in different orders, and a text's result must not depend on its batch.
// Measured with tools/bench_kernels, BM_LinearPacked against BM_Linear, both on one thread, at the
// widths of RoFormer-base:
// - AVX-512 (Intel Xeon, two 512-bit FMA units; tiles of 8 rows by 3 panels): 143-175 GFLOP/s
//   at 16 rows, 179-198 from 64 to 512, 172-180 at 2,048 in one call, against OpenBLAS's 65-75 at
//   16 rows, 155-165 at 128 and 178-195 at 512; 256 and 512 rows per call ran 32 x 128 tokens
//   alike, 1,024 3% slower. (Zen 4, with the earlier 16-row tiles: 103-111 GFLOP/s against
//   OpenBLAS's 58 at 16 rows and 95-101 at 512.)
// - AVX2 (AMD EPYC, family 23, no AVX-512): 43-45 GFLOP/s from 16 to 512 rows, against OpenBLAS's
//   19-31 at 16 rows, 42 at 128 and 44 at 512 and more; 37-39 at 2,048 rows in one call. On Zen 4
//   the AVX2 kernel fell from 80-98 GFLOP/s at 128 rows to 53 at 512 rows and k = 3072.
size_t packed_call_rows(kernels::Isa isa) {
  switch (isa) {
    case kernels::Isa::kAvx512:
      return 512;
    case kernels::Isa::kAvx2:
      return 128;
    case kernels::Isa::kScalar:
      return 0;
  }
  return 0;
}

void validate(const std::vector<SequenceInput>& batch, const ModelConfig& c) {
  for (size_t s = 0; s < batch.size(); ++s) {
    const auto& seq = batch[s];
    const size_t length = seq.input_ids.size();
    if (length == 0) fail(ErrorCode::kBadInput, "sequence ", s, " is empty");
    if (!seq.token_type_ids.empty() && seq.token_type_ids.size() != length) {
      fail(ErrorCode::kBadInput, "sequence ", s, ": token_type_ids has ", seq.token_type_ids.size(),
           " entries, expected ", length);
    }
    if (!seq.attention_mask.empty() && seq.attention_mask.size() != length) {
      fail(ErrorCode::kBadInput, "sequence ", s, ": attention_mask has ", seq.attention_mask.size(),
           " entries, expected ", length);
    }
    for (size_t t = 0; t < length; ++t) {
      if (seq.input_ids[t] < 0 || seq.input_ids[t] >= c.vocab_size) {
        fail(ErrorCode::kBadInput, "sequence ", s, " position ", t, ": token id ", seq.input_ids[t],
             " is outside the vocabulary [0, ", c.vocab_size, ")");
      }
      // 1 marks a real token and 0 padding; any other value has no meaning, as in the CLI's infer.
      if (!seq.attention_mask.empty() && seq.attention_mask[t] > 1) {
        fail(ErrorCode::kBadInput, "sequence ", s, " position ", t, ": attention_mask is ",
             int(seq.attention_mask[t]), ", expected 0 (padding) or 1 (a real token)");
      }
      if (!seq.token_type_ids.empty() &&
          (seq.token_type_ids[t] < 0 || seq.token_type_ids[t] >= c.type_vocab_size)) {
        fail(ErrorCode::kBadInput, "sequence ", s, " position ", t, ": token type ",
             seq.token_type_ids[t], " is outside [0, ", c.type_vocab_size, ")");
      }
    }
  }
}

}  // namespace

Session::Session(std::shared_ptr<const Model> model) : model_(std::move(model)) {
  if (!model_) fail(ErrorCode::kInvalidArgument, "Session needs a loaded model, got null");
}

Session::~Session() = default;

// Both kernels split their work among `threads` by contiguous blocks of output columns (weight
// rows), or ours, given kMinRowsPerWorker rows per worker, by blocks of rows; so the engine's own
// pool (engine/threads.hpp) is the only pool that ever runs and OpenBLAS's own threads never
// compete with it. Our kernel's column blocks are handed out a few per worker at a time, so a core
// slowed by a busy neighbour takes fewer (1 x 512 on 2 threads of a shared EPYC: 12% faster than
// halves). It sums every element in one order, whatever its column block and the rows around
// it: results depend neither on the thread count nor on the batch.
void Session::linear(const Linear& linear, const float* x, float* y, size_t rows, size_t out,
                     size_t in, int threads, kernels::Activation act, ColumnRange columns) {
  const bool all_columns = columns.begin == 0 && columns.end >= out;
  if (columns.begin % kColumnBlock != 0 || columns.begin >= std::min(columns.end, out) ||
      (!all_columns && act != kernels::Activation::kIdentity)) {
    fail(ErrorCode::kInternal, "linear: columns [", columns.begin, ", ", columns.end, ") of ", out,
         " should start a block of ", kColumnBlock, ", and only all of them take an activation");
  }
  // A piece of work under this many multiply-adds is not worth a thread, and OpenBLAS would send
  // it to its small-matrix kernel, which sums in another order (see blas_linear).
  constexpr size_t kMinPieceMacs = size_t(1) << 21;
  const size_t width = std::min(columns.end, out) - columns.begin;
  const size_t first_block = columns.begin / kColumnBlock;
  const size_t blocks = (width + kColumnBlock - 1) / kColumnBlock;
  const size_t most_workers = std::min(rows * width * in / kMinPieceMacs, blocks);
  const int workers = static_cast<int>(std::clamp<size_t>(most_workers, 1, size_t(threads)));
  const kernels::KernelTable& k = active_kernels();
  const size_t call_rows = packed_call_rows(k.isa);
  if (call_rows == 0) {
    const float* weight = linear.weight ? linear.weight
                                        : model_->packed_weights().unpacked(linear.packed, out, in);
    blas_linear(weight, linear.bias, x, y, rows, out, in, first_block, blocks, workers, threads,
                act);
    return;
  }
  const PackedWeights& packed = model_->packed_weights();
  const float* weights =
      linear.packed ? packed.panels(linear.packed, out, in, pass_)
                    : packed.get(linear.weight, out, in);
  for (size_t row = 0; row < rows; row += call_rows) {
    const size_t m = std::min(call_rows, rows - row);
    if (kernels::row_tile_floats(m, in) > row_tiles_floats_) {
      fail(ErrorCode::kInternal, "packed rows need ", kernels::row_tile_floats(m, in),
           " floats, the plan has ", row_tiles_floats_);
    }
    const float* x_rows = x + row * in;
    if (m >= kMinRowsPerWorker * size_t(workers)) {
      // Enough rows for each worker to own some: it packs them and computes every column, so its
      // packed rows stay in its own core's cache.
      parallel_chunks(kernels::row_tiles(m), workers, [&](size_t begin, size_t end) {
        const size_t first = begin * kernels::kRowTile, last = std::min(m, end * kernels::kRowTile);
        float* tiles = row_tiles_ + first * in;
        k.pack_rows(x_rows + first * in, in, last - first, in, tiles);
        k.linear_packed(tiles, weights, linear.bias, act, y + (row + first) * out, /*ld_y=*/out,
                        last - first, out, in, first_block, first_block + blocks);
      });
      continue;
    }
    parallel_chunks(kernels::row_tiles(m), workers, [&](size_t begin, size_t end) {
      const size_t first = begin * kernels::kRowTile, last = std::min(m, end * kernels::kRowTile);
      k.pack_rows(x_rows + first * in, in, last - first, in, row_tiles_ + first * in);
    });
    parallel_chunks_balanced(blocks, workers, [&](size_t begin, size_t end) {
      k.linear_packed(row_tiles_, weights, linear.bias, act, y + row * out, /*ld_y=*/out, m, out,
                      in, first_block + begin, first_block + end);
    });
  }
}

// OpenBLAS's result for a row depends, in its last bits, on the row's place in the call (on an
// AMD EPYC of family 23, rows 6-11 of every 12 are summed differently from rows 0-5), so on the
// scalar path a text's result agrees with its run alone to rounding, not bit for bit. Its
// small-matrix kernel (under about 2^19 multiply-adds) sums in yet another order; every worker's
// piece stays above that (kMinPieceMacs) and smaller GEMMs run on one worker, so the thread count
// never changes a bit.
void Session::blas_linear(const float* weight, const float* bias, const float* x, float* y,
                          size_t rows, size_t out, size_t in, size_t first_block, size_t blocks,
                          int workers, int threads, kernels::Activation act) {
  // With an activation the bias waits for the activation pass, which adds it first as the packed
  // kernel does.
  const bool activated = act != kernels::Activation::kIdentity;
  parallel_chunks(blocks, workers, [&](size_t begin, size_t end) {
    const size_t first = (first_block + begin) * kColumnBlock;
    const size_t last = std::min(out, (first_block + end) * kColumnBlock);
    if (first >= last) return;
    const float* block_bias = bias && !activated ? bias + first : nullptr;
    kernels::linear(x, weight + first * in, block_bias, y + first, /*ld_y=*/out, rows,
                    last - first, in);
  });
  if (!activated) return;
  const kernels::KernelTable& k = active_kernels();
  parallel_chunks(rows, threads, [&](size_t begin, size_t end) {
    k.bias_activation(y + begin * out, bias, end - begin, out, act);
  });
}

void Session::ensure_rotary_table(size_t length) {
  if (length <= rotary_positions_) return;
  // The table is a cache grown to the longest input seen, at least the trained length.
  size_t positions = std::max<size_t>(length, model_->config().max_position_embeddings);
  fill_rotary(rotary_cos_, rotary_sin_, positions, model_->config().head_dim());
  rotary_positions_ = positions;
}

std::vector<SequenceOutput> Session::run(const std::vector<SequenceInput>& batch,
                                         const RunOptions& options) {
  const ModelConfig& c = model_->config();
  const Weights& w = model_->weights();
  const kernels::KernelTable& k = active_kernels();
  validate(batch, c);
  if (batch.empty()) return {};
  const int threads = std::max(options.threads, 1);
  // Unique to this pass among every session's (see PackedWeights::panels).
  static std::atomic<uint64_t> passes{0};
  pass_ = passes.fetch_add(1, std::memory_order_relaxed);

  const size_t hidden = c.hidden_size, embedding = c.embedding_size, inter = c.intermediate_size;
  const size_t heads = c.num_heads, head_dim = c.head_dim(), vocab = c.vocab_size;
  const size_t labels = c.head == HeadKind::kQuestionAnswering ? 2 : c.labels.size();
  const bool token_head =
      c.head == HeadKind::kTokenClassification || c.head == HeadKind::kQuestionAnswering;

  // Plan every buffer before the first layer.
  Plan plan;
  plan.sequences = batch.size();
  plan.starts.reserve(batch.size() + 1);
  plan.starts.push_back(0);
  for (const auto& seq : batch) {
    plan.longest = std::max(plan.longest, seq.input_ids.size());
    plan.starts.push_back(plan.starts.back() + seq.input_ids.size());
  }
  const size_t T = plan.tokens = plan.starts.back(), B = plan.sequences;
  ArenaPlan layout;
  plan.embeddings = layout.reserve(T * embedding);
  plan.hidden = layout.reserve(T * hidden);
  plan.spare = layout.reserve(T * hidden);
  plan.qkv = layout.reserve(T * 3 * hidden);
  plan.context = layout.reserve(T * hidden);
  plan.ffn = layout.reserve(T * inter);
  plan.key_mask = layout.reserve(T, 1);
  plan.scratch_stride = (kernels::attention_scratch_floats(plan.longest, head_dim) + 15) / 16 * 16;
  plan.scratch = layout.reserve(plan.scratch_stride * threads);
  plan.first_rows = layout.reserve(B * hidden);
  plan.head_dense = layout.reserve(B * hidden);
  plan.first_qkv = layout.reserve(B * 3 * hidden);
  plan.head_out = layout.reserve((token_head ? T : B) * std::max<size_t>(labels, 1));
  if (c.head == HeadKind::kMaskedLm && options.head) {
    plan.mlm_hidden = layout.reserve(T * embedding);
    plan.head_out = layout.reserve(T * vocab);
  }
  plan.pooled = layout.reserve(B * hidden);
  const size_t widest_in = std::max({embedding, hidden, inter});
  row_tiles_floats_ = kernels::row_tile_floats(std::min(T, packed_call_rows(k.isa)), widest_in);
  plan.row_tiles = layout.reserve(row_tiles_floats_);
  arena_.prepare(layout);
  row_tiles_ = arena_.f32(plan.row_tiles);
  ensure_rotary_table(plan.longest);
  set_blas_threads(1);  // see Session::linear

  // Embeddings: word + token type, norm, optional projection to the hidden width.
  // emb: [tokens, embedding_size]
  float* emb = arena_.f32(plan.embeddings);
  uint8_t* key_mask = arena_.u8(plan.key_mask);
  for (size_t s = 0; s < B; ++s) {
    const auto& seq = batch[s];
    for (size_t t = 0; t < seq.input_ids.size(); ++t) {
      const size_t row = plan.starts[s] + t;
      const float* word = w.token_embd + size_t(seq.input_ids[t]) * embedding;
      const int32_t type = seq.token_type_ids.empty() ? 0 : seq.token_type_ids[t];
      const float* type_row = w.token_types + size_t(type) * embedding;
      for (size_t e = 0; e < embedding; ++e) emb[row * embedding + e] = word[e] + type_row[e];
      key_mask[row] = seq.attention_mask.empty() ? 1 : (seq.attention_mask[t] != 0);
    }
  }
  auto norm_rows = [&](float* x, const float* residual, const Norm& norm, float* y, size_t rows,
                       size_t width) {
    parallel_chunks(rows, threads, [&](size_t begin, size_t end) {
      const float* res = residual ? residual + begin * width : nullptr;
      if (c.norm_type == NormType::kRmsNorm) {
        k.rms_norm(x + begin * width, res, y + begin * width, end - begin, width, c.layer_norm_eps);
      } else {
        k.layer_norm(x + begin * width, res, norm.gain, norm.bias, y + begin * width, end - begin,
                     width, c.layer_norm_eps);
      }
    });
  };
  const kernels::Activation act = parse_activation(c.hidden_act, "hidden_act");

  float* hidden_rows = arena_.f32(plan.hidden);  // x: [tokens, hidden]
  float* spare = arena_.f32(plan.spare);
  norm_rows(emb, nullptr, w.embd_norm, emb, T, embedding);
  if (c.projects_embeddings()) {
    linear(w.embd_proj, emb, hidden_rows, T, hidden, embedding, threads);
  } else {
    std::copy(emb, emb + T * hidden, hidden_rows);
  }

  float* qkv = arena_.f32(plan.qkv);
  float* context = arena_.f32(plan.context);
  float* ffn = arena_.f32(plan.ffn);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  // The pooler and a sequence-level head read position 0 of each sequence only. Unless every
  // token's output is asked for, the last layer computes keys and values for every token but the
  // queries, the output projection and the FFN for position 0 alone. A row's arithmetic does not
  // depend on the rows beside it, so position 0 gets the same values either way.
  const bool every_token =
      options.last_hidden_state || (options.head && (token_head || c.head == HeadKind::kMaskedLm));
  // first: [sequences, hidden], position 0 of each sequence for the sequence-level heads.
  float* first = arena_.f32(plan.first_rows);
  bool first_done = false;
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const LayerWeights& layer = w.layers[l];
    const bool first_only = !every_token && l + 1 == w.layers.size();
    // qkv: [tokens, 3 * hidden] = x Wqkv^T + b
    if (first_only && hidden % kColumnBlock == 0) {
      // Keys and values of every token, queries of position 0 alone (into first_qkv, then to
      // each sequence's first row of qkv): the same sums, a third less of this GEMM.
      float* first_qkv = arena_.f32(plan.first_qkv);
      for (size_t s = 0; s < B; ++s) {
        const float* row = hidden_rows + plan.starts[s] * hidden;
        std::copy(row, row + hidden, first + s * hidden);
      }
      linear(layer.qkv, hidden_rows, qkv, T, 3 * hidden, hidden, threads,
             kernels::Activation::kIdentity, ColumnRange{hidden, 3 * hidden});
      linear(layer.qkv, first, first_qkv, B, 3 * hidden, hidden, threads,
             kernels::Activation::kIdentity, ColumnRange{0, hidden});
      for (size_t s = 0; s < B; ++s) {
        const float* query = first_qkv + s * 3 * hidden;
        std::copy(query, query + hidden, qkv + plan.starts[s] * 3 * hidden);
      }
    } else {
      linear(layer.qkv, hidden_rows, qkv, T, 3 * hidden, hidden, threads);
    }
    // context: [tokens, hidden], one (sequence, head) per work item.
    parallel_items(B * heads, threads, [&](size_t item, int worker) {
      const size_t s = item / heads, h = item % heads;
      const size_t start = plan.starts[s], length = plan.starts[s + 1] - start;
      kernels::AttentionArgs args;
      args.q = qkv + start * 3 * hidden + h * head_dim;
      args.k = args.q + hidden;
      args.v = args.q + 2 * hidden;
      args.ld_qkv = 3 * hidden;
      args.out = context + start * hidden + h * head_dim;
      args.ld_out = hidden;
      args.seq = length;
      args.queries = first_only ? 1 : length;
      args.head_dim = head_dim;
      args.cos = rotary_cos_.data();
      args.sin = rotary_sin_.data();
      args.key_mask = key_mask + start;
      args.rotary_value = c.rotary_value;
      args.scale = scale;
      args.scratch = arena_.f32(plan.scratch) + size_t(worker) * plan.scratch_stride;
      k.attention(args);
    });
    if (!first_only) {
      // x = norm(context Wo^T + bo + x)
      linear(layer.attn_out, context, spare, T, hidden, hidden, threads);
      norm_rows(spare, hidden_rows, layer.attn_norm, hidden_rows, T, hidden);
      // ffn: [tokens, intermediate] = act(x Wup^T + b); x = norm(ffn Wdown^T + b + x)
      linear(layer.ffn_up, hidden_rows, ffn, T, inter, hidden, threads, act);
      linear(layer.ffn_down, ffn, spare, T, hidden, inter, threads);
      norm_rows(spare, hidden_rows, layer.ffn_norm, hidden_rows, T, hidden);
      continue;
    }
    // The same steps on [sequences, hidden]: position 0's context and input of each sequence.
    float* first_context = arena_.f32(plan.head_dense);
    for (size_t s = 0; s < B; ++s) {
      const size_t row = plan.starts[s];
      std::copy(context + row * hidden, context + (row + 1) * hidden, first_context + s * hidden);
      std::copy(hidden_rows + row * hidden, hidden_rows + (row + 1) * hidden, first + s * hidden);
    }
    linear(layer.attn_out, first_context, spare, B, hidden, hidden, threads);
    norm_rows(spare, first, layer.attn_norm, first, B, hidden);
    linear(layer.ffn_up, first, ffn, B, inter, hidden, threads, act);
    linear(layer.ffn_down, ffn, spare, B, hidden, inter, threads);
    norm_rows(spare, first, layer.ffn_norm, first, B, hidden);
    first_done = true;
  }

  std::vector<SequenceOutput> outputs(B);
  auto per_token = [&](const float* rows, size_t width, std::vector<float> SequenceOutput::*field) {
    for (size_t s = 0; s < B; ++s) {
      const float* begin = rows + plan.starts[s] * width;
      (outputs[s].*field).assign(begin, rows + plan.starts[s + 1] * width);
    }
  };
  if (options.last_hidden_state) per_token(hidden_rows, hidden, &SequenceOutput::last_hidden_state);

  for (size_t s = 0; !first_done && s < B; ++s) {
    std::copy(hidden_rows + plan.starts[s] * hidden, hidden_rows + (plan.starts[s] + 1) * hidden,
              first + s * hidden);
  }
  if (c.has_pooler && options.pooler) {
    float* pooled = arena_.f32(plan.pooled);
    linear(w.pooler, first, pooled, B, hidden, hidden, threads,
           parse_activation(c.pooler_activation, "pooler_activation"));
    for (size_t s = 0; s < B; ++s) {
      outputs[s].pooler_output.assign(pooled + s * hidden, pooled + (s + 1) * hidden);
    }
  }
  if (!options.head) return outputs;

  float* head_out = arena_.f32(plan.head_out);
  switch (c.head) {
    case HeadKind::kNone:
      break;
    case HeadKind::kSequenceClassification: {
      // dense -> hidden_act -> out_proj on position 0
      float* dense = arena_.f32(plan.head_dense);
      linear(w.cls_dense, first, dense, B, hidden, hidden, threads, act);
      linear(w.cls_out, dense, head_out, B, labels, hidden, threads);
      for (size_t s = 0; s < B; ++s) {
        outputs[s].logits.assign(head_out + s * labels, head_out + (s + 1) * labels);
      }
      break;
    }
    case HeadKind::kTokenClassification:
      linear(w.cls_out, hidden_rows, head_out, T, labels, hidden, threads);
      per_token(head_out, labels, &SequenceOutput::logits);
      break;
    case HeadKind::kQuestionAnswering:
      linear(w.cls_out, hidden_rows, head_out, T, 2, hidden, threads);
      for (size_t s = 0; s < B; ++s) {
        for (size_t t = plan.starts[s]; t < plan.starts[s + 1]; ++t) {
          outputs[s].start_logits.push_back(head_out[t * 2]);
          outputs[s].end_logits.push_back(head_out[t * 2 + 1]);
        }
      }
      break;
    case HeadKind::kMaskedLm: {
      const float* decoder_input = hidden_rows;
      if (c.norm_type == NormType::kLayerNorm) {
        // transform: dense -> hidden_act -> LayerNorm, then the decoder tied to token_embd
        float* transformed = arena_.f32(plan.mlm_hidden);
        linear(w.mlm_dense, hidden_rows, transformed, T, embedding, hidden, threads, act);
        k.layer_norm(transformed, nullptr, w.mlm_norm.gain, w.mlm_norm.bias, transformed, T,
                     embedding, c.layer_norm_eps);
        decoder_input = transformed;
      } else if (embedding != hidden) {
        fail(ErrorCode::kUnsupported, "a RoFormer-v2 masked LM head needs embedding_size ",
             embedding, " equal to hidden_size ", hidden);
      }
      linear(Linear{w.token_embd, nullptr, w.mlm_bias}, decoder_input, head_out, T, vocab,
             embedding, threads);
      per_token(head_out, vocab, &SequenceOutput::prediction_scores);
      break;
    }
  }
  return outputs;
}

}  // namespace roformer
