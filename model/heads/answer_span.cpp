#include "model/heads/answer_span.hpp"

#include "engine/error.hpp"
#include "model/heads/softmax.hpp"

namespace roformer::heads {

std::optional<AnswerSpan> best_answer_span(const Encoding& encoding,
                                           const std::vector<float>& start_logits,
                                           const std::vector<float>& end_logits,
                                           size_t max_answer_tokens) {
  const size_t length = encoding.input_ids.size();
  if (start_logits.size() != length || end_logits.size() != length) {
    fail(ErrorCode::kInvalidArgument, "best_answer_span: ", length, " tokens but ",
         start_logits.size(), " start and ", end_logits.size(), " end logits");
  }
  // context: token indices of the second segment's real tokens, consecutive.
  std::vector<size_t> context;
  for (size_t t = 0; t < length; ++t) {
    if (encoding.token_type_ids[t] == 1 && encoding.offsets[t].first >= 0) context.push_back(t);
  }
  if (context.empty() || max_answer_tokens == 0) return std::nullopt;

  std::vector<float> starts, ends;
  for (size_t t : context) {
    starts.push_back(start_logits[t]);
    ends.push_back(end_logits[t]);
  }
  size_t best_i = 0, best_j = 0;
  float best = starts[0] + ends[0];
  for (size_t i = 0; i < context.size(); ++i) {
    const size_t last = std::min(context.size(), i + max_answer_tokens);
    for (size_t j = i; j < last; ++j) {
      if (starts[i] + ends[j] > best) best = starts[i] + ends[j], best_i = i, best_j = j;
    }
  }
  const std::vector<float> p_start = softmax(starts.data(), starts.size());
  const std::vector<float> p_end = softmax(ends.data(), ends.size());
  AnswerSpan span;
  span.start_token = context[best_i];
  span.end_token = context[best_j];
  span.start = encoding.offsets[span.start_token].first;
  span.end = encoding.offsets[span.end_token].second;
  span.score = p_start[best_i] * p_end[best_j];
  return span;
}

}  // namespace roformer::heads
