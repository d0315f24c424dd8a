// `roformer info` takes its model as an argument or, as every subcommand that reads a model does,
// as --model (-m); both at once is a usage error naming them.
#include <gtest/gtest.h>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

TEST(CliInfoModel, ModelOptionDescribesTheSameModelAsTheArgument) {
  const std::string model = converted_fixture_model("v1_qa");
  const CliResult argument = run_cli({"info", "--json", model});
  ASSERT_EQ(argument.exit_code, 0) << argument.err;
  EXPECT_EQ(json_lines(argument.out).at(0)["head"], "question_answering");
  for (const char* option : {"--model", "-m"}) {
    const CliResult result = run_cli({"info", "--json", option, model});
    EXPECT_EQ(result.exit_code, 0) << option << ": " << result.err;
    EXPECT_EQ(result.out, argument.out) << option;
    EXPECT_EQ(result.err, "") << option;
  }
}

TEST(CliInfoModel, AnArgumentAndModelTogetherAreAUsageError) {
  const std::string qa = converted_fixture_model("v1_qa");
  const std::string sim = converted_fixture_model("v1_pooler_sim");
  const CliResult result = run_cli({"info", qa, "--model", sim});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "roformer: usage error: give the model as an argument or --model, not "
            "both (got " +
                qa + " and --model " + sim + ") (see roformer info --help)\n");
  EXPECT_EQ(result.out, "");
}

}  // namespace
}  // namespace roformer::test
