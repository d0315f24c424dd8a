// The public Session's fill-mask, tagging and question answering: run the head, then turn its
// scores into tokens, spans and answers (postprocess.hpp).
#include "engine/error.hpp"
#include "model/api/api_internal.hpp"
#include "model/api/postprocess.hpp"

namespace roformer::api {

std::vector<std::vector<MaskResult>> Session::fill_mask(const std::vector<std::string>& texts,
                                                        const FillMaskOptions& options,
                                                        const RunOptions& run) {
  const roformer::Model& model = *impl_->model;
  require_head(model, HeadKind::kMaskedLm, "fill_mask");
  if (options.top_k < 1) fail(ErrorCode::kInvalidArgument, "FillMaskOptions::top_k is ", options.top_k, ", expected >= 1");
  const auto mask_id = model.tokenizer().id_of("[MASK]");
  if (!mask_id) fail(ErrorCode::kBadModel, model.path(), ": the vocabulary has no [MASK] token");

  std::vector<TextInput> inputs;
  for (const auto& text : texts) inputs.push_back({&text, nullptr});
  auto encodings = encode_inputs(model, inputs, run);
  auto outputs = run_encodings(impl_->session, encodings, run, roformer::RunOptions{});

  const size_t vocab = model.config().vocab_size;
  std::vector<std::vector<MaskResult>> results(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto& ids = encodings[i].input_ids;
    for (size_t position = 0; position < ids.size(); ++position) {
      if (ids[position] != *mask_id) continue;
      MaskResult mask;
      mask.position = position;
      auto scores = softmax(outputs[i].prediction_scores.data() + position * vocab, vocab);
      for (size_t id : top_k(scores, static_cast<size_t>(options.top_k))) {
        const auto token_id = static_cast<int32_t>(id);
        mask.predictions.push_back({token_id, model.tokenizer().token(token_id), scores[id]});
      }
      results[i].push_back(std::move(mask));
    }
  }
  return results;
}

std::vector<TagResult> Session::tag(const std::vector<std::string>& texts, const TagOptions& options,
                                    const RunOptions& run) {
  const roformer::Model& model = *impl_->model;
  require_head(model, HeadKind::kTokenClassification, "tag");
  std::vector<TextInput> inputs;
  for (const auto& text : texts) inputs.push_back({&text, nullptr});
  auto encodings = encode_inputs(model, inputs, run);
  auto outputs = run_encodings(impl_->session, encodings, run, roformer::RunOptions{});

  const auto& labels = model.config().labels;
  std::vector<TagResult> results(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const Encoding& encoding = encodings[i];
    std::vector<TokenTag> tags;
    for (size_t t = 0; t < encoding.input_ids.size(); ++t) {
      const auto [start, end] = encoding.offsets[t];
      if (start < 0) continue;  // [CLS], [SEP]
      auto scores = softmax(outputs[i].logits.data() + t * labels.size(), labels.size());
      const size_t best = top_k(scores, 1).at(0);
      tags.push_back({labels[best], scores[best], start, end});
      results[i].tokens.push_back({encoding.tokens[t], labels[best], scores[best], start, end});
    }
    if (!options.aggregate) continue;
    for (const TagSpan& span : aggregate_tags(tags)) {
      results[i].entities.push_back({span.label, code_point_slice(texts[i], span.start, span.end),
                                     span.score, span.start, span.end});
    }
  }
  return results;
}

std::vector<Answer> Session::answer(const std::vector<std::pair<std::string, std::string>>& questions,
                                    const AnswerOptions& options, const RunOptions& run) {
  const roformer::Model& model = *impl_->model;
  require_head(model, HeadKind::kQuestionAnswering, "answer");
  if (options.max_answer_tokens < 1) {
    fail(ErrorCode::kInvalidArgument, "AnswerOptions::max_answer_tokens is ",
         options.max_answer_tokens, ", expected >= 1");
  }
  std::vector<TextInput> inputs;
  for (const auto& [question, context] : questions) inputs.push_back({&question, &context});
  auto encodings = encode_inputs(model, inputs, run);
  auto outputs = run_encodings(impl_->session, encodings, run, roformer::RunOptions{});

  std::vector<Answer> answers(questions.size());
  for (size_t i = 0; i < questions.size(); ++i) {
    const Encoding& encoding = encodings[i];
    // The context is the pair's second text: after the first [SEP], specials excluded.
    std::vector<bool> in_context(encoding.input_ids.size(), false);
    bool after_separator = false;
    for (size_t t = 0; t < in_context.size(); ++t) {
      if (encoding.offsets[t].first < 0) {
        after_separator = after_separator || t > 0;
        continue;
      }
      in_context[t] = after_separator;
    }
    const SpanChoice span = best_span(outputs[i].start_logits, outputs[i].end_logits, in_context,
                                      static_cast<size_t>(options.max_answer_tokens));
    if (!span.found) continue;
    Answer& answer = answers[i];
    answer.start = encoding.offsets[span.start].first;
    answer.end = encoding.offsets[span.end].second;
    answer.score = span.score;
    answer.text = code_point_slice(questions[i].second, answer.start, answer.end);
  }
  return answers;
}

}  // namespace roformer::api
