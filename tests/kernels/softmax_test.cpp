// softmax on every compiled ISA against a double-precision reference, with its invariants.
#include <limits>

#include "kernel_test_util.hpp"

namespace roformer::kernels::testing {
namespace {

constexpr double kSoftmaxTolerance = 1e-7;  // per probability (all are <= 1)
constexpr double kRowSumTolerance = 1e-6;   // a row's probabilities add up to 1

class SoftmaxTest : public ::testing::TestWithParam<Isa> {};

TEST_P(SoftmaxTest, MatchesDoubleReferenceAndSumsToOne) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  MaxError max_error("softmax", GetParam());
  std::mt19937 rng(4);
  std::vector<size_t> sizes;
  for (size_t n = 1; n <= 64; ++n) sizes.push_back(n);
  for (size_t n : {100, 512, 1000, 4099}) sizes.push_back(n);

  for (size_t n : sizes) {
    GuardedBuffer x(n);
    fill_uniform(x.data(), n, rng, -20.0f, 20.0f);
    std::vector<double> expected(n);
    double max = -INFINITY, sum = 0.0;
    for (size_t i = 0; i < n; ++i) max = std::max(max, static_cast<double>(x[i]));
    for (size_t i = 0; i < n; ++i) sum += expected[i] = std::exp(x[i] - max);
    for (double& e : expected) e /= sum;

    table->softmax(x.data(), n);
    double row_sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_LE(max_error.add(x[i], expected[i]), kSoftmaxTolerance) << "n=" << n << " i=" << i;
      row_sum += x[i];
    }
    EXPECT_NEAR(row_sum, 1.0, kRowSumTolerance) << "n=" << n;
    EXPECT_TRUE(x.guard_intact()) << "n=" << n;
  }
}

TEST_P(SoftmaxTest, MinusInfinityGetsExactlyZero) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  for (size_t n = 2; n <= 40; ++n) {
    GuardedBuffer x(n);
    for (size_t i = 0; i < n; ++i) {
      x[i] = i % 3 == 1 ? -std::numeric_limits<float>::infinity() : static_cast<float>(i % 5);
    }
    table->softmax(x.data(), n);
    double row_sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
      if (i % 3 == 1) {
        EXPECT_EQ(x[i], 0.0f) << "n=" << n << " i=" << i;
      }
      row_sum += x[i];
    }
    EXPECT_NEAR(row_sum, 1.0, kRowSumTolerance);
  }
}

TEST_P(SoftmaxTest, AllMinusInfinityGivesZerosNotNan) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  for (size_t n = 1; n <= 33; ++n) {
    GuardedBuffer x(n);
    for (size_t i = 0; i < n; ++i) x[i] = -std::numeric_limits<float>::infinity();
    table->softmax(x.data(), n);
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(x[i], 0.0f) << "n=" << n << " i=" << i;
    EXPECT_TRUE(x.guard_intact());
  }
}

TEST_P(SoftmaxTest, LargeInputsDoNotOverflow) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  GuardedBuffer x(9);
  for (size_t i = 0; i < 9; ++i) x[i] = 1e30f;
  table->softmax(x.data(), 9);
  for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(x[i], 1.0 / 9, kSoftmaxTolerance);
}

INSTANTIATE_TEST_SUITE_P(AllIsas, SoftmaxTest, ::testing::ValuesIn(all_isas()), isa_param_name);

}  // namespace
}  // namespace roformer::kernels::testing
