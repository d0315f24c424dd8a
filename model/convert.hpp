// Hugging Face checkpoint folder -> one self-contained model file.
#pragma once

#include <string>

#include "model/weights.hpp"

namespace roformer {

struct ConvertOptions {
  std::string tokenizer;             // "" = decide from tokenizer_config.json / vocab; "jieba"; "bert"
  std::string jieba_dictionary_path; // jieba dict.txt; needed when the tokenizer is jieba
  std::string name;                  // general.name; "" = the folder's name
  // Panels: the engine maps its GEMM weights without a copy. Rows: any tool that reads GGUF sees
  // PyTorch's [out, in] matrices; the engine packs them in memory on first use.
  WeightLayout weight_layout = WeightLayout::kPanels16;
};

struct ConvertReport {
  std::string tokenizer_kind;
  std::string head;
  size_t tensor_count = 0;
  size_t vocab_size = 0;
};

// Reads config.json, vocab.txt, tokenizer_config.json (optional) and the weights; checks every
// tensor; writes `output_path` atomically. Throws roformer::Error naming what is wrong.
ConvertReport convert_checkpoint(const std::string& checkpoint_dir, const std::string& output_path,
                                 const ConvertOptions& options);

}  // namespace roformer
