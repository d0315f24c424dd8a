// The tokenizer alone (jieba or BERT basic, WordPiece, ids) over the 1,000 test reviews with the
// shipped model's vocabulary and dictionary, on one thread, with the rate counter "bytes" (bytes of
// UTF-8 text per second). Build with -DROFORMER_BUILD_BENCHMARKS=ON; run from anywhere:
// build/tools/bench_tokenizer [--benchmark_filter=...].
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.hpp"

namespace {

std::vector<std::string> review_texts() {
  std::ifstream in(ROFORMER_SOURCE_DIR "/tests/data/chnsenti/test.jsonl");
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  }
  return texts;
}

void BM_TokenizeReviews(benchmark::State& state) {
  const auto model = roformer::Model::load(ROFORMER_SOURCE_DIR "/models/roformer-chnsenti-small.gguf");
  const std::vector<std::string> texts = review_texts();
  size_t bytes = 0, tokens = 0;
  for (const std::string& text : texts) bytes += text.size();
  for (auto _ : state) {
    for (const std::string& text : texts) {
      tokens += model->tokenizer().encode(text).input_ids.size();
    }
  }
  benchmark::DoNotOptimize(tokens);
  state.counters["bytes"] =
      benchmark::Counter(double(bytes) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["texts"] =
      benchmark::Counter(double(texts.size()) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TokenizeReviews)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
