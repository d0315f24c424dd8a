// rotary on every compiled ISA: the double reference, norm preservation, strided rows.
#include "kernel_test_util.hpp"
#include "rotary_reference.hpp"

namespace roformer::kernels::testing {
namespace {

constexpr double kRotaryTolerance = 1e-6;  // inputs in [-2, 2]: two products and a sum
constexpr double kNormTolerance = 1e-5;    // relative change of each row's norm

class RotaryTest : public ::testing::TestWithParam<Isa> {};

TEST_P(RotaryTest, MatchesReferencePreservesNormAndKeepsGaps) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  MaxError max_error("rotary", GetParam());
  std::mt19937 rng(5);
  std::vector<size_t> head_dims;
  for (size_t d = 2; d <= 66; d += 2) head_dims.push_back(d);
  head_dims.push_back(128);
  const size_t rows = 40;  // many positions, angles up to 39 radians

  for (size_t head_dim : head_dims) {
    const size_t ld = head_dim + 3;  // a gap between rows that must stay untouched
    const RotaryAngles angles(rows, head_dim);
    GuardedBuffer x(rows * ld);
    fill_uniform(x.data(), rows * ld, rng, -2.0f, 2.0f);
    const std::vector<float> before(x.data(), x.data() + rows * ld);

    table->rotary(x.data(), ld, rows, head_dim, angles.cos.data(), angles.sin.data());

    const size_t half = head_dim / 2;
    std::vector<double> expected(head_dim);
    for (size_t r = 0; r < rows; ++r) {
      rotate_reference(&before[r * ld], expected.data(), head_dim, &angles.cos[r * half],
                       &angles.sin[r * half]);
      double norm_before = 0.0, norm_after = 0.0;
      for (size_t d = 0; d < head_dim; ++d) {
        ASSERT_LE(max_error.add(x[r * ld + d], expected[d]), kRotaryTolerance)
            << "head_dim=" << head_dim << " row=" << r << " d=" << d;
        norm_before += static_cast<double>(before[r * ld + d]) * before[r * ld + d];
        norm_after += static_cast<double>(x[r * ld + d]) * x[r * ld + d];
      }
      EXPECT_NEAR(std::sqrt(norm_after), std::sqrt(norm_before),
                  kNormTolerance * std::sqrt(norm_before));
      for (size_t d = head_dim; d < ld; ++d) {
        ASSERT_EQ(x[r * ld + d], before[r * ld + d]) << "gap written, head_dim=" << head_dim;
      }
    }
    EXPECT_TRUE(x.guard_intact()) << "head_dim=" << head_dim;
  }
}

TEST_P(RotaryTest, PositionZeroIsIdentity) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  const size_t head_dim = 24;
  const RotaryAngles angles(1, head_dim);
  GuardedBuffer x(head_dim);
  for (size_t d = 0; d < head_dim; ++d) x[d] = static_cast<float>(d) * 0.25f - 1.0f;
  table->rotary(x.data(), head_dim, 1, head_dim, angles.cos.data(), angles.sin.data());
  for (size_t d = 0; d < head_dim; ++d) EXPECT_EQ(x[d], static_cast<float>(d) * 0.25f - 1.0f);
}

INSTANTIATE_TEST_SUITE_P(AllIsas, RotaryTest, ::testing::ValuesIn(all_isas()), isa_param_name);

}  // namespace
}  // namespace roformer::kernels::testing
