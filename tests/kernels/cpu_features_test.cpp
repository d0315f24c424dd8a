// CPU feature detection and the ROFORMER_ISA setting.
#include <cstdlib>

#include "engine/error.hpp"
#include "kernel_test_util.hpp"

namespace roformer {
namespace {

using kernels::Isa;

TEST(CpuFeaturesTest, ScalarIsAlwaysSupportedAndBestIsUsable) {
  EXPECT_TRUE(cpu_supports(Isa::kScalar));
  const Isa best = best_isa();
  EXPECT_TRUE(cpu_supports(best));
  EXPECT_NE(kernels::kernel_table(best), nullptr);
  EXPECT_EQ(kernels::kernel_table(best)->isa, best);
  // AVX-512 here implies AVX2, so the summary is always a prefix of "scalar, avx2, avx512".
  EXPECT_EQ(std::string("scalar, avx2, avx512").rfind(cpu_isa_summary(), 0), 0u)
      << cpu_isa_summary();
  std::printf("[ cpu ] supports: %s; best compiled: %s\n", cpu_isa_summary().c_str(),
              kernels::isa_name(best));
}

TEST(CpuFeaturesTest, EmptySettingMeansBest) {
  EXPECT_EQ(isa_from_setting(nullptr), best_isa());
  EXPECT_EQ(isa_from_setting(""), best_isa());
}

TEST(CpuFeaturesTest, ScalarCanAlwaysBeForced) {
  EXPECT_EQ(isa_from_setting("scalar"), Isa::kScalar);
}

TEST(CpuFeaturesTest, UnknownSettingThrowsNamingIt) {
  try {
    isa_from_setting("sse9");
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnsupported);
    const std::string message = error.what();
    EXPECT_NE(message.find("ROFORMER_ISA=sse9"), std::string::npos) << message;
    EXPECT_NE(message.find("avx512"), std::string::npos) << message;  // lists the valid values
    EXPECT_NE(message.find(cpu_isa_summary()), std::string::npos) << message;
  }
  EXPECT_THROW(isa_from_setting("AVX2 "), Error);  // exact names only
}

TEST(CpuFeaturesTest, UnsupportedIsaThrowsOrIsHonoured) {
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    const char* name = kernels::isa_name(isa);
    if (cpu_supports(isa) && kernels::kernel_table(isa) != nullptr) {
      EXPECT_EQ(isa_from_setting(name), isa);
      continue;
    }
    try {
      isa_from_setting(name);
      FAIL() << "expected an Error for " << name;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kUnsupported);
      const std::string message = error.what();
      EXPECT_NE(message.find(name), std::string::npos) << message;
      EXPECT_NE(message.find(cpu_isa_summary()), std::string::npos) << message;
    }
  }
}

// active_kernels reads ROFORMER_ISA once per process; whatever this run was started with, the
// table it returns is the one isa_from_setting picks for that value.
TEST(CpuFeaturesTest, ActiveKernelsFollowsTheEnvironment) {
  const char* setting = std::getenv("ROFORMER_ISA");
  Isa expected{};
  try {
    expected = isa_from_setting(setting);
  } catch (const Error&) {
    EXPECT_THROW(active_kernels(), Error);
    return;
  }
  EXPECT_EQ(active_kernels().isa, expected);
  EXPECT_EQ(&active_kernels(), &active_kernels());
}

// Run in a child process so that the setting is read fresh: the "threadsafe" death-test style
// re-executes the binary instead of forking, so the parent's cached choice is not inherited.
TEST(CpuFeaturesTest, ForcedSettingsInAFreshProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("ROFORMER_ISA", "scalar", 1);
        std::exit(active_kernels().isa == Isa::kScalar ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(
      {
        setenv("ROFORMER_ISA", "bogus", 1);
        try {
          active_kernels();
        } catch (const Error& error) {
          std::fprintf(stderr, "%s\n", error.what());
          std::exit(3);
        }
        std::exit(0);
      },
      ::testing::ExitedWithCode(3), "ROFORMER_ISA=bogus: unknown ISA");
}

}  // namespace
}  // namespace roformer
