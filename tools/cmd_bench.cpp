// roformer bench: forward-pass latency over random ids (tokenization excluded), median of repeated
// runs, with tokens/s and the fraction of this machine's measured sgemm throughput.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <random>
#include <thread>

#include "engine/error.hpp"
#include "engine/include/roformer/roformer.h"
#include "engine/log.hpp"
#include "engine/threads.hpp"
#include "kernels/gemm.hpp"
#include "model/executor.hpp"
#include "tools/cli.hpp"
#include "tools/run_batches.hpp"
#include "tools/standard_streams.hpp"

namespace roformer::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  std::string model;
  int batch = 0;
  int seq = 0;
  int threads = 0;  // 0: the standard table at 1 and all threads
  int runs = 10;
  double max_seconds = 20.0;
  bool json = false;
};

struct Shape {
  int batch, seq;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// The machine's single-thread ceiling: y[512, 768] = x[512, 768] w[768, 768]^T through the same
// BLAS the executor uses, best of several repetitions.
double measure_sgemm_gflops() {
  constexpr size_t m = 512, n = 768, k = 768;
  std::vector<float> x(m * k, 0.5f), w(n * k, 0.25f), y(m * n);
  set_blas_threads(1);
  kernels::linear(x.data(), w.data(), nullptr, y.data(), m, n, k);
  double best = 1e30;
  for (int rep = 0; rep < 10; ++rep) {
    auto start = Clock::now();
    kernels::linear(x.data(), w.data(), nullptr, y.data(), m, n, k);
    best = std::min(best, seconds_since(start));
  }
  return 2.0 * m * n * k / best * 1e-9;
}

// Multiply-adds of one forward pass through the encoder (the head is negligible), times two.
double forward_flops(const ModelConfig& c, const Shape& shape) {
  const double tokens = double(shape.batch) * shape.seq, h = c.hidden_size;
  const double per_token_layer = 2.0 * (3 * h * h + h * h + 2 * h * c.intermediate_size);
  const double attention_per_seq_layer = 2.0 * 2.0 * double(shape.seq) * shape.seq * h;
  double flops = c.num_layers * (tokens * per_token_layer + shape.batch * attention_per_seq_layer);
  if (c.projects_embeddings()) flops += 2.0 * tokens * c.embedding_size * h;
  return flops;
}

struct Result {
  Shape shape;
  int threads;
  int runs;
  double median_ms, min_ms;
};

Result time_shape(const std::shared_ptr<const Model>& model, const Shape& shape, int threads,
                  int runs, double max_seconds) {
  const ModelConfig& c = model->config();
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> id(0, c.vocab_size - 1);
  std::vector<SequenceInput> batch(shape.batch);
  for (auto& sequence : batch) {
    sequence.input_ids.resize(shape.seq);
    for (auto& token : sequence.input_ids) token = id(rng);
  }
  Session session(model);
  RunOptions options;
  options.threads = threads;
  // The whole encoder, every token through every layer, as ONNX Runtime's graph computes it
  // (for a classifier the executor would otherwise run the last layer for position 0 only).
  options.last_hidden_state = true;
  session.run(batch, options);  // warm-up: plans the arena, faults in the weights

  std::vector<double> times_ms;
  auto started = Clock::now();
  for (int run = 0; run < runs; ++run) {
    auto start = Clock::now();
    session.run(batch, options);
    times_ms.push_back(seconds_since(start) * 1e3);
    if (run >= 2 && seconds_since(started) > max_seconds) break;
  }
  return {shape, threads, int(times_ms.size()), median(times_ms),
          *std::min_element(times_ms.begin(), times_ms.end())};
}

nlohmann::json to_json(const Result& r, const ModelConfig& c, double sgemm_gflops) {
  const double flops = forward_flops(c, r.shape);
  const double gflops = flops / (r.median_ms * 1e-3) * 1e-9;
  return {{"batch", r.shape.batch},
          {"seq", r.shape.seq},
          {"threads", r.threads},
          {"runs", r.runs},
          {"median_ms", r.median_ms},
          {"min_ms", r.min_ms},
          {"tokens_per_s", r.shape.batch * r.shape.seq / (r.median_ms * 1e-3)},
          {"gflops", gflops},
          {"sgemm_gflops_1t", sgemm_gflops},
          {"sgemm_fraction", gflops / (sgemm_gflops * r.threads)}};
}

// --batch with --seq, and no more tokens in one pass than ROFORMER_MOST_TOKENS, which bounds a
// sequence for the same reason: a pass holds about 11 x hidden floats per token, so 2^20 tokens
// already take tens of GB. Checked before the model loads.
void check_shape_options(const BenchOptions& options) {
  if ((options.batch > 0) != (options.seq > 0)) {
    fail(ErrorCode::kInvalidArgument, "--batch and --seq go together; got only ",
         options.batch > 0 ? "--batch" : "--seq");
  }
  const uint64_t tokens = uint64_t(options.batch) * uint64_t(options.seq);
  if (tokens > ROFORMER_MOST_TOKENS) {
    fail(ErrorCode::kInvalidArgument, "--batch ", options.batch, " x --seq ", options.seq, " is ",
         tokens, " tokens in one pass, over the limit of ", ROFORMER_MOST_TOKENS, " tokens");
  }
}

int run_bench(const BenchOptions& options) {
  check_shape_options(options);
  auto model = Model::load(resolve_model_path(options.model));
  const ModelConfig& c = model->config();
  const int all_threads = std::max(1, int(std::thread::hardware_concurrency()));
  std::vector<Shape> shapes = {{1, 16}, {1, 128}, {1, 512}, {32, 128}};
  if (options.batch > 0) shapes = {{options.batch, options.seq}};
  std::vector<int> thread_counts = {1, all_threads};
  if (options.threads > 0) thread_counts = {options.threads};
  if (thread_counts.size() == 2 && all_threads == 1) thread_counts.pop_back();
  for (const Shape& shape : shapes) {
    if (shape.seq > c.max_position_embeddings) {
      log_at(LogLevel::kWarning, "--seq ", shape.seq, " exceeds the ", c.max_position_embeddings,
             " positions the model was trained on");
    }
  }

  const double sgemm_gflops = measure_sgemm_gflops();
  if (!options.json) {
    std::printf("model %s: %d layers, hidden %d, %d heads, FFN %d\n", model->path().c_str(),
                c.num_layers, c.hidden_size, c.num_heads, c.intermediate_size);
    std::printf("single-thread sgemm (512x768x768): %.1f GFLOP/s\n\n", sgemm_gflops);
    std::printf("%-8s %7s %5s %11s %11s %12s %9s %9s\n", "shape", "threads", "runs", "median ms",
                "min ms", "tokens/s", "GFLOP/s", "of sgemm");
  }
  for (int threads : thread_counts) {
    log_run_setup("bench", threads);
    for (const Shape& shape : shapes) {
      Result r = time_shape(model, shape, threads, options.runs, options.max_seconds);
      nlohmann::json row = to_json(r, c, sgemm_gflops);
      if (options.json) {
        std::puts(json_line(row).c_str());
        continue;
      }
      std::string name = std::to_string(shape.batch) + "x" + std::to_string(shape.seq);
      std::printf("%-8s %7d %5d %11.2f %11.2f %12.0f %9.1f %8.0f%%\n", name.c_str(), threads,
                  r.runs, r.median_ms, r.min_ms, row["tokens_per_s"].get<double>(),
                  row["gflops"].get<double>(), 100.0 * row["sgemm_fraction"].get<double>());
      require_stdout_written();
    }
  }
  return 0;
}

// CLI::PositiveNumber accepts "nan" and prints its range as 0 to DBL_MAX in full.
CLI::Validator positive_seconds() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        char* end = nullptr;
        const double seconds = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || !std::isfinite(seconds) || seconds <= 0) {
          return "expected a positive number of seconds, got \"" + value + "\"";
        }
        return "";
      },
      "SECONDS > 0");
}

}  // namespace

Command add_bench(CLI::App& parent) {
  auto options = std::make_shared<BenchOptions>();
  auto* command = parent.add_subcommand(
      "bench", "Time forward passes over random ids: median latency, tokens/s, share of sgemm");
  add_model_option(*command, options->model, /*required=*/false);
  command->add_option("--batch", options->batch, "Sequences per pass (with --seq; default: the "
                      "standard shapes 1x16, 1x128, 1x512, 32x128)")
      ->check(whole_number())->check(CLI::Range(1, 65536));
  command->add_option("--seq", options->seq, "Tokens per sequence")
      ->check(whole_number())
      ->check(CLI::Range(1, 1 << 20));
  command->add_option("-t,--threads", options->threads,
                      "Threads (default: 1 and then all hardware threads)")
      ->check(whole_number())->check(CLI::Range(1, 1024));
  command->add_option("--runs", options->runs, "Timed passes per shape after one warm-up")
      ->check(whole_number())->check(CLI::Range(1, 100000))
      ->default_str("10");
  command->add_option("--max-seconds", options->max_seconds,
                      "Stop a shape early (after 3 runs at least) once this much time is spent")
      ->check(positive_seconds())
      ->default_str("20");
  command->add_flag("--json", options->json, "One JSON object per shape and thread count");
  return {command, [options] { return run_bench(*options); }};
}

}  // namespace roformer::cli
