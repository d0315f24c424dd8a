// The public Session: classification, embeddings and raw ids; the other heads are in api_heads.cpp.
#include <algorithm>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "model/api/api_internal.hpp"
#include "model/heads/softmax.hpp"
#include "model/heads/pooling.hpp"

namespace roformer::api {

Session::Session(std::shared_ptr<const Model> model) {
  if (!model) fail(ErrorCode::kInvalidArgument, "Session needs a loaded model, got null");
  const auto& engine_model = model->impl().model;
  impl_ = std::unique_ptr<Impl>(new Impl{model, engine_model, roformer::Session(engine_model)});
}

Session::~Session() = default;

const Model& Session::model() const { return *impl_->owner; }

namespace {

std::vector<Classification> classify_inputs(Session::Impl& impl, const std::vector<TextInput>& inputs,
                                            const RunOptions& run) {
  const roformer::Model& model = *impl.model;
  require_head(model, HeadKind::kSequenceClassification, "classify");
  auto encodings = encode_inputs(model, inputs, run);
  auto outputs = run_encodings(impl.session, encodings, run, roformer::RunOptions{});

  const auto& labels = model.config().labels;
  std::vector<Classification> results(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    Classification& result = results[i];
    result.scores = heads::softmax(outputs[i].logits.data(), outputs[i].logits.size());
    result.label_index = static_cast<size_t>(
        std::max_element(result.scores.begin(), result.scores.end()) - result.scores.begin());
    result.label = labels.at(result.label_index);
    result.score = result.scores[result.label_index];
  }
  return results;
}

// Rotary angles exist for any position, so a longer sequence runs, but the model never saw such
// positions in training: one warning per call, as the command line gives for --max-length.
void warn_past_trained_positions(const std::vector<TokenInput>& inputs, const ModelConfig& c) {
  const size_t trained = static_cast<size_t>(c.max_position_embeddings);
  size_t past = 0, longest = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t length = inputs[i].input_ids.size();
    if (length > trained) ++past;
    if (length > inputs[longest].input_ids.size()) longest = i;
  }
  if (past == 0) return;
  log_at(roformer::LogLevel::kWarning, past, " of ", counted(inputs.size(), "sequence"),
         past == 1 ? " exceeds the " : " exceed the ", trained,
         " positions the model was trained on (the longest, sequence ", longest, ", has ",
         counted(inputs[longest].input_ids.size(), "token"), ")");
}

Tensor tensor(std::vector<float> values, std::vector<int64_t> shape) {
  if (values.empty()) return {};
  return {std::move(shape), std::move(values)};
}

}  // namespace

std::vector<Classification> Session::classify(const std::vector<std::string>& texts,
                                              const RunOptions& run) {
  std::vector<TextInput> inputs;
  for (const auto& text : texts) inputs.push_back({&text, nullptr});
  return classify_inputs(*impl_, inputs, run);
}

std::vector<Classification> Session::classify_pairs(
    const std::vector<std::pair<std::string, std::string>>& pairs, const RunOptions& run) {
  std::vector<TextInput> inputs;
  for (const auto& pair : pairs) inputs.push_back({&pair.first, &pair.second});
  return classify_inputs(*impl_, inputs, run);
}

std::vector<std::vector<float>> Session::embed(const std::vector<std::string>& texts,
                                               const EmbedOptions& options, const RunOptions& run) {
  const roformer::Model& model = *impl_->model;
  const heads::Pooling pooling = options.pooling == Pooling::kPooler ? heads::Pooling::kPooler
                                 : options.pooling == Pooling::kCls  ? heads::Pooling::kCls
                                                                     : heads::Pooling::kMean;
  const roformer::RunOptions what = heads::run_options_for(pooling, model.config(), run.threads);
  std::vector<TextInput> inputs;
  for (const auto& text : texts) inputs.push_back({&text, nullptr});
  auto encodings = encode_inputs(model, inputs, run);
  auto outputs = run_encodings(impl_->session, encodings, run, what);

  std::vector<std::vector<float>> vectors(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    vectors[i] = heads::pool_sequence(pooling, outputs[i], model.config().hidden_size);
    if (options.normalize) heads::l2_normalize(vectors[i]);
  }
  return vectors;
}

std::vector<TokenOutput> Session::run(const std::vector<TokenInput>& inputs,
                                      const RawOptions& options) {
  if (options.threads < 1 || options.threads > kMostThreads) {
    fail(ErrorCode::kInvalidArgument, "RawOptions::threads is ", options.threads, ", expected 1 to ",
         kMostThreads);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t length = inputs[i].input_ids.size();
    if (length > kMostTokens) {
      fail(ErrorCode::kBadInput, "sequence ", i, " is ", length, " tokens long, over the limit of ",
           kMostTokens);
    }
  }
  const ModelConfig& c = impl_->model->config();
  std::vector<SequenceInput> batch;
  for (const auto& input : inputs) {
    batch.push_back({input.input_ids, input.token_type_ids, input.attention_mask});
  }
  roformer::RunOptions what;
  what.threads = options.threads;
  what.last_hidden_state = options.last_hidden_state;
  what.head = options.head;
  auto outputs = impl_->session.run(batch, what);
  warn_past_trained_positions(inputs, c);

  const int64_t hidden = c.hidden_size, labels = static_cast<int64_t>(c.labels.size());
  std::vector<TokenOutput> results(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const int64_t length = static_cast<int64_t>(inputs[i].input_ids.size());
    SequenceOutput& out = outputs[i];
    TokenOutput& result = results[i];
    result.last_hidden_state = tensor(std::move(out.last_hidden_state), {length, hidden});
    result.pooler_output = tensor(std::move(out.pooler_output), {hidden});
    const bool per_token = c.head == HeadKind::kTokenClassification;
    result.logits = tensor(std::move(out.logits),
                           per_token ? std::vector<int64_t>{length, labels} : std::vector<int64_t>{labels});
    result.prediction_scores = tensor(std::move(out.prediction_scores), {length, c.vocab_size});
    result.start_logits = tensor(std::move(out.start_logits), {length});
    result.end_logits = tensor(std::move(out.end_logits), {length});
  }
  return results;
}

}  // namespace roformer::api
