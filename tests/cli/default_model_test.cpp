// Without --model and $ROFORMER_MODEL, roformer finds its shipped model in the installed layout,
// the source tree compiled into it, or the source tree around a build folder moved with it; when
// none holds it, the error lists every place looked at. The binary run is roformer_without_source
// (tests/cli/CMakeLists.txt), built from roformer's objects with a compiled-in source folder that
// does not exist, copied to where a moved build tree or an installation would hold it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace roformer::test
