// roformer embed: one sentence embedding per text, as JSON lines or a .npy matrix.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "engine/error.hpp"
#include "tools/cli.hpp"
#include "tools/embedding.hpp"
#include "tools/standard_streams.hpp"

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
void write_npy_to(std::ostream& out, const std::vector<std::vector<float>>& rows, size_t width) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows.size()) + ", " + std::to_string(width) + "), }";
  const size_t preamble = 10;  // 6 magic + 2 version + 2 header length
  header.append(63 - (preamble + header.size()) % 64, ' ');
  header.push_back('\n');
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
}

// `-` is stdout. A regular file (or a new path) is written beside itself and renamed into place,
// so a failed write never leaves a truncated matrix or destroys the previous one; a device or a
// FIFO is written directly.
void write_npy(const std::string& path, const std::vector<std::vector<float>>& rows, size_t width) {
  if (path == "-") {
    write_npy_to(std::cout, rows, width);
    std::cout.flush();
    require_stdout_written();
    return;
  }
  namespace fs = std::filesystem;
  std::error_code error;
  const auto status = fs::status(path, error);
  if (fs::is_directory(status)) {
    fail(ErrorCode::kIo, "cannot write ", path, ": it is a directory (expected a .npy file path)");
  }
  const bool replace = !fs::exists(status) || fs::is_regular_file(status);
  const std::string target = replace ? path + ".tmp" + std::to_string(::getpid()) : path;
  std::ofstream out(target, std::ios::binary);
  if (!out) fail(ErrorCode::kIo, "cannot write ", target, ": ", std::strerror(errno));
  write_npy_to(out, rows, width);
  out.close();
  if (!out) {
    const int write_errno = errno;
    if (replace) fs::remove(target, error);
    fail(ErrorCode::kIo, "cannot write ", path, ": ", std::strerror(write_errno));
  }
  if (replace && std::rename(target.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    fs::remove(target, error);
    fail(ErrorCode::kIo, "cannot rename ", target, " to ", path, ": ", std::strerror(rename_errno));
  }
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
  command
      ->add_option("--npy", options->npy,
                   "Write the embeddings to this .npy file instead ('-' = stdout)")
      ->check(non_empty_path());
  add_embedding_options(*command, options->embedding);
  return {command, [options] { return run_embed(*options); }};
}

}  // namespace roformer::cli
