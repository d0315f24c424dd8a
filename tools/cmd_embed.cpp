// roformer embed: one sentence embedding per text, as JSON lines or a .npy matrix.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/error.hpp"
#include "tools/cli.hpp"
#include "tools/embedding.hpp"

namespace roformer::cli {
namespace {

struct EmbedOptions {
  TextInputOptions input;
  std::string model;
  std::string npy;
  EmbeddingOptions embedding;
};

// NumPy's .npy format, version 1.0: magic, header length, a Python dict literal padded with
// spaces so the data starts at a multiple of 64 bytes, then little-endian float32 rows.
void write_npy(const std::string& path, const std::vector<std::vector<float>>& rows, size_t width) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows.size()) + ", " + std::to_string(width) + "), }";
  const size_t preamble = 10;  // 6 magic + 2 version + 2 header length
  header.append(63 - (preamble + header.size()) % 64, ' ');
  header.push_back('\n');
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    fail(ErrorCode::kIo, "cannot write ", path, ": it is a directory (expected a .npy file path)");
  }
  std::ofstream out(path, std::ios::binary);
  if (!out) fail(ErrorCode::kIo, "cannot write ", path, ": ", std::strerror(errno));
  const uint16_t header_length = static_cast<uint16_t>(header.size());
  const char lengths[2] = {static_cast<char>(header_length & 0xFF),
                           static_cast<char>(header_length >> 8)};
  out.write("\x93NUMPY\x01\x00", 8);
  out.write(lengths, 2);
  out << header;
  for (const auto& row : rows) {
    out.write(reinterpret_cast<const char*>(row.data()),
              static_cast<std::streamsize>(row.size() * sizeof(float)));
  }
  if (!out.flush()) fail(ErrorCode::kIo, "cannot write ", path, ": ", std::strerror(errno));
}

int run_embed(const EmbedOptions& options) {
  const std::string model_path = resolve_model_path(options.model);
  if (!options.npy.empty())
    require_output_not_an_input(options.npy, {model_path, options.input.file});
  auto model = Model::load(model_path);
  if (!options.npy.empty()) {
    // The .npy header states the row count, so the matrix is written once every row is known.
    std::vector<std::vector<float>> rows;
    embed_text_chunks(options.input, model, options.embedding, [&](auto& embeddings) {
      for (auto& embedding : embeddings) rows.push_back(std::move(embedding));
    });
    write_npy(options.npy, rows, static_cast<size_t>(model->config().hidden_size));
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
  command->add_option("--npy", options->npy, "Write the embeddings to this .npy file instead")
      ->check(non_empty_path());
  add_embedding_options(*command, options->embedding);
  return {command, [options] { return run_embed(*options); }};
}

}  // namespace roformer::cli
