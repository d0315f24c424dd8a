// The public Model: loading, what the model is, tokenizing; version and the log callback.
#include "engine/error.hpp"
#include "engine/log.hpp"
#include "model/api/api_internal.hpp"

namespace roformer::api {

const char* version() { return ROFORMER_VERSION; }

void set_log_callback(LogCallback callback, LogLevel max_level) {
  // A level is an int on its way in from C or a cast, so it can be any number.
  const int level = static_cast<int>(max_level);
  if (level < static_cast<int>(LogLevel::kError) || level > static_cast<int>(LogLevel::kDebug)) {
    fail(ErrorCode::kInvalidArgument, "max_level is ", level,
         ", expected 0 (error), 1 (warning), 2 (info) or 3 (debug)");
  }
  if (!callback) {
    set_log_sink(nullptr, roformer::LogLevel::kError);
    return;
  }
  set_log_sink(
      [callback = std::move(callback)](roformer::LogLevel level, const std::string& message) {
        callback(static_cast<LogLevel>(level), message);
      },
      static_cast<roformer::LogLevel>(max_level));
}

namespace {

Head public_head(HeadKind head) {
  switch (head) {
    case HeadKind::kNone: return Head::kNone;
    case HeadKind::kSequenceClassification: return Head::kSequenceClassification;
    case HeadKind::kTokenClassification: return Head::kTokenClassification;
    case HeadKind::kMaskedLm: return Head::kMaskedLm;
    case HeadKind::kQuestionAnswering: return Head::kQuestionAnswering;
  }
  return Head::kNone;
}

ModelInfo describe(const ModelConfig& config) {
  ModelInfo info;
  info.name = config.name;
  info.head = public_head(config.head);
  info.labels = config.labels;
  info.vocab_size = config.vocab_size;
  info.hidden_size = config.hidden_size;
  info.num_layers = config.num_layers;
  info.max_position_embeddings = config.max_position_embeddings;
  info.default_max_length = config.default_max_length();
  info.has_pooler = config.has_pooler;
  return info;
}

}  // namespace

Tokens to_tokens(Encoding encoding) {
  Tokens tokens;
  tokens.tokens = std::move(encoding.tokens);
  tokens.input_ids = std::move(encoding.input_ids);
  tokens.token_type_ids = std::move(encoding.token_type_ids);
  tokens.offsets = std::move(encoding.offsets);
  tokens.truncated = encoding.truncated;
  return tokens;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->model = roformer::Model::load(path);
  impl->info = describe(impl->model->config());
  return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

const std::string& Model::path() const { return impl_->model->path(); }
const ModelInfo& Model::info() const { return impl_->info; }

namespace {

// The special tokens alone ([CLS] [SEP], or [CLS] [SEP] [SEP] for a pair) must fit.
void require_room_for_specials(size_t max_length, size_t specials) {
  if (max_length != 0 && max_length < specials) {
    fail(ErrorCode::kInvalidArgument, "max_length is ", max_length, ", expected 0 (no limit) or >= ",
         specials, " (", specials == 2 ? "[CLS] and [SEP]" : "[CLS], [SEP] and [SEP]", ")");
  }
}

}  // namespace

Tokens Model::tokenize(const std::string& text, size_t max_length) const {
  require_room_for_specials(max_length, 2);
  return to_tokens(impl_->model->tokenizer().encode(text, std::nullopt, max_length));
}

Tokens Model::tokenize_pair(const std::string& text, const std::string& text_pair,
                            size_t max_length) const {
  require_room_for_specials(max_length, 3);
  return to_tokens(impl_->model->tokenizer().encode(text, text_pair, max_length));
}

}  // namespace roformer::api
