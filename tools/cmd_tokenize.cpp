// roformer tokenize: the model's tokenizer alone; one JSON object per text.
#include <cstdio>

#include "model/model.hpp"
#include "tools/cli.hpp"
#include "tools/encode_batch.hpp"
#include "tools/standard_streams.hpp"
#include "tools/text_reader.hpp"

namespace roformer::cli {
namespace {

struct TokenizeOptions {
  TextInputOptions input;
  std::string model;
  int threads = 1;
  int batch_size = 32;
  int max_length = 0;
};

// One line: the tokens, their ids and type ids, and each token's [start, end) in the text.
void print_tokens(const Encoding& encoding) {
  nlohmann::json offsets = nlohmann::json::array();
  for (const auto& [start, end] : encoding.offsets) {
    offsets.push_back(start < 0 ? nlohmann::json(nullptr) : nlohmann::json::array({start, end}));
  }
  std::puts(json_line({{"tokens", encoding.tokens},
                       {"input_ids", encoding.input_ids},
                       {"token_type_ids", encoding.token_type_ids},
                       {"offsets", offsets}})
                .c_str());
}

int run_tokenize(const TokenizeOptions& options) {
  auto model = Model::load(resolve_model_path(options.model));
  TextReader reader(options.input);
  TextEncoder encoder(*model, options.max_length, options.threads);
  size_t first = 0;
  for (auto items = reader.next(kTextsPerChunk); !items.empty();
       items = reader.next(kTextsPerChunk)) {
    for (const auto& encoding : encoder.encode(items, first).encodings) print_tokens(encoding);
    require_stdout_written();
    first += items.size();
  }
  encoder.finish();
  return 0;
}

}  // namespace

Command add_tokenize(CLI::App& parent) {
  auto options = std::make_shared<TokenizeOptions>();
  auto* command = parent.add_subcommand(
      "tokenize", "Tokenize texts as the model does: tokens, input_ids, token_type_ids, offsets");
  add_text_input_options(*command, options->input);
  add_model_option(*command, options->model, /*required=*/false);
  add_run_options(*command, options->threads, options->batch_size, options->max_length);
  return {command, [options] { return run_tokenize(*options); }};
}

}  // namespace roformer::cli
