// kernels::linear (OpenBLAS) against a naive double loop.
#include "kernels/gemm.hpp"

#include "kernel_test_util.hpp"

namespace roformer::kernels::testing {
namespace {

// Per output, relative to sqrt(k): inputs in [-1, 1], k products summed in float by BLAS.
constexpr double kLinearToleranceScale = 2e-6;

TEST(LinearTest, MatchesNaiveLoop) {
  std::mt19937 rng(12);
  double worst = 0.0;
  for (size_t m : {1, 2, 7, 16, 33}) {
    for (size_t n : {1, 3, 8, 31, 64}) {
      for (size_t k : {1, 5, 16, 100, 768}) {
        for (bool with_bias : {true, false}) {
          GuardedBuffer x(m * k), w(n * k), bias(n), y(m * n);
          fill_uniform(x.data(), m * k, rng, -1.0f, 1.0f);
          fill_uniform(w.data(), n * k, rng, -1.0f, 1.0f);
          fill_uniform(bias.data(), n, rng, -1.0f, 1.0f);
          linear(x.data(), w.data(), with_bias ? bias.data() : nullptr, y.data(), m, n, k);

          const double tolerance = kLinearToleranceScale * std::sqrt(static_cast<double>(k));
          for (size_t i = 0; i < m; ++i) {
            for (size_t j = 0; j < n; ++j) {
              double expected = with_bias ? bias[j] : 0.0;
              for (size_t p = 0; p < k; ++p) {
                expected += static_cast<double>(x[i * k + p]) * w[j * k + p];
              }
              const double error = std::fabs(y[i * n + j] - expected);
              worst = std::max(worst, error / std::sqrt(static_cast<double>(k)));
              ASSERT_LE(error, tolerance)
                  << "m=" << m << " n=" << n << " k=" << k << " i=" << i << " j=" << j;
            }
          }
          EXPECT_TRUE(y.guard_intact()) << "m=" << m << " n=" << n << " k=" << k;
        }
      }
    }
  }
  std::printf("[ max error ] blas     linear (error / sqrt(k))     %.3g\n", worst);
}

TEST(LinearTest, ZeroInnerDimensionGivesBias) {
  GuardedBuffer bias(5), y(10);
  for (size_t j = 0; j < 5; ++j) bias[j] = static_cast<float>(j) + 0.5f;
  const float unused = 0.0f;
  linear(&unused, &unused, bias.data(), y.data(), 2, 5, 0);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(y[i], bias[i % 5]);
  EXPECT_TRUE(y.guard_intact());
}

}  // namespace
}  // namespace roformer::kernels::testing
