// bias_activation on every compiled ISA against double-precision formulas.
#include <limits>
#include <optional>

#include "kernel_test_util.hpp"

namespace roformer::kernels::testing {
namespace {

// Absolute error allowed on top of a relative one of a few float ulps (the relative part covers
// large outputs such as gelu(8) = 8). erf's approximation is accurate to ~1e-7 absolute.
struct Tolerance {
  double absolute;
  double relative;
};
constexpr Tolerance kGeluTolerance{2e-7, 4e-7};
constexpr Tolerance kGeluTanhTolerance{2e-7, 4e-7};
constexpr Tolerance kTanhTolerance{2e-7, 4e-7};
constexpr Tolerance kSiluTolerance{2e-7, 4e-7};
constexpr Tolerance kExactTolerance{0.0, 0.0};  // identity and relu are exact

double reference(double x, Activation act) {
  switch (act) {
    case Activation::kIdentity:
      return x;
    case Activation::kGelu:
      return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case Activation::kGeluTanh:
      return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case Activation::kRelu:
      return x > 0 ? x : 0.0;
    case Activation::kTanh:
      return std::tanh(x);
    case Activation::kSilu:
      return x / (1.0 + std::exp(-x));
  }
  return x;
}

struct Case {
  Activation act;
  const char* name;
  Tolerance tolerance;
};

const Case kCases[] = {
    {Activation::kIdentity, "identity", kExactTolerance},
    {Activation::kGelu, "gelu", kGeluTolerance},
    {Activation::kGeluTanh, "gelu_tanh", kGeluTanhTolerance},
    {Activation::kRelu, "relu", kExactTolerance},
    {Activation::kTanh, "tanh", kTanhTolerance},
    {Activation::kSilu, "silu", kSiluTolerance},
};

class ActivationTest : public ::testing::TestWithParam<Isa> {};

// A dense sweep of [-10, 10] (every region of every approximation, including both erf pieces and
// the tanh switch), plus large magnitudes. Values are fed with a zero bias so the input is exact.
TEST_P(ActivationTest, SweepMatchesDoubleReference) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  const size_t n = 200001;
  GuardedBuffer input(n + 6);
  for (size_t i = 0; i < n; ++i) input[i] = -10.0f + 20.0f * static_cast<float>(i) / (n - 1);
  const float extremes[] = {-200.0f, -90.0f, -30.0f, 30.0f, 90.0f, 200.0f};
  for (size_t i = 0; i < 6; ++i) input[n + i] = extremes[i];
  const size_t total = n + 6;

  for (const Case& c : kCases) {
    MaxError max_error(c.name, GetParam());
    // For the GELUs, the error divided by 0.5 |x| is the error of the erf (or tanh) inside.
    // (That quotient carries its own rounding of ~1 ulp of a value up to 2, about 2e-7.)
    const bool gelu = c.act == Activation::kGelu || c.act == Activation::kGeluTanh;
    std::optional<MaxError> inner_error;
    if (gelu) inner_error.emplace(std::string(c.name) + " (inner erf/tanh)", GetParam());
    GuardedBuffer x(total);
    std::memcpy(x.data(), input.data(), total * sizeof(float));
    table->bias_activation(x.data(), nullptr, 1, total, c.act);
    for (size_t i = 0; i < total; ++i) {
      const double expected = reference(input[i], c.act);
      const double error = max_error.add(x[i], expected);
      if (gelu && std::fabs(input[i]) >= 1e-2f) {
        inner_error->add(x[i] / (0.5 * input[i]), expected / (0.5 * input[i]));
      }
      ASSERT_LE(error, c.tolerance.absolute + c.tolerance.relative * std::fabs(expected))
          << c.name << "(" << input[i] << ") = " << x[i] << ", expected " << expected;
    }
    EXPECT_TRUE(x.guard_intact()) << c.name;
  }
}

// Every size from 1 to 64 (tails of both vector widths), several rows, with a bias; SIMD against
// the scalar kernel on the same inputs.
TEST_P(ActivationTest, SizesAndBiasMatchScalar) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  const KernelTable* scalar = kernel_table(Isa::kScalar);
  std::mt19937 rng(3);
  const size_t rows = 3;

  for (const Case& c : kCases) {
    for (size_t n = 1; n <= 64; ++n) {
      GuardedBuffer x(rows * n), bias(n), expected(rows * n);
      fill_uniform(x.data(), rows * n, rng, -5.0f, 5.0f);
      fill_uniform(bias.data(), n, rng, -1.0f, 1.0f);
      std::memcpy(expected.data(), x.data(), rows * n * sizeof(float));
      scalar->bias_activation(expected.data(), bias.data(), rows, n, c.act);
      table->bias_activation(x.data(), bias.data(), rows, n, c.act);
      for (size_t i = 0; i < rows * n; ++i) {
        const double e = expected[i];
        ASSERT_LE(std::fabs(x[i] - e),
                  2 * c.tolerance.absolute + 2 * c.tolerance.relative * std::fabs(e))
            << c.name << " n=" << n << " i=" << i;
      }
      EXPECT_TRUE(x.guard_intact() && bias.guard_intact()) << c.name << " n=" << n;
    }
  }
}

// Infinities and NaN come out as the scalar formulas give them: gelu(-inf) = -inf * 0 is NaN,
// gelu(+inf) = +inf, NaN stays NaN (relu's comparison maps it to 0 in both).
TEST_P(ActivationTest, NonFiniteInputsMatchScalar) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  const KernelTable* scalar = kernel_table(Isa::kScalar);
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inputs[] = {-inf, inf, nan, -nan, -1e30f, 1e30f, -0.0f, 0.0f, -5.6f, 5.6f, -3e38f};
  const size_t n = sizeof(inputs) / sizeof(inputs[0]);

  for (const Case& c : kCases) {
    GuardedBuffer x(n), expected(n);
    std::memcpy(x.data(), inputs, sizeof(inputs));
    std::memcpy(expected.data(), inputs, sizeof(inputs));
    scalar->bias_activation(expected.data(), nullptr, 1, n, c.act);
    table->bias_activation(x.data(), nullptr, 1, n, c.act);
    for (size_t i = 0; i < n; ++i) {
      if (std::isnan(expected[i])) {
        EXPECT_TRUE(std::isnan(x[i])) << c.name << "(" << inputs[i] << ") = " << x[i];
      } else if (std::isinf(expected[i])) {
        EXPECT_EQ(x[i], expected[i]) << c.name << "(" << inputs[i] << ")";
      } else {
        const double e = expected[i];
        EXPECT_LE(std::fabs(x[i] - e), c.tolerance.absolute + c.tolerance.relative * std::fabs(e))
            << c.name << "(" << inputs[i] << ") = " << x[i] << ", expected " << e;
      }
    }
  }
}

TEST_P(ActivationTest, IdentityWithoutBiasLeavesInputAlone) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  GuardedBuffer x(19);
  for (size_t i = 0; i < 19; ++i) x[i] = static_cast<float>(i) - 9.5f;
  table->bias_activation(x.data(), nullptr, 1, 19, Activation::kIdentity);
  for (size_t i = 0; i < 19; ++i) EXPECT_EQ(x[i], static_cast<float>(i) - 9.5f);
}

INSTANTIATE_TEST_SUITE_P(AllIsas, ActivationTest, ::testing::ValuesIn(all_isas()), isa_param_name);

}  // namespace
}  // namespace roformer::kernels::testing
