// Head outputs to answers: probabilities, top-k, tag spans, answer spans. Pure functions on
// vectors, so they are tested without a model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roformer::api {

// Softmax of values[0, count), computed in double after subtracting the maximum.
std::vector<float> softmax(const float* values, size_t count);

// Indices of the k largest values, largest first; ties go to the lower index.
std::vector<size_t> top_k(const std::vector<float>& values, size_t k);

// One token's best label, as tag() sees it.
struct TokenTag {
  std::string label;
  float score = 0.0f;
  int32_t start = 0, end = 0;  // code points
};

struct TagSpan {
  std::string label;  // without B-/I-
  float score = 0.0f; // mean token score
  int32_t start = 0, end = 0;
};

// Merges runs of tokens into spans: B-X starts a span; I-X or X continues a span of type X, or
// starts one when the previous token was of another type; O (and an empty label) ends it.
std::vector<TagSpan> aggregate_tags(const std::vector<TokenTag>& tokens);

struct SpanChoice {
  size_t start = 0, end = 0;  // token positions, inclusive
  float score = 0.0f;
  bool found = false;
};

// The (start <= end, end - start < max_tokens) pair of allowed positions with the largest
// p_start * p_end, both softmaxes taken over the allowed positions only.
SpanChoice best_span(const std::vector<float>& start_logits, const std::vector<float>& end_logits,
                     const std::vector<bool>& allowed, size_t max_tokens);

// Code points [start, end) of a UTF-8 text, re-encoded (invalid bytes come back as U+FFFD, as the
// tokenizer counted them).
std::string code_point_slice(std::string_view text, int32_t start, int32_t end);

}  // namespace roformer::api
