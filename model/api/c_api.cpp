// The C API: every function catches, records the message for roformer_last_error and returns a
// status. This is the one place exceptions turn into codes.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/error.hpp"
#include "engine/include/roformer/roformer.h"
#include "model/api/api_internal.hpp"

struct roformer_model {
  std::shared_ptr<const roformer::api::Model> model;
};

struct roformer_session {
  roformer::api::Session session;
};

namespace {

using roformer::ErrorCode;
using roformer::fail;

thread_local std::string last_error;

roformer_status record(roformer_status status, const std::string& message) {
  last_error = message;
  return status;
}

// Runs body; any exception becomes a status and this thread's last error.
template <typename Body>
roformer_status guarded(Body&& body) {
  try {
    body();
    return ROFORMER_OK;
  } catch (const roformer::Error& e) {
    return record(static_cast<roformer_status>(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return record(ROFORMER_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return record(ROFORMER_INTERNAL, e.what());
  } catch (...) {
    return record(ROFORMER_INTERNAL, "unknown exception");
  }
}

template <typename T>
void require(const T* pointer, const char* name) {
  if (pointer == nullptr) fail(ErrorCode::kInvalidArgument, name, " is NULL, expected a valid pointer");
}

roformer::api::RunOptions run_options(const roformer_run_options* options) {
  roformer::api::RunOptions run;
  if (options == nullptr) return run;
  run.threads = options->threads;
  run.batch_size = options->batch_size;
  run.max_length = options->max_length;
  run.truncate = options->truncate != 0;
  // Checked here so that a bad option is named as C spells it, not as RunOptions:: in C++.
  roformer::api::validate(run, "roformer_run_options.");
  return run;
}

// The C++ check, named after the C function so a C caller reads its own call's name.
void require_head(roformer_session* session, roformer::HeadKind expected, const char* call) {
  roformer::api::require_head(*session->session.model().impl().model, expected, call);
}

std::vector<std::string> read_texts(const char* const* texts, size_t count, const char* name) {
  require(texts, name);
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (texts[i] == nullptr) fail(ErrorCode::kInvalidArgument, name, "[", i, "] is NULL, expected a string");
    out.emplace_back(texts[i]);
  }
  return out;
}

struct FreeDeleter {
  void operator()(void* buffer) const { std::free(buffer); }
};
template <typename T>
using Buffer = std::unique_ptr<T[], FreeDeleter>;

// A malloc'ed copy; release() hands it to the caller, who frees it with roformer_free. Until then
// it frees itself, so a failure between two allocations leaks nothing.
template <typename T>
Buffer<T> copy_out(const std::vector<T>& values) {
  Buffer<T> out(static_cast<T*>(std::malloc(std::max<size_t>(values.size(), 1) * sizeof(T))));
  if (out == nullptr) throw std::bad_alloc();
  if (!values.empty()) std::memcpy(out.get(), values.data(), values.size() * sizeof(T));
  return out;
}

}  // namespace

extern "C" {

const char* roformer_version(void) { return ROFORMER_VERSION; }

const char* roformer_status_name(roformer_status status) {
  return roformer::error_code_name(static_cast<ErrorCode>(status));
}

const char* roformer_last_error(void) { return last_error.c_str(); }

roformer_status roformer_set_log_callback(roformer_log_callback callback, void* user_data,
                                          int max_level) {
  // Guarded too: a level out of range throws, wrapping the callback allocates and the sink's
  // mutex can throw.
  return guarded([&] {
    roformer::api::LogCallback receiver;
    if (callback != nullptr) {
      receiver = [callback, user_data](roformer::api::LogLevel level, const std::string& message) {
        callback(static_cast<int>(level), message.c_str(), user_data);
      };
    }
    roformer::api::set_log_callback(std::move(receiver),
                                    static_cast<roformer::api::LogLevel>(max_level));
  });
}

roformer_status roformer_model_load(const char* path, roformer_model** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(path, "path");
    auto model = roformer::api::Model::load(path);
    *out = new roformer_model{std::move(model)};
  });
}

void roformer_model_free(roformer_model* model) { delete model; }

roformer_status roformer_model_head(const roformer_model* model, int* head) {
  return guarded([&] {
    require(model, "model");
    require(head, "head");
    *head = static_cast<int>(model->model->info().head);
  });
}

roformer_status roformer_model_hidden_size(const roformer_model* model, size_t* size) {
  return guarded([&] {
    require(model, "model");
    require(size, "size");
    *size = static_cast<size_t>(model->model->info().hidden_size);
  });
}

roformer_status roformer_model_label_count(const roformer_model* model, size_t* count) {
  return guarded([&] {
    require(model, "model");
    require(count, "count");
    *count = model->model->info().labels.size();
  });
}

roformer_status roformer_model_label(const roformer_model* model, size_t index, const char** label) {
  return guarded([&] {
    require(model, "model");
    require(label, "label");
    const auto& labels = model->model->info().labels;
    if (index >= labels.size()) {
      fail(ErrorCode::kInvalidArgument, "label index ", index, " is out of range, the model has ",
           labels.size(), " labels");
    }
    *label = labels[index].c_str();
  });
}

roformer_status roformer_model_token(const roformer_model* model, int32_t id, const char** token) {
  return guarded([&] {
    require(model, "model");
    require(token, "token");
    const int vocab = model->model->info().vocab_size;
    if (id < 0 || id >= vocab) {
      fail(ErrorCode::kInvalidArgument, "token id ", id, " is outside the vocabulary [0, ", vocab, ")");
    }
    *token = model->model->impl().model->tokenizer().token(id).c_str();
  });
}

roformer_status roformer_tokenize(const roformer_model* model, const char* text, size_t max_length,
                                  int32_t** ids, size_t* count) {
  return guarded([&] {
    require(ids, "ids");
    *ids = nullptr;
    require(model, "model");
    require(text, "text");
    require(count, "count");
    auto tokens = model->model->tokenize(text, max_length);
    *ids = copy_out(tokens.input_ids).release();
    *count = tokens.input_ids.size();
  });
}

roformer_status roformer_session_create(const roformer_model* model, roformer_session** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(model, "model");
    *out = new roformer_session{roformer::api::Session(model->model)};
  });
}

void roformer_session_free(roformer_session* session) { delete session; }

roformer_run_options roformer_run_options_default(void) {
  const roformer::api::RunOptions defaults;
  return {defaults.threads, defaults.batch_size, defaults.max_length, defaults.truncate ? 1 : 0};
}

roformer_status roformer_classify(roformer_session* session, const char* const* texts,
                                  const char* const* text_pairs, size_t count,
                                  const roformer_run_options* options, size_t* label_indices,
                                  float* scores) {
  return guarded([&] {
    require(session, "session");
    require_head(session, roformer::HeadKind::kSequenceClassification, "roformer_classify");
    require(label_indices, "label_indices");
    auto firsts = read_texts(texts, count, "texts");
    std::vector<roformer::api::Classification> results;
    if (text_pairs == nullptr) {
      results = session->session.classify(firsts, run_options(options));
    } else {
      auto seconds = read_texts(text_pairs, count, "text_pairs");
      std::vector<std::pair<std::string, std::string>> pairs;
      for (size_t i = 0; i < count; ++i) pairs.emplace_back(std::move(firsts[i]), std::move(seconds[i]));
      results = session->session.classify_pairs(pairs, run_options(options));
    }
    for (size_t i = 0; i < results.size(); ++i) {
      label_indices[i] = results[i].label_index;
      if (scores == nullptr) continue;
      const size_t labels = results[i].scores.size();
      std::memcpy(scores + i * labels, results[i].scores.data(), labels * sizeof(float));
    }
  });
}

roformer_status roformer_embed(roformer_session* session, const char* const* texts, size_t count,
                               int pooling, int normalize, const roformer_run_options* options,
                               float* embeddings) {
  return guarded([&] {
    require(session, "session");
    require(embeddings, "embeddings");
    if (pooling < 0 || pooling > 2) {
      fail(ErrorCode::kInvalidArgument, "pooling is ", pooling, ", expected 0 (mean), 1 (cls) or 2 (pooler)");
    }
    roformer::api::EmbedOptions embed;
    embed.pooling = static_cast<roformer::api::Pooling>(pooling);
    embed.normalize = normalize != 0;
    auto vectors = session->session.embed(read_texts(texts, count, "texts"), embed, run_options(options));
    for (size_t i = 0; i < vectors.size(); ++i) {
      std::memcpy(embeddings + i * vectors[i].size(), vectors[i].data(), vectors[i].size() * sizeof(float));
    }
  });
}

roformer_status roformer_fill_mask(roformer_session* session, const char* text, size_t top_k,
                                   const roformer_run_options* options, int32_t** token_ids,
                                   float** scores, size_t* mask_count) {
  return guarded([&] {
    require(token_ids, "token_ids");
    require(scores, "scores");
    *token_ids = nullptr;
    *scores = nullptr;
    require(session, "session");
    require_head(session, roformer::HeadKind::kMaskedLm, "roformer_fill_mask");
    require(text, "text");
    require(mask_count, "mask_count");
    if (top_k < 1 || top_k > 1u << 20) {
      fail(ErrorCode::kInvalidArgument, "top_k is ", top_k, ", expected 1 to ", 1u << 20);
    }
    roformer::api::FillMaskOptions fill;
    fill.top_k = static_cast<int>(top_k);
    auto masks = session->session.fill_mask({text}, fill, run_options(options)).at(0);
    std::vector<int32_t> ids;
    std::vector<float> probabilities;
    for (const auto& mask : masks) {
      for (size_t k = 0; k < top_k; ++k) {
        // A vocabulary smaller than top_k leaves the rest as id -1, score 0.
        const bool has = k < mask.predictions.size();
        ids.push_back(has ? mask.predictions[k].token_id : -1);
        probabilities.push_back(has ? mask.predictions[k].score : 0.0f);
      }
    }
    auto ids_out = copy_out(ids);
    auto scores_out = copy_out(probabilities);
    *token_ids = ids_out.release();
    *scores = scores_out.release();
    *mask_count = masks.size();
  });
}

roformer_status roformer_tag(roformer_session* session, const char* text,
                             const roformer_run_options* options, size_t** label_indices,
                             float** scores, int32_t** ranges, size_t* word_count) {
  return guarded([&] {
    require(label_indices, "label_indices");
    require(scores, "scores");
    require(ranges, "ranges");
    *label_indices = nullptr;
    *scores = nullptr;
    *ranges = nullptr;
    require(session, "session");
    require_head(session, roformer::HeadKind::kTokenClassification, "roformer_tag");
    require(text, "text");
    require(word_count, "word_count");
    roformer::api::TagOptions tag;
    tag.aggregate = false;
    auto result = session->session.tag({text}, tag, run_options(options)).at(0);
    const auto& labels = session->session.model().info().labels;
    std::vector<size_t> indices;
    std::vector<float> probabilities;
    std::vector<int32_t> spans;
    for (const auto& word : result.words) {
      indices.push_back(std::find(labels.begin(), labels.end(), word.label) - labels.begin());
      probabilities.push_back(word.score);
      spans.push_back(word.start);
      spans.push_back(word.end);
    }
    auto labels_out = copy_out(indices);
    auto scores_out = copy_out(probabilities);
    auto ranges_out = copy_out(spans);
    *label_indices = labels_out.release();
    *scores = scores_out.release();
    *ranges = ranges_out.release();
    *word_count = result.words.size();
  });
}

roformer_status roformer_answer(roformer_session* session, const char* question, const char* context,
                                const roformer_run_options* options, char** text, int32_t* start,
                                int32_t* end, float* score) {
  return guarded([&] {
    require(text, "text");
    *text = nullptr;
    require(session, "session");
    require_head(session, roformer::HeadKind::kQuestionAnswering, "roformer_answer");
    require(question, "question");
    require(context, "context");
    require(start, "start");
    require(end, "end");
    require(score, "score");
    roformer::api::require_question(question, "question", "roformer_answer");
    auto answers = session->session.answer({{question, context}}, {}, run_options(options));
    const auto& answer = answers.at(0);
    std::vector<char> bytes(answer.text.begin(), answer.text.end());
    bytes.push_back('\0');
    *text = copy_out(bytes).release();
    *start = answer.start;
    *end = answer.end;
    *score = answer.score;
  });
}

roformer_status roformer_run_ids(roformer_session* session, const int32_t* input_ids,
                                 const int32_t* token_type_ids, const uint8_t* attention_mask,
                                 size_t length, float** values, size_t* count) {
  return guarded([&] {
    require(values, "values");
    *values = nullptr;
    require(session, "session");
    require(input_ids, "input_ids");
    require(count, "count");
    // Before the copies below, which would otherwise ask for length * 4 bytes of any size.
    if (length > ROFORMER_MOST_TOKENS) {
      fail(ErrorCode::kBadInput, "length is ", length, " tokens, over the limit of ",
           ROFORMER_MOST_TOKENS, " (ROFORMER_MOST_TOKENS)");
    }
    roformer::api::TokenInput input;
    input.input_ids.assign(input_ids, input_ids + length);
    if (token_type_ids) input.token_type_ids.assign(token_type_ids, token_type_ids + length);
    if (attention_mask) input.attention_mask.assign(attention_mask, attention_mask + length);
    const auto head = session->session.model().info().head;
    roformer::api::RawOptions raw;
    raw.last_hidden_state = head == roformer::api::Head::kNone;
    auto output = session->session.run({input}, raw).at(0);
    std::vector<float> result;
    switch (head) {
      case roformer::api::Head::kNone: result = std::move(output.last_hidden_state.values); break;
      case roformer::api::Head::kSequenceClassification:
      case roformer::api::Head::kTokenClassification: result = std::move(output.logits.values); break;
      case roformer::api::Head::kMaskedLm: result = std::move(output.prediction_scores.values); break;
      case roformer::api::Head::kQuestionAnswering:
        result = std::move(output.start_logits.values);
        result.insert(result.end(), output.end_logits.values.begin(), output.end_logits.values.end());
        break;
    }
    *values = copy_out(result).release();
    *count = result.size();
  });
}

void roformer_free(void* buffer) { std::free(buffer); }

}  // extern "C"
