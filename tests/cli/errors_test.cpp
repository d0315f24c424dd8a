// Exit codes and error lines: 0 success, 1 bad input or model, 2 usage; every error is one line
// on stderr that names what was wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(CliErrors, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"classify", "--no-such-flag"}, {"no-such-command"}, {},
        {"classify", "--threads", "many", "x"}, {"infer", "--model", "m.gguf"}}) {
    const CliResult result = run_cli(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_FALSE(result.err.empty());
  }
}

// A word where a count belongs is called not a number, not out of range.
TEST(CliErrors, ANonNumericCountIsCalledNotANumber) {
  const CliResult result = run_cli({"classify", "--threads", "many", "x"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("many"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("not in range"), std::string::npos) << result.err;
  const CliResult zero = run_cli({"classify", "--threads", "0", "x"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("not in range 1 to 1024"), std::string::npos) << zero.err;
}

TEST(CliErrors, HelpExitsZeroAndNamesEverySubcommand) {
  const CliResult result = run_cli({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* name : {"classify", "tokenize", "fill-mask", "tag", "qa", "embed", "similarity",
                           "convert", "info", "infer", "bench"}) {
    EXPECT_NE(result.out.find(name), std::string::npos) << name;
  }
}

TEST(CliErrors, EveryHeadSubcommandHelpDescribesItsJsonOutput) {
  for (const char* name : {"fill-mask", "tag", "qa", "embed", "similarity"}) {
    const CliResult result = run_cli({name, "--help"});
    EXPECT_EQ(result.exit_code, 0) << name;
    EXPECT_NE(result.out.find("one JSON object"), std::string::npos) << name << ": " << result.out;
    EXPECT_NE(result.out.find("--model"), std::string::npos) << name << ": " << result.out;
  }
}

TEST(CliErrors, MissingModelIsOneLineNamingThePath) {
  const CliResult result = run_cli({"classify", "--model", "/no/such/model.gguf", "text"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("/no/such/model.gguf"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST(CliErrors, CorruptModelIsRefusedWithOneLine) {
  const std::string model = read_text_file(converted_fixture_model("v1_seqcls"));
  const std::string path = (cli_scratch_dir() / "half.gguf").string();
  write(path, model.substr(0, model.size() / 2));
  const CliResult half = run_cli({"info", path});
  EXPECT_EQ(half.exit_code, 1);
  EXPECT_EQ(line_count(half.err), 1u) << half.err;
  EXPECT_NE(half.err.find("roformer convert"), std::string::npos) << half.err;

  write(path, "not a model at all");
  const CliResult garbage = run_cli({"classify", "--model", path, "text"});
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_EQ(line_count(garbage.err), 1u) << garbage.err;
}

TEST(CliErrors, ConvertRefusesAMissingFolderAndLeavesNoFile) {
  const std::string out = (cli_scratch_dir() / "never.gguf").string();
  const CliResult result = run_cli({"convert", "/no/such/checkpoint", "-o", out});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("/no/such/checkpoint"), std::string::npos) << result.err;
  EXPECT_FALSE(std::ifstream(out).good());
}

TEST(CliErrors, BadInferRequestsAreRefused) {
  const std::string inputs = (cli_scratch_dir() / "bad_inputs.json").string();
  const std::string out = (cli_scratch_dir() / "bad.safetensors").string();
  const std::string model = converted_fixture_model("v1_seqcls");
  for (const std::string& body :
       {std::string("[{\"name\": \"r\", \"input_ids\": [[2, 99999, 3]]}]"), std::string("{oops"),
        std::string("[{\"name\": \"r\", \"input_ids\": [[2, 5], [2]]}]"), std::string("[]"),
        std::string("[{\"name\": \"\", \"input_ids\": [[2, 3]]}]"),
        std::string("[{\"name\": \"a\\nb\", \"input_ids\": [[2, 3]]}]")}) {
    write(inputs, body);
    const CliResult result = run_cli({"infer", "--model", model, "--inputs", inputs, "--out", out});
    EXPECT_EQ(result.exit_code, 1) << body << "\n" << result.err;
    EXPECT_EQ(line_count(result.err), 1u) << body << "\n" << result.err;
  }
}

// A NUL in a quoted name would end the C string of the message; it is written as \0.
TEST(CliErrors, ANulInAQuotedValueDoesNotCutTheMessageShort) {
  const std::string inputs = (cli_scratch_dir() / "nul_name.json").string();
  write(inputs, "[{\"name\": \"a\\u0000b\", \"input_ids\": [[2, 3]]}]");
  const CliResult result =
      run_cli({"infer", "--model", converted_fixture_model("v1_seqcls"), "--inputs", inputs,
               "--out", (cli_scratch_dir() / "nul.safetensors").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("the name \"a\\0b\"; expected a non-empty name"), std::string::npos)
      << result.err;
}

TEST(CliErrors, InferRefusesADuplicateRequestName) {
  const std::string inputs = (cli_scratch_dir() / "duplicate_inputs.json").string();
  const std::string out = (cli_scratch_dir() / "duplicate.safetensors").string();
  write(inputs, "[{\"name\": \"a\", \"input_ids\": [[2, 5, 3]]}, "
                "{\"name\": \"b\", \"input_ids\": [[2, 6, 3]]}, "
                "{\"name\": \"a\", \"input_ids\": [[2, 7, 3]]}]");
  const CliResult result = run_cli(
      {"infer", "--model", converted_fixture_model("v1_seqcls"), "--inputs", inputs, "--out", out});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("requests 1 and 3 are both named \"a\""), std::string::npos)
      << result.err;
  EXPECT_FALSE(std::ifstream(out).good());
}

TEST(CliErrors, InferNamesTheRequestOfRaggedRowsAndOfIdsOutsideTheVocabulary) {
  const std::string inputs = (cli_scratch_dir() / "ragged_inputs.json").string();
  const std::string out = (cli_scratch_dir() / "ragged.safetensors").string();
  write(inputs, "[{\"name\": \"a\", \"input_ids\": [[2, 5, 3], [2, 5]]}]");
  CliResult result = run_cli(
      {"infer", "--model", converted_fixture_model("v1_seqcls"), "--inputs", inputs, "--out", out});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("request a: input_ids row 1 has 2 entries, expected 3"),
            std::string::npos)
      << result.err;
  write(inputs, "[{\"name\": \"b\", \"input_ids\": [[2, 99999, 3]]}]");
  result = run_cli(
      {"infer", "--model", converted_fixture_model("v1_seqcls"), "--inputs", inputs, "--out", out});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("request b: sequence 0 position 1: token id 99999"), std::string::npos)
      << result.err;
}

// Convert reads the checkpoint's files after it checks the output, so an output that names one
// of them would replace it.
TEST(CliErrors, ConvertRefusesToOverwriteTheCheckpointItReads) {
  const auto checkpoint = cli_scratch_dir() / "overwrite_me";
  std::filesystem::remove_all(checkpoint);
  std::filesystem::copy(test_data("fixtures/v1_seqcls"), checkpoint);
  const std::string vocab = (checkpoint / "vocab.txt").string();
  const auto size_before = std::filesystem::file_size(vocab);
  const CliResult result = run_cli({"convert", checkpoint.string(), "-o", vocab});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("the checkpoint's own vocab.txt"), std::string::npos) << result.err;
  EXPECT_EQ(std::filesystem::file_size(vocab), size_before);
  const CliResult beside = run_cli({"convert", checkpoint.string(), "-o",
                                    (checkpoint / "model.gguf").string()});
  EXPECT_EQ(beside.exit_code, 0) << beside.err;
}

// A newline in a name the user gave (or a file holds) is escaped: still one error line.
TEST(CliErrors, ControlCharactersInAMessageAreEscaped) {
  const CliResult result = run_cli({"classify", "--model", "a\nroformer: b", "x"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("a\\nroformer: b"), std::string::npos) << result.err;
  const CliResult escape = run_cli({"classify", "--model", "\x1b[31mred", "x"});
  EXPECT_NE(escape.err.find("\\x1b[31mred"), std::string::npos) << escape.err;
}

TEST(CliErrors, AnEmptyModelPathIsAUsageErrorNotTheDefaultModel) {
  const CliResult result = run_cli({"classify", "--model", "", "x"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("expected a file path, got an empty one"), std::string::npos)
      << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"info", ""}, {"classify", "--file", "", "x"},
        {"convert", "", "-o", "x.gguf"}, {"convert", "ck", "-o", ""},
        {"embed", "--npy", "", "x"}, {"infer", "--inputs", "", "--out", "y"}}) {
    const CliResult empty = run_cli(args);
    EXPECT_EQ(empty.exit_code, 2) << args[0] << " " << args[1] << ": " << empty.err;
    EXPECT_NE(empty.err.find("expected a file path, got an empty one"), std::string::npos)
        << empty.err;
  }
}

// Writing the output must never destroy what the command reads: the model, the requests, the texts.
TEST(CliErrors, AnOutputThatIsAnInputIsRefused) {
  const auto dir = cli_scratch_dir() / "output_is_input";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string model = (dir / "model.gguf").string();
  std::filesystem::copy_file(converted_fixture_model("v1_pooler_sim"), model);
  const auto model_size = std::filesystem::file_size(model);
  const std::string texts = (dir / "texts.txt").string();
  std::ofstream(texts) << "a\n";
  const std::string inputs = test_data("fixtures/v1_pooler_sim/inputs.json");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"embed", "--model", model, "--npy", model, "x"},
        {"embed", "--model", model, "--file", texts, "--npy", texts},
        {"infer", "--model", model, "--inputs", inputs, "--out", model}}) {
    const CliResult result = run_cli(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find("refusing to overwrite it"), std::string::npos) << result.err;
  }
  EXPECT_EQ(std::filesystem::file_size(model), model_size);
  EXPECT_EQ(std::filesystem::file_size(texts), 2u);
}

TEST(CliErrors, AMaxLengthWithNoRoomForAPairIsAUsageError) {
  const std::string pair = "{\"text\":\"a\",\"text_pair\":\"b\"}\n";
  const std::string model = converted_fixture_model("v1_seqcls");
  const CliResult two = run_cli({"tokenize", "--model", model, "--jsonl", "--max-length", "2"}, pair);
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_NE(two.err.find("a pair needs at least 3 tokens"), std::string::npos) << two.err;
  const CliResult three =
      run_cli({"tokenize", "--model", model, "--jsonl", "--max-length", "3"}, pair);
  EXPECT_EQ(three.exit_code, 0) << three.err;
  EXPECT_EQ(json_lines(three.out).at(0)["input_ids"].size(), 3u) << three.out;
}

// As in plain text lines: replaced by U+FFFD with one warning, not a JSON error.
TEST(CliErrors, InvalidUtf8InAJsonLineIsReplacedWithOneWarning) {
  const CliResult result = run_cli({"tokenize", "--model", converted_fixture_model("v1_seqcls"),
                                    "--jsonl"},
                                   "{\"text\":\"\xff\"}\n{\"text\":\"ok\"}\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(line_count(result.out), 2u) << result.out;
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("stdin: 1 line holds invalid UTF-8"), std::string::npos) << result.err;
}

// Python's json.dumps writes a broken string's lone surrogate as \udXXX, which JSON parsers
// refuse: replaced by U+FFFD (then dropped as BERT drops it) with one warning. A proper pair and
// an escaped backslash before "ud800" stay as they are.
TEST(CliErrors, ALoneSurrogateEscapeInAJsonLineIsReplacedWithOneWarning) {
  const CliResult result = run_cli(
      {"tokenize", "--jsonl"},
      "{\"text\":\"\\ud800好\\udc00\"}\n{\"text\":\"\\ud83d\\ude00\"}\n{\"text\":\"\\\\ud800\"}\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  EXPECT_EQ(lines[0]["tokens"], nlohmann::json::parse(R"(["[CLS]", "好", "[SEP]"])"));
  EXPECT_EQ(lines[0]["offsets"][1], nlohmann::json::parse("[1, 2]"));  // after the U+FFFD
  EXPECT_EQ(lines[1]["tokens"].size(), 3u) << lines[1];                // the emoji: one token
  EXPECT_EQ(lines[2]["tokens"][1], "\\");                              // a literal backslash
  EXPECT_EQ(result.err,
            "roformer: warning: stdin: 2 \\u escapes are unpaired UTF-16 surrogates; replaced by "
            "U+FFFD\n");
}

TEST(CliErrors, BlankJsonLinesAreSkippedWithOneWarning) {
  const CliResult result = run_cli({"tokenize", "--model", converted_fixture_model("v1_seqcls"),
                                    "--jsonl"},
                                   "{\"text\":\"a\"}\n\n  \n{\"text\":\"b\"}\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(line_count(result.out), 2u) << result.out;
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("skipped 2 blank lines of stdin"), std::string::npos) << result.err;
}

TEST(CliErrors, InferRefusesAnAttentionMaskValueOtherThanZeroOrOne) {
  const std::string inputs = (cli_scratch_dir() / "mask_inputs.json").string();
  const std::string out = (cli_scratch_dir() / "mask.safetensors").string();
  for (const char* value : {"2", "-1"}) {
    write(inputs, std::string("[{\"name\": \"r\", \"input_ids\": [[2, 5, 3], [2, 6, 3]], "
                              "\"attention_mask\": [[1, 1, 1], [1, ") + value + ", 0]]}]");
    const CliResult result = run_cli({"infer", "--model", converted_fixture_model("v1_seqcls"),
                                      "--inputs", inputs, "--out", out});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find(std::string("request r: attention_mask row 1 position 1 is ") +
                              value + ", expected 0 or 1"),
              std::string::npos) << result.err;
  }
}

TEST(CliErrors, AnUnknownSubcommandIsNamed) {
  const CliResult result = run_cli({"bogus", "text"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_EQ(result.err.rfind("roformer: usage error: unknown subcommand \"bogus\"", 0), 0u)
      << result.err;
  EXPECT_NE(result.err.find("classify"), std::string::npos) << result.err;
}

TEST(CliErrors, AnUnknownOptionBeforeTheSubcommandIsNamed) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--foo"}, {"-v", "--foo"}, {"-x"}}) {
    const CliResult result = run_cli(args);
    const std::string option = args[0] == "-v" ? args[1] : args[0];
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.err.rfind("roformer: usage error: unknown option \"" + option +
                                   "\" before the subcommand (expected a subcommand: classify, ",
                               0),
              0u)
        << result.err;
  }
  // roformer's own options still lead to the missing subcommand.
  const CliResult verbose_only = run_cli({"-vv"});
  EXPECT_EQ(verbose_only.exit_code, 2);
  EXPECT_NE(verbose_only.err.find("A subcommand is required"), std::string::npos)
      << verbose_only.err;
}

TEST(CliErrors, ASubcommandsOptionBeforeTheSubcommandIsToldWhereItGoes) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--model", "x", "classify", "好"},
       "--model goes after the subcommand: roformer classify --model x ... (see roformer classify "
       "--help)"},
      {{"-m", "x", "classify", "好"},
       "-m goes after the subcommand: roformer classify -m x ... (see roformer classify --help)"},
      {{"--model=x", "classify"},
       "--model goes after the subcommand: roformer classify --model=x ... (see roformer classify "
       "--help)"},
      {{"-v", "--threads", "2", "tokenize", "好"},
       "--threads goes after the subcommand: roformer tokenize --threads 2 ... (see roformer "
       "tokenize --help)"},
      {{"--normalize", "embed", "好"},  // a flag: no value follows it
       "--normalize goes after the subcommand: roformer embed --normalize ... (see roformer embed "
       "--help)"},
      {{"--model", "x"},
       "--model goes after the subcommand: roformer SUBCOMMAND --model x ... (see roformer --help)"},
  };
  for (const auto& [args, message] : cases) {
    const CliResult result = run_cli(args);
    EXPECT_EQ(result.exit_code, 2) << args[0];
    EXPECT_EQ(result.err, "roformer: usage error: " + message + "\n");
    EXPECT_EQ(result.out, "");
  }
  // An option no subcommand has keeps CLI11's word for it.
  const CliResult unknown = run_cli({"--foo", "classify", "好"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, "roformer: usage error: The following argument was not expected: --foo "
                         "(see roformer classify --help)\n");
}

TEST(CliErrors, BenchMaxSecondsMustBeAPositiveFiniteNumber) {
  for (const char* value : {"0", "-1", "nan", "inf", "soon"}) {
    const CliResult result = run_cli({"bench", "--max-seconds", value});
    EXPECT_EQ(result.exit_code, 2) << value;
    EXPECT_EQ(result.err, std::string("roformer: usage error: --max-seconds: expected a positive "
                                      "number of seconds, got \"") +
                              value + "\" (see roformer bench --help)\n");
  }
}

// A pass of more than 2^20 tokens (ROFORMER_MOST_TOKENS, the bound on one sequence) is refused
// before the model loads, naming both options and the limit.
TEST(CliErrors, BenchRefusesMoreTokensPerPassThanTheEngineLimit) {
  for (const auto& [batch, seq, tokens] :
       {std::tuple<std::string, std::string, std::string>{"65536", "1048576", "68719476736"},
        {"2", "524289", "1048578"}}) {
    const CliResult result =
        run_cli({"bench", "--model", "/nonexistent.gguf", "--batch", batch, "--seq", seq});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(result.err, "roformer: usage error: --batch " + batch + " x --seq " + seq + " is " +
                              tokens + " tokens in one pass, over the limit of 1048576 tokens "
                              "(see roformer bench --help)\n");
  }
}

TEST(CliErrors, EmptyQuestionOrContextIsAUsageError) {
  for (const auto& [question, context, named] :
       {std::tuple<std::string, std::string, std::string>{"", "", "empty question"},
        {"谁", "", "empty context"}, {"", "上下文", "empty question"},
        {"   ", "上下文", "empty question"}, {"谁", " \t ", "empty context"}}) {
    for (const bool as_options : {true, false}) {
      const std::vector<std::string> args =
          as_options ? std::vector<std::string>{"qa", "--question", question, "--context", context}
                     : std::vector<std::string>{"qa", question, context};
      const CliResult result = run_cli(args);
      EXPECT_EQ(result.exit_code, 2) << named;
      EXPECT_EQ(result.err.rfind("roformer: usage error: " + named, 0), 0u) << result.err;
      EXPECT_EQ(line_count(result.err), 1u) << result.err;
    }
  }
}

// Three arguments to similarity are a usage error; a text_pair on an input line is bad input,
// as a missing one is for similarity.
TEST(CliErrors, PairMisuseInArgumentsIsUsageAndInInputLinesBadInput) {
  const CliResult three = run_cli({"similarity", "a", "b", "c"});
  EXPECT_EQ(three.exit_code, 2);
  EXPECT_EQ(three.err.rfind("roformer: usage error: similarity takes a pair as 2 TEXT arguments, "
                            "or pairs as --jsonl lines", 0), 0u) << three.err;
  EXPECT_NE(three.err.find("; got 3 TEXT arguments"), std::string::npos) << three.err;
  const CliResult pair = run_cli({"embed", "--jsonl"}, "{\"text\": \"a\", \"text_pair\": \"b\"}\n");
  EXPECT_EQ(pair.exit_code, 1);
  EXPECT_EQ(pair.err.rfind("roformer: error: embed takes single texts, but input 1 has a "
                           "\"text_pair\"", 0), 0u) << pair.err;
}

TEST(CliErrors, VerboseLogsTheIsaThreadsAndBatchShapes) {
  const CliResult result = run_cli({"-v", "classify", "--threads", "2", "好", "很好"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("roformer: info: loaded "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(" kernels (CPU has scalar"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("2 threads"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("2 texts in 1 batch; largest 2 x "), std::string::npos) << result.err;
  const CliResult quiet = run_cli({"classify", "好"});
  EXPECT_EQ(quiet.err, "");
}

// Every count logged takes the noun's singular for 1: "1 text in 1 batch", "1 thread", "1 layer".
TEST(CliErrors, VerboseLogsPluraliseEachCount) {
  const std::string one_layer = converted_fixture_model("v1_base_shapes");
  const CliResult one = run_cli({"-v", "classify", "--model", one_layer, "--threads", "1", "好"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.err.find(" ms: 1 layer, hidden "), std::string::npos) << one.err;
  EXPECT_NE(one.err.find("), 1 thread\n"), std::string::npos) << one.err;
  EXPECT_NE(one.err.find("classify: 1 text in 1 batch; largest 1 x 3 tokens\n"), std::string::npos)
      << one.err;
  EXPECT_NE(one.err.find("classify: 1 text\n"), std::string::npos) << one.err;
  EXPECT_EQ(one.err.find(" 1 texts"), std::string::npos) << one.err;
  EXPECT_EQ(one.err.find(" 1 threads"), std::string::npos) << one.err;

  const CliResult truncated = run_cli({"classify", "--max-length", "2", "好", "很好"});
  ASSERT_EQ(truncated.exit_code, 0) << truncated.err;
  EXPECT_EQ(truncated.err, "roformer: warning: 2 of 2 texts were longer than 2 tokens and were "
                           "truncated (--max-length to change)\n");
  const CliResult single = run_cli({"classify", "--max-length", "2", "好"});
  EXPECT_EQ(single.err, "roformer: warning: 1 of 1 text was longer than 2 tokens and was "
                        "truncated (--max-length to change)\n");
}

// qa and similarity log what the other commands log: kernels and threads, then their counts, under
// their own names (similarity used to log as "embed").
TEST(CliErrors, VerboseQaAndSimilarityLogTheirSetupAndCountsUnderTheirNames) {
  const CliResult qa = run_cli({"-v", "qa", "--model", converted_fixture_model("v1_qa"),
                                "--threads", "1", "--question", "丁", "--context", "丂七"});
  ASSERT_EQ(qa.exit_code, 0) << qa.err;
  EXPECT_NE(qa.err.find("roformer: info: qa: "), std::string::npos) << qa.err;
  EXPECT_NE(qa.err.find(" kernels (CPU has "), std::string::npos) << qa.err;
  EXPECT_NE(qa.err.find("), 1 thread\n"), std::string::npos) << qa.err;
  EXPECT_NE(qa.err.find("qa: 1 text in 1 batch"), std::string::npos) << qa.err;
  EXPECT_NE(qa.err.find("qa: 1 question\n"), std::string::npos) << qa.err;

  const CliResult similarity =
      run_cli({"-v", "similarity", "--model", converted_fixture_model("v1_base_shapes"),
               "--threads", "2", "好", "很好"});
  ASSERT_EQ(similarity.exit_code, 0) << similarity.err;
  EXPECT_NE(similarity.err.find(" kernels (CPU has "), std::string::npos) << similarity.err;
  EXPECT_NE(similarity.err.find("), 2 threads\n"), std::string::npos) << similarity.err;
  EXPECT_NE(similarity.err.find("similarity: 2 texts in 1 batch"), std::string::npos)
      << similarity.err;
  EXPECT_NE(similarity.err.find("similarity: 1 pair\n"), std::string::npos) << similarity.err;
  EXPECT_EQ(similarity.err.find("embed:"), std::string::npos) << similarity.err;
}

TEST(CliInfo, DescribesAFixtureModel) {
  const CliResult result = run_cli({"info", converted_fixture_model("v1_seqcls")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("1000"), std::string::npos) << result.out;  // vocabulary size
  EXPECT_NE(result.out.find("sequence_classification"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace roformer::test
