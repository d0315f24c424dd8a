#include "tools/encode_batch.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "engine/threads.hpp"
#include "model/tokenizer/utf8.hpp"

namespace roformer::cli {

void add_run_options(CLI::App& command, int& threads, int& batch_size, int& max_length) {
  command.add_option("-t,--threads", threads, "Threads for tokenization and inference")
      ->check(whole_number())
      ->check(CLI::Range(1, 1024))
      ->default_str("1");
  command.add_option("--batch-size", batch_size, "Texts per forward pass")
      ->check(whole_number())
      ->check(CLI::Range(1, 65536))
      ->default_str("32");
  command
      .add_option("--max-length", max_length,
                  "Truncate to this many tokens, [CLS]/[SEP] included (default: the trained "
                  "max_position_embeddings, or the tokenizer's model_max_length when shorter)")
      ->check(whole_number())
      ->check(CLI::Range(2, 1 << 20));
}

size_t effective_max_length(const Model& model, int requested) {
  const ModelConfig& config = model.config();
  if (requested <= 0) return static_cast<size_t>(std::max(config.default_max_length(), 2));
  if (requested > config.max_position_embeddings) {
    log_at(LogLevel::kWarning, "--max-length ", requested, " exceeds the ",
           config.max_position_embeddings, " positions the model was trained on");
  }
  return static_cast<size_t>(requested);
}

std::pair<const char*, int> default_length_source(const ModelConfig& config) {
  if (config.model_max_length > 0 && config.model_max_length <= config.max_position_embeddings) {
    return {"model_max_length", config.model_max_length};
  }
  return {"max_position_embeddings", config.max_position_embeddings};
}

TextEncoder::TextEncoder(const Model& model, int max_length, int threads)
    : model_(model),
      limit_(effective_max_length(model, max_length)),
      limit_from_model_(max_length <= 0),
      threads_(threads) {}

EncodedBatch TextEncoder::encode(const std::vector<TextItem>& items, size_t first) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].pair || limit_ >= 3) continue;
    const std::string no_room = " leaves no room for the text pair of " +
                                input_label(items[i], first + i + 1) +
                                ": a pair needs at least 3 tokens ([CLS], [SEP], [SEP])";
    if (!limit_from_model_) fail(ErrorCode::kInvalidArgument, "--max-length ", limit_, no_room);
    // No option to blame: the limit is the model's (roformer convert now refuses one below 3).
    const auto [field, value] = default_length_source(model_.config());
    fail(ErrorCode::kBadModel, model_.path(), " has a ", field, " of ", value, ", which", no_room,
         "; pass --max-length 3 or more");
  }
  EncodedBatch out;
  out.encodings.resize(items.size());
  out.sequences.resize(items.size());
  parallel_chunks(items.size(), threads_, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const auto& item = items[i];
      Encoding encoding = item.pair ? model_.tokenizer().encode(item.text, *item.pair, limit_)
                                    : model_.tokenizer().encode(item.text, std::nullopt, limit_);
      out.sequences[i].input_ids = encoding.input_ids;
      out.sequences[i].token_type_ids = encoding.token_type_ids;
      out.encodings[i] = std::move(encoding);
    }
  });
  for (const auto& encoding : out.encodings) out.truncated += encoding.truncated ? 1 : 0;
  for (const auto& item : items) {
    const bool valid =
        tok::is_valid_utf8(item.text) && (!item.pair || tok::is_valid_utf8(*item.pair));
    invalid_utf8_ += valid ? 0 : 1;
  }
  texts_ += items.size();
  truncated_ += out.truncated;
  return out;
}

void TextEncoder::finish() const {
  if (invalid_utf8_ > 0) {
    // The tokenizer turns each ill-formed sequence into U+FFFD, which BERT's cleanup drops.
    log_at(LogLevel::kWarning, invalid_utf8_, " of ", counted(texts_, "text"),
           invalid_utf8_ == 1 ? " holds" : " hold",
           " invalid UTF-8; each bad byte sequence was replaced by U+FFFD and dropped");
  }
  if (truncated_ > 0) {
    log_at(LogLevel::kWarning, truncated_, " of ", counted(texts_, "text"), " ",
           was_or_were(truncated_), " longer than ", limit_, " tokens and ", was_or_were(truncated_),
           " truncated (--max-length to change)");
  }
}

EncodedBatch encode_texts(const Model& model, const std::vector<TextItem>& items, int max_length,
                          int threads) {
  TextEncoder encoder(model, max_length, threads);
  EncodedBatch encoded = encoder.encode(items, 0);
  encoder.finish();
  return encoded;
}

std::vector<std::vector<size_t>> length_sorted_batches(const EncodedBatch& encoded,
                                                       int batch_size) {
  std::vector<size_t> order(encoded.sequences.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return encoded.sequences[a].input_ids.size() > encoded.sequences[b].input_ids.size();
  });
  std::vector<std::vector<size_t>> batches;
  const size_t size = static_cast<size_t>(std::max(batch_size, 1));
  for (size_t begin = 0; begin < order.size(); begin += size) {
    batches.emplace_back(order.begin() + begin,
                         order.begin() + std::min(order.size(), begin + size));
  }
  return batches;
}

}  // namespace roformer::cli
