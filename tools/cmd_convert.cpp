// roformer convert: a Hugging Face checkpoint folder -> one model file.
#include <chrono>
#include <cstdio>

#include "model/convert.hpp"
#include "tools/cli.hpp"

namespace roformer::cli {
namespace {

struct ConvertCommandOptions {
  std::string checkpoint_dir;
  std::string output;
  std::string weight_layout = "panels16";
  ConvertOptions convert;
};

int run_convert(ConvertCommandOptions options) {
  if (options.convert.jieba_dictionary_path.empty()) {
    options.convert.jieba_dictionary_path = default_jieba_dictionary();
  }
  options.convert.weight_layout = parse_weight_layout(options.weight_layout);
  auto start = std::chrono::steady_clock::now();
  auto report = convert_checkpoint(options.checkpoint_dir, options.output, options.convert);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "wrote %s: %s head, %zu tensors (weights in %s), vocabulary %zu, tokenizer %s (%.1f s)\n",
      options.output.c_str(), report.head.c_str(), report.tensor_count,
      options.weight_layout.c_str(), report.vocab_size, report.tokenizer_kind.c_str(), seconds);
  return 0;
}

}  // namespace

Command add_convert(CLI::App& parent) {
  auto options = std::make_shared<ConvertCommandOptions>();
  auto* command = parent.add_subcommand(
      "convert", "Convert a Hugging Face RoFormer checkpoint folder (config.json, vocab.txt, "
                 "model.safetensors or pytorch_model.bin) into one model file");
  command->add_option("checkpoint", options->checkpoint_dir, "Checkpoint folder")
      ->required()
      ->check(non_empty_path());
  command->add_option("-o,--output", options->output, "Model file to write (.gguf)")
      ->required()
      ->check(non_empty_path());
  command->add_option("--tokenizer", options->convert.tokenizer,
                      "Override the tokenizer: jieba (word-level Chinese) or bert")
      ->check(CLI::IsMember({"jieba", "bert"}));
  command->add_option("--jieba-dict", options->convert.jieba_dictionary_path,
                      "jieba dictionary (dict.txt); default: the copy shipped with roformer");
  command->add_option("--name", options->convert.name, "Model name stored in the file "
                      "(default: the folder's name)");
  command
      ->add_option("--weight-layout", options->weight_layout,
                   "How to store the linear layers' weights: panels16, the engine's GEMM layout, "
                   "mapped without a copy; or rows, PyTorch's [out, in], which other GGUF tools "
                   "can read and the engine repacks in memory when it loads them")
      ->capture_default_str()
      ->check(CLI::IsMember({"panels16", "rows"}));
  return {command, [options] { return run_convert(*options); }};
}

}  // namespace roformer::cli
