#include "model/api/postprocess.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "model/tokenizer/utf8.hpp"

namespace roformer::api {

std::vector<float> softmax(const float* values, size_t count) {
  std::vector<float> out(count);
  if (count == 0) return out;
  const float peak = *std::max_element(values, values + count);
  double sum = 0.0;
  for (size_t i = 0; i < count; ++i) sum += std::exp(double(values[i]) - double(peak));
  for (size_t i = 0; i < count; ++i) {
    out[i] = static_cast<float>(std::exp(double(values[i]) - double(peak)) / sum);
  }
  return out;
}

std::vector<size_t> top_k(const std::vector<float>& values, size_t k) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  k = std::min(k, order.size());
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](size_t a, size_t b) {
    return values[a] != values[b] ? values[a] > values[b] : a < b;
  });
  order.resize(k);
  return order;
}

namespace {

// "B-PER" -> {true, "PER"}; "I-PER" -> {false, "PER"}; "PER" -> {false, "PER"}.
std::pair<bool, std::string> split_tag(const std::string& label) {
  if (label.size() > 2 && label[1] == '-' && (label[0] == 'B' || label[0] == 'I')) {
    return {label[0] == 'B', label.substr(2)};
  }
  return {false, label};
}

}  // namespace

std::vector<TagSpan> aggregate_tags(const std::vector<TokenTag>& tokens) {
  std::vector<TagSpan> spans;
  size_t span_tokens = 0;
  bool open = false;
  auto close = [&] {
    if (open) spans.back().score /= static_cast<float>(span_tokens);
    open = false;
  };
  for (const TokenTag& token : tokens) {
    if (token.label.empty() || token.label == "O") {
      close();
      continue;
    }
    auto [begins, type] = split_tag(token.label);
    if (open && !begins && spans.back().label == type) {
      spans.back().end = token.end;
      spans.back().score += token.score;
      ++span_tokens;
      continue;
    }
    close();
    spans.push_back({type, token.score, token.start, token.end});
    span_tokens = 1;
    open = true;
  }
  close();
  return spans;
}

SpanChoice best_span(const std::vector<float>& start_logits, const std::vector<float>& end_logits,
                     const std::vector<bool>& allowed, size_t max_tokens) {
  std::vector<size_t> positions;
  std::vector<float> starts, ends;
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (!allowed[i]) continue;
    positions.push_back(i);
    starts.push_back(start_logits[i]);
    ends.push_back(end_logits[i]);
  }
  SpanChoice best;
  const auto p_start = softmax(starts.data(), starts.size());
  const auto p_end = softmax(ends.data(), ends.size());
  for (size_t s = 0; s < positions.size(); ++s) {
    for (size_t e = s; e < positions.size() && positions[e] - positions[s] < max_tokens; ++e) {
      const float score = p_start[s] * p_end[e];
      if (!best.found || score > best.score) best = {positions[s], positions[e], score, true};
    }
  }
  return best;
}

std::string code_point_slice(std::string_view text, int32_t start, int32_t end) {
  std::vector<char32_t> points;
  tok::decode_utf8(text, points);
  const size_t from = std::clamp<int64_t>(start, 0, points.size());
  const size_t to = std::clamp<int64_t>(end, from, points.size());
  std::string out;
  for (size_t i = from; i < to; ++i) tok::append_utf8(points[i], out);
  return out;
}

}  // namespace roformer::api
