// Without --model and $ROFORMER_MODEL, roformer finds its shipped model in the installed layout,
// the source tree compiled into it, or the source tree around a build folder moved with it; when
// none holds it, the error lists every place looked at. The binary run is roformer_without_source
// (tests/cli/CMakeLists.txt), built from roformer's objects with a compiled-in source folder that
// does not exist, copied to where a moved build tree or an installation would hold it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

namespace fs = std::filesystem;

const char* const kModelFile = "roformer-chnsenti-small.gguf";

void copy_binary_to(const fs::path& destination) {
  fs::create_directories(destination.parent_path());
  fs::copy_file(ROFORMER_WITHOUT_SOURCE_BINARY, destination);
}

class CliDefaultModel : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("ROFORMER_MODEL");  // the default is what is tested
    ASSERT_FALSE(fs::exists(ROFORMER_ABSENT_SOURCE_DIR));
    root_ = fs::canonical(cli_scratch_dir()) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  // `roformer info --json` run from `binary` with the default model.
  CliResult info_from(const fs::path& binary) {
    CliStreams streams;
    streams.binary = binary.string();
    return run_cli_redirected({"info", "--json"}, streams);
  }

  // A fixture model standing in for the shipped one at `path`, and what `info` says of it.
  std::string place_fixture_model(const fs::path& path) {
    fs::create_directories(path.parent_path());
    fs::copy_file(converted_fixture_model("v1_seqcls"), path);
    return run_cli({"info", "--json", path.string()}).out;
  }

  fs::path root_;
};

TEST_F(CliDefaultModel, ABuildTreeMovedElsewhereFindsTheModelOfItsSourceTree) {
  const fs::path binary = root_ / "build" / "tools" / "roformer";
  copy_binary_to(binary);
  const std::string expected = place_fixture_model(root_ / "models" / kModelFile);
  const CliResult result = info_from(binary);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, expected);
  EXPECT_NE(result.out, run_cli({"info", "--json"}).out);  // not the compiled-in model
}

TEST_F(CliDefaultModel, AnInstalledBinaryFindsTheModelUnderShare) {
  const fs::path binary = root_ / "bin" / "roformer";
  copy_binary_to(binary);
  const std::string expected =
      place_fixture_model(root_ / "share" / "roformer" / "models" / kModelFile);
  const CliResult result = info_from(binary);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, expected);
}

TEST_F(CliDefaultModel, NoModelAnywhereListsEveryPlaceLookedAtAndTheVariableStillWins) {
  const fs::path binary = root_ / "build" / "tools" / "roformer";
  copy_binary_to(binary);
  const CliResult result = info_from(binary);
  EXPECT_EQ(result.exit_code, 1);
  const std::string relative = std::string("models/") + kModelFile;
  EXPECT_EQ(result.err, "roformer: error: no model given, and the default " +
                            std::string(kModelFile) + " is in none of the places looked at: " +
                            (root_ / "build" / "share" / "roformer" / relative).string() + ", " +
                            ROFORMER_ABSENT_SOURCE_DIR "/" + relative + ", " +
                            (root_ / relative).string() +
                            " (pass --model FILE, or set ROFORMER_MODEL to its path)\n");

  const std::string model = converted_fixture_model("v1_seqcls");
  ::setenv("ROFORMER_MODEL", model.c_str(), /*overwrite=*/1);
  const CliResult named = info_from(binary);
  ::unsetenv("ROFORMER_MODEL");
  EXPECT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out, run_cli({"info", "--json", model}).out);
}

// The shipped model classifies sentiment, so qa, tag and fill-mask never fall back to it: their
// --help says they default to $ROFORMER_MODEL only, and without either they stop with a usage
// error naming the head they need instead of loading a model only to refuse its head.
TEST_F(CliDefaultModel, HeadCommandsDefaultToTheVariableOnlyAndSaySo) {
  struct HeadCommand {
    std::vector<std::string> args;
    const char* head;
    const char* fixture;
  };
  const HeadCommand commands[] = {
      {{"qa", "--question", "丁", "--context", "丂七"}, "question_answering", "v1_qa"},
      {{"tag", "丁丂"}, "token_classification", "v1_tokcls_rotary_value"},
      {{"fill-mask", "丁[MASK]"}, "masked_lm", "v2_mlm"},
  };
  for (const HeadCommand& command : commands) {
    const std::string name = command.args[0];
    const CliResult help = run_cli({name, "--help"});
    EXPECT_NE(help.out.find(std::string("Model file (.gguf) with a ") + command.head +
                            " head; default: $ROFORMER_MODEL, else required (the shipped " +
                            kModelFile + " is a sentiment classifier)"),
              std::string::npos)
        << help.out;
    EXPECT_EQ(help.out.find("default: the shipped"), std::string::npos) << help.out;

    const CliResult bare = run_cli(command.args);
    EXPECT_EQ(bare.exit_code, 2) << name;
    EXPECT_EQ(bare.err, "roformer: usage error: " + name + " needs a " + command.head +
                            " model: pass --model FILE or set ROFORMER_MODEL (the shipped " +
                            kModelFile + " is a sentiment classifier) (see roformer " + name +
                            " --help)\n");

    ::setenv("ROFORMER_MODEL", converted_fixture_model(command.fixture).c_str(), /*overwrite=*/1);
    const CliResult named = run_cli(command.args);
    ::unsetenv("ROFORMER_MODEL");
    EXPECT_EQ(named.exit_code, 0) << name << ": " << named.err;
  }
}

}  // namespace
// The commands that fall back on the shipped classifier say that $ROFORMER_MODEL comes first.
TEST(CliModelHelp, NamesTheVariableBeforeTheShippedModel) {
  for (const std::string name : {"classify", "embed", "similarity", "tokenize"}) {
    const CliResult help = run_cli({name, "--help"});
    EXPECT_NE(help.out.find(std::string("Model file (.gguf); default: $ROFORMER_MODEL, else the "
                                        "shipped ") + kModelFile),
              std::string::npos)
        << name << ": " << help.out;
  }
}

// A $ROFORMER_MODEL that names no file says the path came from the variable, for the commands
// that fall back on the shipped model and for those that need a head.
TEST(CliModelHelp, AMissingModelNamedByTheVariableSaysSo) {
  ::setenv("ROFORMER_MODEL", "/nonexistent/model.gguf", /*overwrite=*/1);
  const CliResult classify = run_cli({"classify", "好"});
  const CliResult qa = run_cli({"qa", "--question", "丁", "--context", "丂七"});
  ::unsetenv("ROFORMER_MODEL");
  for (const CliResult& result : {classify, qa}) {
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err, "roformer: error: cannot open model file /nonexistent/model.gguf named "
                          "by ROFORMER_MODEL: No such file or directory (unset it, or pass "
                          "--model FILE)\n");
  }
}

}  // namespace roformer::test
