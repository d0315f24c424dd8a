/* roformer.cpp's C API: the C++ API behind opaque handles, for C and for FFI (Python ctypes, Go
 * cgo, Rust). No function throws or aborts on bad input: each returns a roformer_status, and on
 * failure roformer_last_error() gives this thread's message, which names the thing, the expected
 * and the actual value.
 *
 * Ownership: the caller frees every handle it created (roformer_model_free,
 * roformer_session_free). Arrays the caller passes in are only read during the call. Outputs are
 * either caller-provided arrays whose size the function documents, or buffers the library
 * allocates, which the caller releases with roformer_free. Strings the library returns (labels,
 * messages) are owned by the library and valid for as long as the documentation says.
 *
 * Threads: one model may be shared by any number of threads; a session is used by one thread at a
 * time. A session keeps its model alive, so the model may be freed before its sessions. */
#ifndef ROFORMER_H
#define ROFORMER_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"

#define ROFORMER_VERSION_MAJOR 0
#define ROFORMER_VERSION_MINOR 1
#define ROFORMER_VERSION_PATCH 0
#define ROFORMER_VERSION "0.1.0"

/* The most tokens one sequence may hold: 2^20, the bound the command line puts on --max-length and
 * --seq. Rotary angles exist for any position, so this is no limit of the model: it refuses, before
 * anything is allocated, a length no real input has (a byte count or a wrapped-around size passed
 * as a token count). A forward pass holds about 11 x hidden floats per token (33 KiB at
 * RoFormer-base's hidden 768), so 2^20 tokens already need some 35 GB, and attention time grows
 * with the square of the length; inputs of tens of thousands of tokens stay far below it. */
#define ROFORMER_MOST_TOKENS 1048576

#ifdef __cplusplus
extern "C" {
#endif

typedef enum roformer_status {
  ROFORMER_OK = 0,
  ROFORMER_INVALID_ARGUMENT = 1, /* null pointer, zero count where one is needed, bad option */
  ROFORMER_BAD_INPUT = 2,        /* text or ids the model cannot take (too long, id out of range) */
  ROFORMER_BAD_MODEL = 3,        /* not a valid roformer model file, or the wrong head for the call */
  ROFORMER_IO = 4,               /* a file could not be opened or read */
  ROFORMER_UNSUPPORTED = 5,      /* a valid request this engine does not implement */
  ROFORMER_INTERNAL = 6,         /* a bug or an allocation failure */
} roformer_status;

typedef struct roformer_model roformer_model;
typedef struct roformer_session roformer_session;

/* The library version, equal to ROFORMER_VERSION. Static storage. */
ROFORMER_API const char* roformer_version(void);
/* "ok", "invalid argument", ... Static storage. */
ROFORMER_API const char* roformer_status_name(roformer_status status);
/* The message of this thread's last failed call, "" when none failed yet. Valid until this
 * thread's next failing call. */
ROFORMER_API const char* roformer_last_error(void);

/* level: 0 error, 1 warning, 2 info, 3 debug. The message is valid during the call only. */
typedef void (*roformer_log_callback)(int level, const char* message, void* user_data);
/* Process-wide: messages at max_level or more important go to callback. NULL silences the
 * library again (the default: it prints nothing by itself). A max_level outside 0 to 3, with or
 * without a callback, is ROFORMER_INVALID_ARGUMENT and leaves the current callback in place. */
ROFORMER_API roformer_status roformer_set_log_callback(roformer_log_callback callback,
                                                       void* user_data, int max_level);

/* Loads a .gguf model file into *out (set to NULL on failure). ROFORMER_IO when it cannot be
 * read, ROFORMER_BAD_MODEL when it is not a valid model. */
ROFORMER_API roformer_status roformer_model_load(const char* path, roformer_model** out);
/* Accepts NULL. */
ROFORMER_API void roformer_model_free(roformer_model* model);

/* The model's head: 0 none, 1 sequence classification, 2 token classification, 3 masked LM,
 * 4 question answering. */
ROFORMER_API roformer_status roformer_model_head(const roformer_model* model, int* head);
ROFORMER_API roformer_status roformer_model_hidden_size(const roformer_model* model, size_t* size);
ROFORMER_API roformer_status roformer_model_label_count(const roformer_model* model, size_t* count);
/* *label points into the model and stays valid until roformer_model_free and every session on the
 * model are gone. */
ROFORMER_API roformer_status roformer_model_label(const roformer_model* model, size_t index,
                                                  const char** label);

/* The vocabulary entry of a token id; *token points into the model, valid like a label. */
ROFORMER_API roformer_status roformer_model_token(const roformer_model* model, int32_t id,
                                                  const char** token);

/* Token ids of one UTF-8 text, [CLS] and [SEP] included; max_length 0 = no limit, else >= 2. *ids is
 * allocated by the library (free it with roformer_free), *count set to its length. */
ROFORMER_API roformer_status roformer_tokenize(const roformer_model* model, const char* text,
                                               size_t max_length, int32_t** ids, size_t* count);

ROFORMER_API roformer_status roformer_session_create(const roformer_model* model,
                                                     roformer_session** out);
/* Accepts NULL. */
ROFORMER_API void roformer_session_free(roformer_session* session);

typedef struct roformer_run_options {
  int threads;    /* exactly this many threads for the call, 1 to 1024; default 1 */
  int batch_size; /* texts per forward pass; default 32 */
  int max_length; /* tokens per text with [CLS]/[SEP], 2 to ROFORMER_MOST_TOKENS; 0 (default) = the
                     model's own limit; past its trained positions it runs, with one warning */
  int truncate;   /* nonzero (default): cut longer texts; 0: fail with ROFORMER_BAD_INPUT */
} roformer_run_options;

/* The documented defaults. Passing NULL where options are taken means the same. */
ROFORMER_API roformer_run_options roformer_run_options_default(void);

/* Classifies count UTF-8 texts (text_pairs NULL) or text pairs. Caller-provided outputs:
 * label_indices[count] gets each text's best label (see roformer_model_label), and scores, when
 * not NULL, [count * label_count] softmax probabilities, row per text. */
ROFORMER_API roformer_status roformer_classify(roformer_session* session, const char* const* texts,
                                               const char* const* text_pairs, size_t count,
                                               const roformer_run_options* options,
                                               size_t* label_indices, float* scores);

/* pooling: 0 mean over tokens, 1 [CLS], 2 the model's pooler. Caller-provided output
 * embeddings[count * hidden_size] (see roformer_model_hidden_size), row per text, unit length when
 * normalize is nonzero. */
ROFORMER_API roformer_status roformer_embed(roformer_session* session, const char* const* texts,
                                            size_t count, int pooling, int normalize,
                                            const roformer_run_options* options, float* embeddings);

/* Masked LM on one UTF-8 text: the top_k most likely tokens at each [MASK], mask by mask, most
 * likely first. *token_ids and *scores (softmax probabilities) are allocated by the library, each
 * [*mask_count * top_k] (free both with roformer_free); *mask_count is 0 for a text without
 * [MASK]. See roformer_model_token for the tokens' text. */
ROFORMER_API roformer_status roformer_fill_mask(roformer_session* session, const char* text,
                                                size_t top_k, const roformer_run_options* options,
                                                int32_t** token_ids, float** scores,
                                                size_t* mask_count);

/* Token classification of one UTF-8 text, word by word. Allocated by the library (free each with
 * roformer_free): *label_indices [*word_count] (see roformer_model_label), *scores [*word_count],
 * *ranges [*word_count * 2], each word's [start, end) in code points of text. */
ROFORMER_API roformer_status roformer_tag(roformer_session* session, const char* text,
                                          const roformer_run_options* options,
                                          size_t** label_indices, float** scores, int32_t** ranges,
                                          size_t* word_count);

/* Question answering on one (question, context) pair, both UTF-8; an empty or blank question is
 * ROFORMER_BAD_INPUT. *text gets the answer, a NUL-terminated string allocated by the library
 * (free it with roformer_free); *start and *end its range [start, end) in code points of context;
 * *score its probability. */
ROFORMER_API roformer_status roformer_answer(roformer_session* session, const char* question,
                                             const char* context,
                                             const roformer_run_options* options, char** text,
                                             int32_t* start, int32_t* end, float* score);

/* One sequence of token ids through the model (type ids and mask may be NULL: all 0 / all 1).
 * attention_mask holds 1 for a real token and 0 for padding; any other value, like an id out of
 * range, is ROFORMER_BAD_INPUT naming the position. A length over ROFORMER_MOST_TOKENS is
 * ROFORMER_BAD_INPUT too, refused before the arrays are read. A length past the positions the model
 * was trained on runs, with one warning to the log callback.
 * *values is allocated by the library (free it with roformer_free) and holds the head's output:
 * logits [labels] or [length, labels], prediction scores [length, vocab], or start then end logits
 * [2, length]; for a model without a head, the last hidden state [length, hidden]. *count gets the
 * number of floats. */
ROFORMER_API roformer_status roformer_run_ids(roformer_session* session, const int32_t* input_ids,
                                              const int32_t* token_type_ids,
                                              const uint8_t* attention_mask, size_t length,
                                              float** values, size_t* count);

/* Frees a buffer the library allocated. Accepts NULL. */
ROFORMER_API void roformer_free(void* buffer);

#ifdef __cplusplus
}
#endif

#endif /* ROFORMER_H */
