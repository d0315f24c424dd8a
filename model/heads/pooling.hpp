// Sentence embeddings from the encoder: the pooler, the [CLS] row or the mean of the real tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/executor.hpp"

namespace roformer::heads {

enum class Pooling { kPooler, kCls, kMean };

// "pooler", "cls" or "mean"; throws kInvalidArgument naming any other.
Pooling parse_pooling(const std::string& name);
const char* pooling_name(Pooling pooling);

// What Session::run must produce for pool_sequence: kPooler needs the pooler (and a model that
// has one: throws kUnsupported otherwise), kCls and kMean the last hidden state.
RunOptions run_options_for(Pooling pooling, const ModelConfig& config, int threads);

// One sequence's embedding: [hidden]. output: Session::run's output for it; mask: its attention
// mask (empty = every token real); kMean averages the rows whose mask is not 0.
std::vector<float> pool_sequence(Pooling pooling, const SequenceOutput& output, size_t hidden,
                                 const std::vector<uint8_t>& mask = {});

// v / |v|; a zero vector stays zero.
void l2_normalize(std::vector<float>& v);
// a.b / (|a| |b|) in double; 0 when either is zero. Throws kInvalidArgument on a size mismatch.
float cosine_similarity(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace roformer::heads
