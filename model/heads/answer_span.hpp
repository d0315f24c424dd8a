// Question-answering post-processing: the best answer span within the context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"

namespace roformer::heads {

struct AnswerSpan {
  size_t start_token = 0, end_token = 0;  // token indices, inclusive
  int32_t start = 0, end = 0;             // [start, end) in code points of the context
  float score = 0.0f;                     // p_start * p_end
};

// encoding: encode(question, context). Candidates are start <= end among the context's tokens
// (second segment, specials excluded) with at most max_answer_tokens tokens; the best maximises
// start_logit + end_logit. p_start and p_end are softmaxes over the context tokens only, so the
// question and the specials take no probability. None when the context kept no token.
std::optional<AnswerSpan> best_answer_span(const Encoding& encoding,
                                           const std::vector<float>& start_logits,
                                           const std::vector<float>& end_logits,
                                           size_t max_answer_tokens);

}  // namespace roformer::heads
