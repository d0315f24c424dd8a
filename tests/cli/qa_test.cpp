// `roformer qa` on the question-answering fixture's sentence-pair request: the answer span is the
// best start <= end over the context's tokens by the reference logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "cli_runner.hpp"
#include "fixture_text.hpp"

namespace roformer::test {
namespace {

const char* const kFixture = "v1_qa";

struct Pair {
  std::string question, context;
  size_t context_begin = 0, context_end = 0;  // token indices of the context, [begin, end)
};

// The request "token_types" is [CLS] question [SEP] context [SEP].
Pair fixture_pair(const FixtureRow& row) {
  Pair pair;
  size_t first_sep = 1;
  while (row.input_ids[first_sep] != 3) ++first_sep;
  pair.context_begin = first_sep + 1;
  pair.context_end = row.input_ids.size() - 1;
  pair.question = text_of(kFixture, row.input_ids, 1, first_sep);
  pair.context = text_of(kFixture, row.input_ids, pair.context_begin, pair.context_end);
  return pair;
}

struct Span {
  size_t start, end;  // context-relative token indices, inclusive
  double score;
};

Span best_span(const Pair& pair, size_t max_tokens) {
  const auto& tensors = expected_outputs(kFixture);
  const auto& starts = tensors.at("token_types.start_logits").values;
  const auto& ends = tensors.at("token_types.end_logits").values;
  const size_t begin = pair.context_begin, count = pair.context_end - begin;
  Span best{0, 0, -1e30};
  for (size_t i = 0; i < count; ++i) {
    for (size_t j = i; j < count && j < i + max_tokens; ++j) {
      const double total = double(starts[begin + i]) + ends[begin + j];
      if (total > best.score) best = {i, j, total};
    }
  }
  const auto p_start = softmax_of(starts, begin, count), p_end = softmax_of(ends, begin, count);
  best.score = p_start[best.start] * p_end[best.end];
  return best;
}

void expect_answer(const nlohmann::json& answer, const Pair& pair, const Span& span) {
  // One code point per context token here.
  EXPECT_EQ(answer["start"], span.start);
  EXPECT_EQ(answer["end"], span.end + 1);
  EXPECT_EQ(answer["answer"], text_of(kFixture, fixture_row(kFixture, "token_types").input_ids,
                                      pair.context_begin + span.start,
                                      pair.context_begin + span.end + 1));
  EXPECT_NEAR(answer["score"].get<double>(), span.score, 1e-4);
}

TEST(CliQa, AnswerIsTheBestSpanOfTheReferenceLogits) {
  const FixtureRow row = fixture_row(kFixture, "token_types");
  const Pair pair = fixture_pair(row);
  ASSERT_GE(pair.context_end - pair.context_begin, 3u);
  const std::string model = converted_fixture_model(kFixture);
  for (size_t max_tokens : {size_t{30}, size_t{2}, size_t{1}}) {
    const CliResult result = run_cli({"qa", "--model", model, "--question", pair.question, "--context",
                                      pair.context, "--max-answer-length", std::to_string(max_tokens)});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto lines = json_lines(result.out);
    ASSERT_EQ(lines.size(), 1u);
    SCOPED_TRACE("max answer length " + std::to_string(max_tokens));
    const Span span = best_span(pair, max_tokens);
    expect_answer(lines[0], pair, span);
    EXPECT_LE(lines[0]["end"].get<int>() - lines[0]["start"].get<int>(), static_cast<int>(max_tokens));
  }
}

TEST(CliQa, JsonlAndPositionalInputGiveTheSameAnswers) {
  const Pair pair = fixture_pair(fixture_row(kFixture, "token_types"));
  const std::string model = converted_fixture_model(kFixture);
  const CliResult direct = run_cli({"qa", "--model", model, "-q", pair.question, "-c", pair.context});
  const CliResult positional = run_cli({"qa", "--model", model, pair.question, pair.context});
  const nlohmann::json line = {{"question", pair.question}, {"context", pair.context}};
  const CliResult piped = run_cli({"qa", "--model", model}, line.dump() + "\n\n" + line.dump() + "\n");
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  const auto answers = json_lines(piped.out);
  ASSERT_EQ(answers.size(), 2u);
  // Two questions share one batch, so the score may differ in the last bits.
  const auto expected = json_lines(direct.out).at(0);
  for (const auto& answer : {answers[0], answers[1], json_lines(positional.out).at(0)}) {
    EXPECT_EQ(answer["answer"], expected["answer"]);
    EXPECT_EQ(answer["start"], expected["start"]);
    EXPECT_EQ(answer["end"], expected["end"]);
    EXPECT_NEAR(answer["score"].get<double>(), expected["score"].get<double>(), 1e-6);
  }
}

TEST(CliQa, AnswerNeverReachesIntoTheQuestion) {
  // The context is one character; whatever the logits, the answer is that character.
  const CliResult result = run_cli({"qa", "--model", converted_fixture_model(kFixture), "--question",
                                    "丁丂七丄丅丆万丈三", "--context", "上"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto answer = json_lines(result.out).at(0);
  EXPECT_EQ(answer["answer"], "上");
  EXPECT_EQ(answer["start"], 0);
  EXPECT_EQ(answer["end"], 1);
  EXPECT_NEAR(answer["score"].get<double>(), 1.0, 1e-6);
}

TEST(CliQa, UsageErrorsExitTwo) {
  const std::string model = converted_fixture_model(kFixture);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"qa", "--model", model, "--question", "丁"},
        {"qa", "--model", model, "only one text"}}) {
    const CliResult result = run_cli(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  const CliResult no_context = run_cli({"qa", "--model", model, "--question", "丁"});
  EXPECT_EQ(no_context.err, "roformer: usage error: missing --context: qa needs a context to find "
                            "the answer to --question in (see roformer qa --help)\n");
  const CliResult no_question = run_cli({"qa", "--model", model, "--context", "丄"});
  EXPECT_EQ(no_question.exit_code, 2);
  EXPECT_EQ(no_question.err, "roformer: usage error: missing --question: qa needs a question to "
                             "answer from --context (see roformer qa --help)\n");
  const CliResult bad_line = run_cli({"qa", "--model", model}, "{\"question\": \"丁\"}\n");
  EXPECT_EQ(bad_line.exit_code, 1);
  EXPECT_NE(bad_line.err.find("stdin line 1"), std::string::npos) << bad_line.err;
}

// Below 5 tokens no context token survives: such a --max-length is refused, naming the least one.
TEST(CliQa, RefusesAMaxLengthWithNoRoomForTheContext) {
  const std::string model = converted_fixture_model(kFixture);
  for (const char* length : {"2", "4"}) {
    const CliResult result = run_cli({"qa", "--model", model, "--max-length", length, "--question",
                                      "丁丂", "--context", "丄丅丆"});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(result.err, std::string("roformer: usage error: --max-length ") + length +
                              " leaves no room for a question and its context: qa needs at least 5 "
                              "tokens ([CLS] question [SEP] context [SEP], one token of each) (see "
                              "roformer qa --help)\n");
  }
  const CliResult least = run_cli({"qa", "--model", model, "--max-length", "5", "--question",
                                   "丁丂", "--context", "丄丅丆"});
  ASSERT_EQ(least.exit_code, 0) << least.err;
  EXPECT_EQ(json_lines(least.out).at(0)["answer"], "丄");  // the one context token kept
}

}  // namespace
}  // namespace roformer::test
