// roformer fill-mask: the most probable tokens for each [MASK], from a masked-LM model.
#include <algorithm>
#include <cstdio>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "model/heads/fill_mask.hpp"
#include "tools/cli.hpp"
#include "tools/run_batches.hpp"

namespace roformer::cli {
namespace {

struct FillMaskOptions {
  TextInputOptions input;
  std::string model;
  int top_k = 5;
  int threads = 1;
  int batch_size = 32;
  int max_length = 0;
};

// One line: each [MASK]'s position, offsets and best candidates.
void print_fills(const Tokenizer& tokenizer, const Encoding& encoding,
                 const std::vector<heads::MaskFill>& fills) {
  nlohmann::json masks = nlohmann::json::array();
  for (const auto& fill : fills) {
    nlohmann::json predictions = nlohmann::json::array();
    for (const auto& candidate : fill.candidates) {
      predictions.push_back({{"token", tokenizer.token(candidate.id)},
                             {"id", candidate.id},
                             {"score", candidate.score}});
    }
    const auto [start, end] = encoding.offsets[fill.position];
    masks.push_back(
        {{"position", fill.position}, {"offsets", {start, end}}, {"predictions", predictions}});
  }
  std::puts(json_line({{"masks", masks}}).c_str());
}

// Whether the item's text holds a [MASK] that truncation to max length left out of `kept`: the
// text is tokenized again, whole, only when it was truncated and no [MASK] survived.
bool mask_cut_off(const Tokenizer& tokenizer, const TextItem& item, const Encoding& kept,
                  int32_t mask_id) {
  if (!kept.truncated) return false;
  const auto pair = item.pair ? std::optional<std::string_view>(*item.pair) : std::nullopt;
  const auto ids = tokenizer.encode(item.text, pair, /*max_length=*/0).input_ids;
  return std::find(ids.begin(), ids.end(), mask_id) != ids.end();
}

int run_fill_mask(const FillMaskOptions& options) {
  const std::string path =
      resolve_head_model_path(options.model, "fill-mask", HeadKind::kMaskedLm);
  auto model = Model::load(path);
  require_head(*model, HeadKind::kMaskedLm, "fill-mask");
  const auto mask_id = model->tokenizer().id_of("[MASK]");
  if (!mask_id) fail(ErrorCode::kBadModel, model->path(), ": the vocabulary has no [MASK] token");
  const size_t vocab = model->config().vocab_size;
  const size_t top_k = static_cast<size_t>(options.top_k);
  size_t texts = 0, without_mask = 0, masks_cut_off = 0;
  ChunkedRun run("fill-mask", options.threads, options.batch_size, options.max_length);
  run.run_options.pooler = false;
  run_text_chunks(options.input, model, run,
                  [&](const std::vector<TextItem>& items, const EncodedBatch& encoded,
                      const std::vector<SequenceOutput>& outputs, size_t first) {
                    for (size_t i = 0; i < items.size(); ++i) {
                      require_finite(outputs[i].prediction_scores, "text", first + i + 1);
                    }
                    for (size_t i = 0; i < items.size(); ++i) {
                      const Encoding& encoding = encoded.encodings[i];
                      auto fills = heads::fill_masks(
                          encoding.input_ids, outputs[i].prediction_scores, vocab, *mask_id, top_k);
                      if (fills.empty()) {
                        const bool cut =
                            mask_cut_off(model->tokenizer(), items[i], encoding, *mask_id);
                        ++(cut ? masks_cut_off : without_mask);
                      }
                      print_fills(model->tokenizer(), encoding, fills);
                    }
                    texts += items.size();
                  });
  if (without_mask > 0) {
    log_at(LogLevel::kWarning, without_mask, " of ", counted(texts, "text"),
           without_mask == 1 ? " holds" : " hold", " no [MASK]");
  }
  if (masks_cut_off > 0) {
    log_at(LogLevel::kWarning, masks_cut_off, " of ", counted(texts, "text"),
           masks_cut_off == 1 ? " holds" : " hold", " [MASK] only past the max length of ",
           effective_max_length(*model, options.max_length),
           " tokens: truncation cut it off (raise --max-length)");
  }
  return 0;
}

}  // namespace

Command add_fill_mask(CLI::App& parent) {
  auto options = std::make_shared<FillMaskOptions>();
  auto* command =
      parent.add_subcommand("fill-mask",
                            "Predict each [MASK] with a masked-LM model; one JSON object per text: "
                            "{masks: [{position, offsets, predictions: [{token, id, score}]}]}");
  add_text_input_options(*command, options->input);
  add_head_model_option(*command, options->model, HeadKind::kMaskedLm);
  command->add_option("-k,--top-k", options->top_k, "Tokens to report per [MASK]")
      ->check(whole_number())
      ->check(CLI::Range(1, 1 << 20))
      ->default_str("5");
  add_run_options(*command, options->threads, options->batch_size, options->max_length);
  return {command, [options] { return run_fill_mask(*options); }};
}

}  // namespace roformer::cli
