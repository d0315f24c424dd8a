// The public Session's fill-mask, tagging and question answering: run the head, then the shared
// post-processing of model/heads/ (the same the command line uses).
#include "engine/error.hpp"
#include "model/api/api_internal.hpp"
#include "model/heads/answer_span.hpp"
#include "model/heads/entities.hpp"
#include "model/heads/fill_mask.hpp"
#include "model/heads/text_span.hpp"

namespace roformer::api {

std::vector<std::vector<MaskResult>> Session::fill_mask(const std::vector<std::string>& texts,
                                                        const FillMaskOptions& options,
                                                        const RunOptions& run) {
  const roformer::Model& model = *impl_->model;
  require_head(model, HeadKind::kMaskedLm, "fill_mask");
  if (options.top_k < 1) {
    fail(ErrorCode::kInvalidArgument, "FillMaskOptions::top_k is ", options.top_k, ", expected >= 1");
  }
  const auto mask_id = model.tokenizer().id_of("[MASK]");
  if (!mask_id) fail(ErrorCode::kBadModel, model.path(), ": the vocabulary has no [MASK] token");

  std::vector<TextInput> inputs;
  for (const auto& text : texts) inputs.push_back({&text, nullptr});
  auto encodings = encode_inputs(model, inputs, run);
  auto outputs = run_encodings(impl_->session, encodings, run, roformer::RunOptions{});

  const size_t vocab = model.config().vocab_size;
  std::vector<std::vector<MaskResult>> results(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    for (const heads::MaskFill& fill :
         heads::fill_masks(encodings[i].input_ids, outputs[i].prediction_scores, vocab, *mask_id,
                           static_cast<size_t>(options.top_k))) {
      MaskResult mask;
      mask.position = fill.position;
      for (const heads::TokenCandidate& candidate : fill.candidates) {
        mask.predictions.push_back(
            {candidate.id, model.tokenizer().token(candidate.id), candidate.score});
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
    auto words = heads::tag_words(encodings[i], outputs[i].logits, labels.size());
    for (const heads::TaggedWord& word : words) {
      results[i].words.push_back({heads::code_point_substring(texts[i], word.start, word.end),
                                  labels.at(word.label), word.score, word.start, word.end});
    }
    if (!options.aggregate) continue;
    for (heads::Entity& entity : heads::group_entities(words, labels, texts[i])) {
      results[i].entities.push_back({std::move(entity.label), std::move(entity.text), entity.score,
                                     entity.start, entity.end});
    }
  }
  return results;
}

void require_question(const std::string& question, const std::string& name, const char* call) {
  if (question.find_first_not_of(" \t\r\n") != std::string::npos) return;
  fail(ErrorCode::kBadInput, name, " is ", question.empty() ? "empty" : "blank", "; ", call,
       " needs a non-empty question to find the answer in its context");
}

std::vector<Answer> Session::answer(const std::vector<std::pair<std::string, std::string>>& questions,
                                    const AnswerOptions& options, const RunOptions& run) {
  const roformer::Model& model = *impl_->model;
  require_head(model, HeadKind::kQuestionAnswering, "answer");
  if (options.max_answer_tokens < 1) {
    fail(ErrorCode::kInvalidArgument, "AnswerOptions::max_answer_tokens is ",
         options.max_answer_tokens, ", expected >= 1");
  }
  for (size_t i = 0; i < questions.size(); ++i) {
    require_question(questions[i].first, str("question ", i), "answer");
  }
  std::vector<TextInput> inputs;
  for (const auto& [question, context] : questions) inputs.push_back({&question, &context});
  auto encodings = encode_inputs(model, inputs, run);
  auto outputs = run_encodings(impl_->session, encodings, run, roformer::RunOptions{});

  std::vector<Answer> answers(questions.size());
  for (size_t i = 0; i < questions.size(); ++i) {
    auto span = heads::best_answer_span(encodings[i], outputs[i].start_logits,
                                        outputs[i].end_logits,
                                        static_cast<size_t>(options.max_answer_tokens));
    if (!span) continue;
    Answer& answer = answers[i];
    answer.start = span->start;
    answer.end = span->end;
    answer.score = span->score;
    answer.text = heads::code_point_substring(questions[i].second, span->start, span->end);
  }
  return answers;
}

}  // namespace roformer::api
