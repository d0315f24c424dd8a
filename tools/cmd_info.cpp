// roformer info: what a model file holds.
#include <cstdio>

#include "engine/error.hpp"
#include "model/model.hpp"
#include "tools/cli.hpp"

namespace roformer::cli {
namespace {

struct InfoOptions {
  std::string model;         // the MODEL argument
  std::string model_option;  // --model, as every other subcommand takes it
  bool json = false;
};

int run_info(const InfoOptions& options) {
  if (!options.model.empty() && !options.model_option.empty()) {
    fail(ErrorCode::kInvalidArgument, "give the model as an argument or --model, not both (got ",
         options.model, " and --model ", options.model_option, ")");
  }
  const std::string given = options.model.empty() ? options.model_option : options.model;
  auto model = Model::load(resolve_model_path(given));
  const ModelConfig& c = model->config();
  nlohmann::json info = {
      {"path", model->path()},
      {"name", c.name},
      {"head", head_kind_name(c.head)},
      {"labels", c.labels},
      {"vocab_size", c.vocab_size},
      {"hidden_size", c.hidden_size},
      {"embedding_size", c.embedding_size},
      {"num_hidden_layers", c.num_layers},
      {"num_attention_heads", c.num_heads},
      {"intermediate_size", c.intermediate_size},
      {"max_position_embeddings", c.max_position_embeddings},
      {"model_max_length", c.model_max_length},
      {"type_vocab_size", c.type_vocab_size},
      {"hidden_act", c.hidden_act},
      {"layer_norm_eps", c.layer_norm_eps},
      {"norm_type", norm_type_name(c.norm_type)},
      {"use_bias", c.use_bias},
      {"rotary_value", c.rotary_value},
      {"pooler", c.has_pooler},
      {"tokenizer", model->tokenizer_kind() == TokenizerKind::kJieba ? "jieba" : "bert"},
      {"do_lower_case", model->tokenizer().options().do_lower_case},
      {"tensor_count", model->tensor_count()},
      {"weight_layout", weight_layout_name(model->weights().layout)},
  };
  if (c.has_pooler) info["pooler_activation"] = c.pooler_activation;
  if (options.json) {
    std::puts(json_line(info).c_str());
    return 0;
  }
  for (const auto& [key, value] : info.items()) {
    std::string text = value.is_string() ? value.get<std::string>() : json_line(value);
    std::printf("%-24s %s\n", key.c_str(), text.c_str());
  }
  return 0;
}

}  // namespace

Command add_info(CLI::App& parent) {
  auto options = std::make_shared<InfoOptions>();
  auto* command = parent.add_subcommand(
      "info", "Print a model file's config, vocabulary size, tokenizer, labels and tensor count");
  command
      ->add_option("model", options->model, "Model file (or --model; default: the shipped model)")
      ->check(non_empty_path());
  add_model_option(*command, options->model_option, /*required=*/false);
  command->add_flag("--json", options->json, "Print one JSON object");
  return {command, [options] { return run_info(*options); }};
}

}  // namespace roformer::cli
