// layer_norm and rms_norm on every compiled ISA against a double-precision reference.
#include "kernel_test_util.hpp"

namespace roformer::kernels::testing {
namespace {

// Outputs are O(1) (normalised, times gamma in [0.5, 1.5]); float accumulators over up to 4k terms
// lose a few ulps.
constexpr double kNormTolerance = 2e-6;
constexpr float kEps = 1e-12f;

// x, residual, y: [rows, n] in double.
void layer_norm_reference(const float* x, const float* residual, const float* gamma,
                          const float* beta, double* y, size_t rows, size_t n, double eps,
                          bool rms) {
  for (size_t row = 0; row < rows; ++row) {
    std::vector<double> value(n);
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
      value[i] = static_cast<double>(x[row * n + i]) + (residual ? residual[row * n + i] : 0.0f);
      sum += value[i];
    }
    const double mean = rms ? 0.0 : sum / n;
    double squares = 0.0;
    for (size_t i = 0; i < n; ++i) squares += (value[i] - mean) * (value[i] - mean);
    const double inv = 1.0 / std::sqrt(squares / n + eps);
    for (size_t i = 0; i < n; ++i) {
      double out = (value[i] - mean) * inv;
      if (gamma) out *= gamma[i];
      if (beta) out += beta[i];
      y[row * n + i] = out;
    }
  }
}

class NormTest : public ::testing::TestWithParam<Isa> {};

std::vector<size_t> norm_sizes() {
  std::vector<size_t> sizes;
  for (size_t n = 1; n <= 64; ++n) sizes.push_back(n);
  for (size_t n : {127, 256, 768, 1024, 4097}) sizes.push_back(n);
  return sizes;
}

TEST_P(NormTest, LayerNormMatchesDoubleReference) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  MaxError max_error("layer_norm", GetParam());
  std::mt19937 rng(1);
  const size_t rows = 3;

  for (size_t n : norm_sizes()) {
    for (int variant = 0; variant < 3; ++variant) {  // full; no residual; no gamma/beta, in place
      GuardedBuffer x(rows * n), residual(rows * n), gamma(n), beta(n), y(rows * n);
      // An offset of 3 makes E[x^2] - E[x]^2 cancel badly, so a one-pass variance would fail.
      fill_uniform(x.data(), rows * n, rng, 2.0f, 4.0f);
      fill_uniform(residual.data(), rows * n, rng, -1.0f, 1.0f);
      fill_uniform(gamma.data(), n, rng, 0.5f, 1.5f);
      fill_uniform(beta.data(), n, rng, -0.5f, 0.5f);
      const float* r = variant == 1 ? nullptr : residual.data();
      const float* g = variant == 2 ? nullptr : gamma.data();
      const float* b = variant == 2 ? nullptr : beta.data();
      std::vector<double> expected(rows * n);
      layer_norm_reference(x.data(), r, g, b, expected.data(), rows, n, kEps, /*rms=*/false);

      float* out = variant == 2 ? x.data() : y.data();
      table->layer_norm(x.data(), r, g, b, out, rows, n, kEps);
      for (size_t i = 0; i < rows * n; ++i) {
        ASSERT_LE(max_error.add(out[i], expected[i]), kNormTolerance)
            << "n=" << n << " variant=" << variant << " i=" << i;
      }
      EXPECT_TRUE(x.guard_intact() && y.guard_intact()) << "n=" << n;
    }
  }
}

TEST_P(NormTest, RmsNormMatchesDoubleReference) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  MaxError max_error("rms_norm", GetParam());
  std::mt19937 rng(2);
  const size_t rows = 2;

  for (size_t n : norm_sizes()) {
    for (bool with_residual : {true, false}) {
      GuardedBuffer x(rows * n), residual(rows * n), y(rows * n);
      fill_uniform(x.data(), rows * n, rng, -3.0f, 3.0f);
      fill_uniform(residual.data(), rows * n, rng, -1.0f, 1.0f);
      const float* r = with_residual ? residual.data() : nullptr;
      std::vector<double> expected(rows * n);
      layer_norm_reference(x.data(), r, nullptr, nullptr, expected.data(), rows, n, kEps,
                           /*rms=*/true);

      table->rms_norm(x.data(), r, y.data(), rows, n, kEps);
      for (size_t i = 0; i < rows * n; ++i) {
        ASSERT_LE(max_error.add(y[i], expected[i]), kNormTolerance) << "n=" << n << " i=" << i;
      }
      EXPECT_TRUE(y.guard_intact()) << "n=" << n;
    }
  }
}

TEST_P(NormTest, ConstantRowGivesBeta) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  const size_t n = 37;
  GuardedBuffer x(n), beta(n), y(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = 5.0f;
    beta[i] = static_cast<float>(i);
  }
  table->layer_norm(x.data(), nullptr, nullptr, beta.data(), y.data(), 1, n, 1e-5f);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(y[i], beta[i]) << "i=" << i;
}

INSTANTIATE_TEST_SUITE_P(AllIsas, NormTest, ::testing::ValuesIn(all_isas()), isa_param_name);

}  // namespace
}  // namespace roformer::kernels::testing
