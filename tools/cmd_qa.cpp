// roformer qa: extractive question answering; the best answer span within the context.
#include <unistd.h>

#include <cstdio>
#include <utility>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "model/heads/answer_span.hpp"
#include "model/heads/text_span.hpp"
#include "tools/cli.hpp"
#include "tools/run_batches.hpp"

namespace roformer::cli {
namespace {

struct QaOptions {
  std::string question;
  std::string context;
  bool question_given = false;  // --question appeared, possibly empty
  bool context_given = false;   // --context appeared, possibly empty
  TextInputOptions input;
  std::string model;
  int max_answer_length = 30;
  int threads = 1;
  int batch_size = 32;
  int max_length = 0;
};

bool is_blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

// {"question", "context"} (or {"text", "text_pair"}, as the other subcommands name a pair) from
// one JSON line's object; an empty or blank one is bad input, as it is in arguments.
std::string question_and_context(const nlohmann::json& object, TextItem& item) {
  const char* expected = "expected an object with string \"question\" and \"context\" fields";
  if (!object.is_object()) return expected;
  const char* question = object.contains("question") ? "question" : "text";
  const char* context = object.contains("context") ? "context" : "text_pair";
  if (!object.contains(question) || !object[question].is_string() || !object.contains(context) ||
      !object[context].is_string()) {
    return expected;
  }
  item.text = object[question].get<std::string>();
  item.pair = object[context].get<std::string>();
  for (const auto& [field, value] : {std::pair{question, &item.text}, {context, &*item.pair}}) {
    if (is_blank(*value)) {
      return std::string("\"") + field + "\" is " + (value->empty() ? "empty" : "blank") +
             "; qa needs a non-empty question and a context to find the answer in";
    }
  }
  return {};
}

// A question typed on the command line; an empty one would answer nothing, silently.
void require_question_and_context(const std::string& question, const std::string& context) {
  if (is_blank(question) || is_blank(context)) {
    fail(ErrorCode::kInvalidArgument, is_blank(question) ? "empty question" : "empty context",
         ": qa needs a non-empty question and a context to find the answer in");
  }
}

// --question/--context, two TEXT arguments (question, context), or JSON lines from arguments
// (--jsonl), --file or stdin.
std::vector<TextItem> read_questions(const QaOptions& options) {
  const TextInputOptions& input = options.input;
  if (options.question_given || options.context_given) {
    if (!input.texts.empty() || !input.file.empty()) {
      fail(ErrorCode::kInvalidArgument, "give --question and --context together, without TEXT "
           "arguments or --file");
    }
    if (!options.context_given) {
      fail(ErrorCode::kInvalidArgument, "missing --context: qa needs a context to find the "
           "answer to --question in");
    }
    if (!options.question_given) {
      fail(ErrorCode::kInvalidArgument, "missing --question: qa needs a question to answer "
           "from --context");
    }
    require_question_and_context(options.question, options.context);
    return {{options.question, options.context}};
  }
  if (!input.texts.empty() && !input.file.empty()) {
    fail(ErrorCode::kInvalidArgument, "give texts as arguments or --file, not both");
  }
  if (!input.texts.empty() && !input.jsonl) {
    if (input.texts.size() != 2) {
      fail(ErrorCode::kInvalidArgument, "qa takes 2 TEXT arguments (question, context), got ",
           input.texts.size(), "; use --question/--context or --jsonl for more");
    }
    require_question_and_context(input.texts[0], input.texts[1]);
    return {{input.texts[0], input.texts[1]}};
  }
  if (input.texts.empty() && input.file.empty() && isatty(STDIN_FILENO)) {
    fail(ErrorCode::kInvalidArgument, "no input: pass --question and --context, or pipe JSON lines "
         "with question and context on stdin");
  }
  // Through the reader every subcommand's JSON lines go through: blank lines, invalid UTF-8 and
  // unpaired surrogate escapes are skipped or replaced with one warning, and errors name the line.
  TextInputOptions json_lines = input;
  json_lines.jsonl = true;  // --file and stdin always hold JSON lines
  return read_text_inputs(json_lines, question_and_context);
}

// [CLS] question [SEP] context [SEP] with one token of each: a shorter max length would leave
// no context to answer from (truncation shortens the longer text first, so 4 can empty it).
constexpr int kLeastQaMaxLength = 5;

// The tail of both refusals below.
std::string no_room_for_qa() {
  return str(" leaves no room for a question and its context: qa needs at least ",
             kLeastQaMaxLength, " tokens ([CLS] question [SEP] context [SEP], one token of each)");
}

// --max-length, when given, is checked before any input is read; else the model's own limit,
// once the model is loaded.
void require_room_for_qa(int max_length, const Model* model) {
  if (max_length != 0 && max_length < kLeastQaMaxLength) {
    fail(ErrorCode::kInvalidArgument, "--max-length ", max_length, no_room_for_qa());
  }
  if (max_length != 0 || model == nullptr) return;
  const auto [field, value] = default_length_source(model->config());
  if (value >= kLeastQaMaxLength) return;
  fail(ErrorCode::kBadModel, model->path(), " has a ", field, " of ", value, ", which",
       no_room_for_qa(), "; pass --max-length ", kLeastQaMaxLength, " or more");
}

int run_qa(const QaOptions& options) {
  require_room_for_qa(options.max_length, nullptr);
  auto items = read_questions(options);
  const std::string path =
      resolve_head_model_path(options.model, "qa", HeadKind::kQuestionAnswering);
  auto model = Model::load(path);
  require_head(*model, HeadKind::kQuestionAnswering, "qa");
  require_room_for_qa(options.max_length, model.get());
  EncodedBatch encoded = encode_texts(*model, items, options.max_length, options.threads);

  Session session(model);
  log_run_setup("qa", options.threads);
  RunOptions run_options;
  run_options.threads = options.threads;
  run_options.pooler = false;
  auto outputs = run_in_batches(session, encoded, options.batch_size, run_options, "qa");
  for (size_t i = 0; i < items.size(); ++i) {
    require_finite(outputs[i].start_logits, "question", i + 1);
    require_finite(outputs[i].end_logits, "question", i + 1);
  }

  for (size_t i = 0; i < items.size(); ++i) {
    auto span = heads::best_answer_span(encoded.encodings[i], outputs[i].start_logits,
                                        outputs[i].end_logits,
                                        static_cast<size_t>(options.max_answer_length));
    if (!span) {
      std::puts(json_line({{"answer", nullptr}, {"start", nullptr}, {"end", nullptr}, {"score", 0.0}})
                    .c_str());
      continue;
    }
    std::puts(json_line({{"answer", heads::code_point_substring(*items[i].pair, span->start, span->end)},
                         {"start", span->start},
                         {"end", span->end},
                         {"score", span->score}})
                  .c_str());
  }
  log_at(LogLevel::kInfo, "qa: ", counted(items.size(), "question"));
  return 0;
}

}  // namespace

Command add_qa(CLI::App& parent) {
  auto options = std::make_shared<QaOptions>();
  auto* command = parent.add_subcommand(
      "qa", "Answer questions from a context with a question-answering model; one JSON object "
            "per question: {answer, start, end, score}, [start, end) in code points of the context");
  auto* question = command->add_option("-q,--question", options->question, "The question");
  auto* context = command->add_option("-c,--context", options->context,
                                      "The text holding the answer");
  command->add_option("text", options->input.texts,
                      "QUESTION CONTEXT, or with --jsonl JSON objects {question, context}");
  command->add_option("-f,--file", options->input.file,
                      "Read JSON lines {question, context} from this file ('-' = stdin)");
  command->add_flag("--jsonl", options->input.jsonl,
                    "TEXT arguments are JSON objects {question, context} (file and stdin input "
                    "always are)");
  add_head_model_option(*command, options->model, HeadKind::kQuestionAnswering);
  command->add_option("--max-answer-length", options->max_answer_length,
                      "Longest answer in tokens")
      ->check(whole_number())->check(CLI::Range(1, 1 << 20))
      ->default_str("30");
  add_run_options(*command, options->threads, options->batch_size, options->max_length);
  return {command, [options, question, context] {
            options->question_given = question->count() > 0;
            options->context_given = context->count() > 0;
            return run_qa(*options);
          }};
}

}  // namespace roformer::cli
