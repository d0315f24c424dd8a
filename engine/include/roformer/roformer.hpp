// roformer.cpp's C++ API. Load a Model once and share it between threads (it is immutable); give
// each thread its own Session (it owns the activation memory and is not thread-safe). Every call
// throws roformer::Error, whose code() says what went wrong and whose what() names the thing, the
// expected and the actual value. The library prints nothing unless set_log_callback installs a
// receiver.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "error.hpp"
#include "roformer.h"

// The engine's own classes already own the names roformer::Model and roformer::Session, so the
// public ones live one namespace down.
// Every type here is public, so functions that take or return them keep default visibility even
// though the library is built with -fvisibility=hidden.
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif
namespace roformer::api {

using roformer::Error;
using roformer::ErrorCode;

// The library version, "MAJOR.MINOR.PATCH", equal to ROFORMER_VERSION.
ROFORMER_API const char* version();

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };
using LogCallback = std::function<void(LogLevel level, const std::string& message)>;

// Process-wide: sends every message at max_level or more important to callback, from whichever
// thread logs. An empty callback silences the library again (the default). Throws
// Error(kInvalidArgument) for a max_level outside kError to kDebug (a number cast to LogLevel),
// leaving the current callback in place.
ROFORMER_API void set_log_callback(LogCallback callback, LogLevel max_level = LogLevel::kInfo);

enum class Head { kNone, kSequenceClassification, kTokenClassification, kMaskedLm, kQuestionAnswering };

struct ModelInfo {
  std::string name;
  Head head = Head::kNone;
  std::vector<std::string> labels;  // classification heads: the label of each output index
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int max_position_embeddings = 0;  // the length the model was trained on
  int default_max_length = 0;       // what max_length = 0 means: the above, or model_max_length
                                    // when the tokenizer's is shorter
  bool has_pooler = false;
};

// One text (or text pair) as the model sees it.
struct Tokens {
  std::vector<std::string> tokens;  // [CLS] ... [SEP] (... [SEP])
  std::vector<int32_t> input_ids;
  std::vector<int32_t> token_type_ids;
  // [start, end) in Unicode code points of the text the token came from (the second text for the
  // pair's tokens); {-1, -1} for [CLS] and [SEP].
  std::vector<std::pair<int32_t, int32_t>> offsets;
  bool truncated = false;  // max_length removed tokens
};

class ROFORMER_API Model {
 public:
  // Maps and validates a .gguf model file (from `roformer convert`). Throws Error with kIo when
  // the file cannot be read and kBadModel when it is not a valid roformer model.
  static std::shared_ptr<const Model> load(const std::string& path);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& path() const;
  const ModelInfo& info() const;

  // Thread-safe. max_length counts [CLS]/[SEP]; 0 = no limit, else at least 2 (3 for a pair):
  // throws kInvalidArgument below that. Never throws on text content: invalid UTF-8 becomes
  // U+FFFD.
  Tokens tokenize(const std::string& text, size_t max_length = 0) const;
  Tokens tokenize_pair(const std::string& text, const std::string& text_pair,
                       size_t max_length = 0) const;

  // The library's own view of the model; opaque to applications.
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The most threads one call may use (as the command line's --threads).
inline constexpr int kMostThreads = 1024;

// The most tokens one sequence may hold, in Session::run and RunOptions::max_length: 2^20 (see
// ROFORMER_MOST_TOKENS for why).
inline constexpr size_t kMostTokens = ROFORMER_MOST_TOKENS;

// How texts become forward passes; shared by every text call.
struct RunOptions {
  int threads = 1;        // threads this call uses for BLAS and the kernels (exactly this many,
                          // 1 to kMostThreads)
  int batch_size = 32;    // texts per forward pass; texts are grouped by length first
  int max_length = 0;     // tokens per text, [CLS]/[SEP] included, 2 to kMostTokens;
                          // 0 = ModelInfo::default_max_length; past max_position_embeddings it
                          // runs, with one warning per call
  bool truncate = true;   // cut longer texts to max_length; false: throw kBadInput instead
};

struct Classification {
  size_t label_index = 0;     // argmax
  std::string label;          // ModelInfo::labels[label_index]
  float score = 0.0f;         // softmax probability of that label
  std::vector<float> scores;  // softmax over every label, in ModelInfo::labels order
};

enum class Pooling {
  kMean,    // average of the token vectors, padding excluded (sentence-transformers' default)
  kCls,     // the [CLS] token's vector
  kPooler,  // the model's pooler output (only models that have one)
};

struct EmbedOptions {
  Pooling pooling = Pooling::kMean;
  bool normalize = true;  // scale every vector to unit L2 norm
};

struct FillMaskOptions {
  int top_k = 5;  // candidates per [MASK], most likely first
};

struct MaskPrediction {
  int32_t token_id = 0;
  std::string token;
  float score = 0.0f;  // softmax probability over the vocabulary
};

// One [MASK] of a text: its token position and its candidates.
struct MaskResult {
  size_t position = 0;  // index in the tokenized text ([CLS] is 0)
  std::vector<MaskPrediction> predictions;
};

struct TagOptions {
  // Group the words into entities: B-X starts one, I-X (or a bare X) continues an open X and
  // otherwise starts one, O ends it.
  bool aggregate = true;
};

// A word: a token and the "##" pieces after it, labelled by its first token.
struct TaggedWord {
  std::string text;    // the text between start and end
  std::string label;
  float score = 0.0f;  // softmax probability of label at the word's first token
  int32_t start = 0;   // [start, end) code points of the text
  int32_t end = 0;
};

struct Entity {
  std::string label;   // without the B-/I- prefix
  std::string text;    // the text between start and end
  float score = 0.0f;  // mean of its words' scores
  int32_t start = 0;   // [start, end) code points of the text
  int32_t end = 0;
};

struct TagResult {
  std::vector<TaggedWord> words;  // every word of the text, [CLS]/[SEP] excluded
  std::vector<Entity> entities;   // empty unless TagOptions::aggregate
};

struct AnswerOptions {
  int max_answer_tokens = 30;  // longest span considered, in tokens
};

struct Answer {
  std::string text;   // empty when the context has no tokens
  float score = 0.0f; // p(start) * p(end), softmaxes over the context tokens
  int32_t start = 0;  // [start, end) code points of the context
  int32_t end = 0;
};

// Raw ids in, tensors out: one sequence per entry, any lengths; results do not depend on how
// sequences are grouped.
struct TokenInput {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> token_type_ids;  // empty = all 0
  std::vector<uint8_t> attention_mask;  // empty = all 1; else 1 a real token, 0 a padding key
};

struct Tensor {
  std::vector<int64_t> shape;  // outermost first; empty when the model has no such output
  std::vector<float> values;   // row-major
};

struct TokenOutput {
  Tensor last_hidden_state;  // [length, hidden], when RawOptions::last_hidden_state
  Tensor pooler_output;      // [hidden], models with a pooler
  Tensor logits;             // sequence classification [labels]; token classification [length, labels]
  Tensor prediction_scores;  // masked LM [length, vocab]
  Tensor start_logits;       // question answering [length]
  Tensor end_logits;         // [length]
};

struct RawOptions {
  int threads = 1;                 // exactly this many threads, 1 to kMostThreads
  bool last_hidden_state = true;   // copy the encoder output out
  bool head = true;                // run the model's head
};

class ROFORMER_API Session {
 public:
  // Throws Error(kInvalidArgument) for a null model. The session keeps the model alive.
  explicit Session(std::shared_ptr<const Model> model);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Model& model() const;

  // Sequence-classification models.
  std::vector<Classification> classify(const std::vector<std::string>& texts,
                                       const RunOptions& run = {});
  std::vector<Classification> classify_pairs(
      const std::vector<std::pair<std::string, std::string>>& pairs, const RunOptions& run = {});

  // Any model: one vector of hidden_size floats per text.
  std::vector<std::vector<float>> embed(const std::vector<std::string>& texts,
                                        const EmbedOptions& options = {},
                                        const RunOptions& run = {});

  // Masked-LM models: one entry per text, one MaskResult per [MASK] in it.
  std::vector<std::vector<MaskResult>> fill_mask(const std::vector<std::string>& texts,
                                                 const FillMaskOptions& options = {},
                                                 const RunOptions& run = {});

  // Token-classification models.
  std::vector<TagResult> tag(const std::vector<std::string>& texts, const TagOptions& options = {},
                             const RunOptions& run = {});

  // Question-answering models: one answer per (question, context) pair, found in the context. An
  // empty or blank question throws kBadInput naming it.
  std::vector<Answer> answer(const std::vector<std::pair<std::string, std::string>>& questions,
                             const AnswerOptions& options = {}, const RunOptions& run = {});

  // Any model, token ids in. Throws kBadInput naming the sequence and position of a bad id or
  // of an attention_mask value other than 0 and 1, and naming a sequence over kMostTokens.
  // Logs one warning per call when sequences are longer than ModelInfo::max_position_embeddings.
  std::vector<TokenOutput> run(const std::vector<TokenInput>& inputs, const RawOptions& options = {});

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace roformer::api
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif
