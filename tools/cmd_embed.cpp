// roformer embed: one sentence embedding per text, as JSON lines or a .npy matrix.
#include <cstdio>

#include "tools/cli.hpp"
#include "tools/embedding.hpp"
#include "tools/npy_writer.hpp"

namespace roformer::cli {
namespace {

struct EmbedOptions {
  TextInputOptions input;
  std::string model;
  std::string npy;
  EmbeddingOptions embedding;
};

int run_embed(const EmbedOptions& options) {
  const std::string model_path = resolve_model_path(options.model);
  if (!options.npy.empty())
    require_output_not_an_input(options.npy, {model_path, options.input.file});
  auto model = Model::load(model_path);
  if (!options.npy.empty()) {
    NpyWriter npy(options.npy, static_cast<size_t>(model->config().hidden_size));
    embed_text_chunks(options.input, model, options.embedding, [&](auto& embeddings) {
      for (const auto& embedding : embeddings) npy.add(embedding);
    });
    npy.finish();
    return 0;
  }
  embed_text_chunks(options.input, model, options.embedding, [](auto& embeddings) {
    for (const auto& embedding : embeddings) {
      std::puts(json_line({{"embedding", embedding}}).c_str());
    }
  });
  return 0;
}

}  // namespace

Command add_embed(CLI::App& parent) {
  auto options = std::make_shared<EmbedOptions>();
  auto* command = parent.add_subcommand(
      "embed",
      "Sentence embeddings; one JSON object {embedding: [...]} per text, or a "
      "[texts, hidden] float32 matrix with --npy");
  add_text_input_options(*command, options->input);
  add_model_option(*command, options->model, /*required=*/false);
  command
      ->add_option("--npy", options->npy,
                   "Write the embeddings to this .npy file instead ('-' = stdout)")
      ->check(non_empty_path());
  add_embedding_options(*command, options->embedding);
  return {command, [options] { return run_embed(*options); }};
}

}  // namespace roformer::cli
