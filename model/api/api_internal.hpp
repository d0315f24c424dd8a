// What the public handles hold, and the text-to-batches plumbing every job shares.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/include/roformer/roformer.hpp"
#include "model/executor.hpp"

namespace roformer::api {

struct Model::Impl {
  std::shared_ptr<const roformer::Model> model;
  ModelInfo info;
};

struct Session::Impl {
  std::shared_ptr<const Model> owner;
  std::shared_ptr<const roformer::Model> model;
  roformer::Session session;
};

// A text, or a text pair, on its way to the model.
struct TextInput {
  const std::string* text = nullptr;
  const std::string* pair = nullptr;  // null for a single text
};

// Throws kInvalidArgument naming the field when an option is out of range. options is how the
// caller spells the struct before a field: "RunOptions::" in C++, "roformer_run_options." in C.
void validate(const RunOptions& run, const char* options = "RunOptions::");

// Tokenizes every input to the run's max_length, truncating or refusing (kBadInput, naming the
// text, its length and the limit) as the options say.
std::vector<Encoding> encode_inputs(const roformer::Model& model, const std::vector<TextInput>& inputs,
                                    const RunOptions& run);

// Runs the encodings through the session in length-sorted batches of run.batch_size; outputs in
// input order.
std::vector<SequenceOutput> run_encodings(roformer::Session& session,
                                          const std::vector<Encoding>& encodings,
                                          const RunOptions& run, const roformer::RunOptions& what);

// Throws kBadModel when the model's head is not `expected`, naming both and the call.
void require_head(const roformer::Model& model, HeadKind expected, const char* call);

// Throws kBadInput when a question is empty or only whitespace, naming it (`name`, "question 2")
// and the call: a blank question would get, silently, whatever span the head scores highest.
void require_question(const std::string& question, const std::string& name, const char* call);

Tokens to_tokens(Encoding encoding);

}  // namespace roformer::api
