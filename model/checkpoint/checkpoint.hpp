// Reading Hugging Face checkpoints: model.safetensors, pytorch_model.bin (a zip of pickles, read
// with a restricted unpickler that never runs code), and sharded checkpoints with an index.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace roformer::checkpoint {

struct TensorData {
  std::vector<int64_t> shape;  // as PyTorch reports it, outermost first
  std::vector<float> values;   // row-major, converted to float32 (from F32, F16 or BF16)
};

using TensorMap = std::map<std::string, TensorData>;

TensorMap read_safetensors(const std::string& path);

// Writes every tensor as F32 in the layout of the fixtures and of Python's safetensors: names in
// sorted (byte) order, data contiguous in that order, header `__metadata__` = {"format":"pt"},
// header padded with spaces to a multiple of 8 bytes. Written to a temporary file beside `path`,
// then renamed over it, so a reader never sees half a file. Throws kInvalidArgument when a
// tensor's values do not match its shape, kIo when the file cannot be written.
void write_safetensors(const std::string& path, const TensorMap& tensors);

TensorMap read_torch_bin(const std::string& path);

// A checkpoint folder: model.safetensors, model.safetensors.index.json, pytorch_model.bin or
// pytorch_model.bin.index.json, in that order of preference.
TensorMap read_checkpoint_dir(const std::string& dir);

}  // namespace roformer::checkpoint
