// roformer infer: token ids in (the fixtures' inputs.json format), every output tensor out as
// safetensors named <request>.<output>. The conformance path: keep its interface stable.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "model/checkpoint/checkpoint.hpp"
#include "model/executor.hpp"
#include "tools/cli.hpp"
#include "tools/run_batches.hpp"

namespace roformer::cli {
namespace {

struct InferOptions {
  std::string model;
  std::string inputs;
  std::string output;
  int threads = 1;
};

struct Request {
  std::string name;
  size_t batch = 0, length = 0;
  std::vector<SequenceInput> rows;
};

// ids: [batch][seq] integers, every row `length` long.
std::vector<std::vector<int32_t>> read_id_rows(const nlohmann::json& request, const char* field,
                                               const std::string& name) {
  if (!request.contains(field)) return {};
  const auto& rows = request[field];
  if (!rows.is_array()) fail(ErrorCode::kBadInput, "request ", name, ": ", field, " must be a 2-D list");
  std::vector<std::vector<int32_t>> out;
  for (const auto& row : rows) {
    if (!row.is_array()) fail(ErrorCode::kBadInput, "request ", name, ": ", field, " must be a 2-D list");
    std::vector<int32_t> ids;
    for (const auto& id : row) {
      if (!id.is_number_integer()) {
        fail(ErrorCode::kBadInput, "request ", name, ": ", field, " holds ", id.dump(),
             ", expected integers");
      }
      // An unsigned value above INT64_MAX would wrap to a negative int64_t: compared unsigned.
      const bool in_range = id.is_number_unsigned()
                                ? id.get<uint64_t>() <= uint64_t{INT32_MAX}
                                : id.get<int64_t>() >= INT32_MIN && id.get<int64_t>() <= INT32_MAX;
      if (!in_range) {
        fail(ErrorCode::kBadInput, "request ", name, ": ", field, " holds ", id.dump(),
             ", which is out of range (expected an integer from ", INT32_MIN, " to ", INT32_MAX,
             ")");
      }
      ids.push_back(id.get<int32_t>());
    }
    out.push_back(std::move(ids));
  }
  return out;
}

// attention_mask holds 1 for a real token and 0 for padding; anything else has no meaning.
void require_mask_bits(const std::vector<int32_t>& mask, const std::string& name, size_t row) {
  for (size_t position = 0; position < mask.size(); ++position) {
    if (mask[position] != 0 && mask[position] != 1) {
      fail(ErrorCode::kBadInput, "request ", name, ": attention_mask row ", row, " position ",
           position, " is ", mask[position], ", expected 0 or 1");
    }
  }
}

std::vector<Request> read_requests(const std::string& path) {
  std::ifstream in = open_input_file(path);
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // a syntax error or a number overflow
    fail(ErrorCode::kBadInput, path, ": invalid JSON (", json_error_text(e), ")");
  }
  if (!document.is_array() || document.empty()) {
    fail(ErrorCode::kBadInput, path, ": expected a non-empty list of requests");
  }
  std::vector<Request> requests;
  std::map<std::string, size_t> number_of_name;  // counted from 1, as a reader counts
  for (const auto& item : document) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
      fail(ErrorCode::kBadInput, path, ": every request needs a string \"name\"");
    }
    Request request;
    request.name = item["name"].get<std::string>();
    // The name starts every output tensor's name (<request>.<output>).
    const bool printable = std::none_of(request.name.begin(), request.name.end(), [](char ch) {
      return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
    });
    if (request.name.empty() || !printable) {
      fail(ErrorCode::kBadInput, path, ": request ", requests.size() + 1, " has the name \"",
           request.name, "\"; expected a non-empty name without control characters");
    }
    const auto [earlier, is_new] = number_of_name.emplace(request.name, requests.size() + 1);
    if (!is_new) {
      // Outputs are named <request>.<output>: a second request of the name would replace them.
      fail(ErrorCode::kBadInput, path, ": requests ", earlier->second, " and ", requests.size() + 1,
           " are both named \"", request.name, "\"; names must be unique");
    }
    auto ids = read_id_rows(item, "input_ids", request.name);
    auto mask = read_id_rows(item, "attention_mask", request.name);
    auto types = read_id_rows(item, "token_type_ids", request.name);
    if (ids.empty() || ids[0].empty()) {
      fail(ErrorCode::kBadInput, "request ", request.name, ": input_ids is empty");
    }
    request.batch = ids.size();
    request.length = ids[0].size();
    for (size_t b = 0; b < ids.size(); ++b) {
      auto check = [&](const std::vector<std::vector<int32_t>>& rows, const char* field) {
        if (rows.empty()) return;
        if (rows.size() != request.batch) {
          fail(ErrorCode::kBadInput, "request ", request.name, ": ", field, " has ", rows.size(),
               " rows, expected ", request.batch, " as input_ids has");
        }
        if (rows[b].size() != request.length) {
          fail(ErrorCode::kBadInput, "request ", request.name, ": ", field, " row ", b, " has ",
               rows[b].size(), " entries, expected ", request.length,
               " (every row as long as row 0 of input_ids)");
        }
      };
      check(ids, "input_ids");
      check(mask, "attention_mask");
      check(types, "token_type_ids");
      SequenceInput row;
      row.input_ids = ids[b];
      if (!types.empty()) row.token_type_ids = types[b];
      if (!mask.empty()) {
        require_mask_bits(mask[b], request.name, b);
        row.attention_mask.assign(mask[b].begin(), mask[b].end());
      }
      request.rows.push_back(std::move(row));
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

void put(checkpoint::TensorMap& out, const std::string& name, std::vector<int64_t> shape,
         const std::vector<SequenceOutput>& rows, std::vector<float> SequenceOutput::*field) {
  checkpoint::TensorData tensor;
  tensor.shape = std::move(shape);
  for (const auto& row : rows) {
    tensor.values.insert(tensor.values.end(), (row.*field).begin(), (row.*field).end());
  }
  out[name] = std::move(tensor);
}

int run_infer(const InferOptions& options) {
  const std::string model_path = resolve_model_path(options.model);
  require_output_not_an_input(options.output, {model_path, options.inputs});
  auto model = Model::load(model_path);
  const ModelConfig& c = model->config();
  auto requests = read_requests(options.inputs);
  Session session(model);
  RunOptions run_options;
  run_options.threads = options.threads;
  run_options.last_hidden_state = true;

  log_run_setup("infer", options.threads);
  checkpoint::TensorMap out;
  for (const auto& request : requests) {
    log_at(LogLevel::kInfo, "infer: request ", request.name, ": ", request.batch, " x ",
           counted(request.length, "token"));
    std::vector<SequenceOutput> rows;
    try {
      rows = session.run(request.rows, run_options);
    } catch (const Error& e) {  // the executor names the row ("sequence") and position
      fail(e.code(), "request ", request.name, ": ", e.what());
    }
    const int64_t B = request.batch, S = request.length;
    const std::string prefix = request.name + ".";
    put(out, prefix + "last_hidden_state", {B, S, c.hidden_size}, rows,
        &SequenceOutput::last_hidden_state);
    if (c.has_pooler) put(out, prefix + "pooler_output", {B, c.hidden_size}, rows, &SequenceOutput::pooler_output);
    const int64_t labels = static_cast<int64_t>(c.labels.size());
    switch (c.head) {
      case HeadKind::kNone: break;
      case HeadKind::kSequenceClassification:
        put(out, prefix + "logits", {B, labels}, rows, &SequenceOutput::logits);
        break;
      case HeadKind::kTokenClassification:
        put(out, prefix + "logits", {B, S, labels}, rows, &SequenceOutput::logits);
        break;
      case HeadKind::kMaskedLm:
        put(out, prefix + "prediction_scores", {B, S, c.vocab_size}, rows,
            &SequenceOutput::prediction_scores);
        break;
      case HeadKind::kQuestionAnswering:
        put(out, prefix + "start_logits", {B, S}, rows, &SequenceOutput::start_logits);
        put(out, prefix + "end_logits", {B, S}, rows, &SequenceOutput::end_logits);
        break;
    }
  }
  checkpoint::write_safetensors(options.output, out);
  return 0;
}

}  // namespace

Command add_infer(CLI::App& parent) {
  auto options = std::make_shared<InferOptions>();
  auto* command = parent.add_subcommand(
      "infer", "Run requests given as token ids (inputs.json) and write every output tensor to a "
               "safetensors file named <request>.<output>");
  add_model_option(*command, options->model, /*required=*/true);
  command->add_option("-i,--inputs", options->inputs, "Requests: a JSON list of {name, input_ids, "
                      "attention_mask, token_type_ids}, id fields [batch][seq]")->required()->check(non_empty_path());
  command->add_option("-o,--out", options->output, "Output .safetensors file")
      ->required()
      ->check(non_empty_path());
  command->add_option("-t,--threads", options->threads, "Threads")
      ->check(whole_number())
      ->check(CLI::Range(1, 1024));
  return {command, [options] { return run_infer(*options); }};
}

}  // namespace roformer::cli
