// linear_packed on every ISA: bit-identical to the scalar reference (the summation order is part
// of the contract), close to a double loop, column ranges and row counts that break vector code,
// unaligned x and y with guard zones, and the same bits for a row alone or among others.
#include "kernels/packed_gemm.hpp"

#include "kernel_test_util.hpp"

namespace roformer::kernels::testing {
namespace {

// Per output, relative to sqrt(k): inputs in [-1, 1], k products summed in float.
constexpr double kPackedToleranceScale = 2e-6;

class PackedGemmTest : public ::testing::TestWithParam<Isa> {};

struct Problem {
  size_t m, n, k, ld_x, ld_y;
  std::vector<float> w, bias;
  AlignedBuffer packed;
  GuardedBuffer x;
  AlignedBuffer x_tiles;

  Problem(size_t m_, size_t n_, size_t k_, std::mt19937& rng)
      : m(m_),
        n(n_),
        k(k_),
        ld_x(k_ + 3),
        ld_y(n_ + 5),
        w(n_ * k_),
        bias(n_),
        packed(packed_floats(n_, k_)),
        x(m_ * (k_ + 3)),
        x_tiles(row_tile_floats(m_, k_)) {
    fill_uniform(w.data(), w.size(), rng, -1.0f, 1.0f);
    fill_uniform(bias.data(), n, rng, -1.0f, 1.0f);
    fill_uniform(x.data(), m * ld_x, rng, -1.0f, 1.0f);
    pack_weights(w.data(), n, k, packed.data());
    pack_rows(x.data(), ld_x, m, k, x_tiles.data());
  }
};

TEST_P(PackedGemmTest, BitIdenticalToScalarAndCloseToDouble) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  const KernelTable* reference = kernel_table(Isa::kScalar);
  std::mt19937 rng(31);
  MaxError error("linear_packed", GetParam());
  for (size_t m : {0, 1, 2, 5, 6, 7, 11, 12, 13, 15, 16, 17, 25, 33}) {
    for (size_t n : {1, 8, 15, 16, 17, 33, 48, 100}) {
      for (size_t k : {1, 7, 64, 100}) {
        for (bool with_bias : {true, false}) {
          Problem problem(m, n, k, rng);
          const float* bias = with_bias ? problem.bias.data() : nullptr;
          GuardedBuffer y(m * problem.ld_y), expected(m * problem.ld_y);
          table->linear_packed(problem.x_tiles.data(), problem.packed.data(), bias,
                               Activation::kIdentity, y.data(), problem.ld_y, m, n, k, 0,
                               packed_panels(n));
          reference->linear_packed(problem.x_tiles.data(), problem.packed.data(), bias,
                                   Activation::kIdentity, expected.data(), problem.ld_y, m, n, k, 0,
                                   packed_panels(n));
          ASSERT_TRUE(y.guard_intact()) << "m " << m << " n " << n << " k " << k;
          const double tolerance = kPackedToleranceScale * std::sqrt(double(k));
          for (size_t i = 0; i < m; ++i) {
            for (size_t j = 0; j < problem.ld_y; ++j) {
              const float got = y[i * problem.ld_y + j];
              if (j >= n) {  // the gap between rows is never written
                ASSERT_EQ(got, GuardedBuffer::kSentinel) << "row " << i << " column " << j;
                continue;
              }
              ASSERT_EQ(got, expected[i * problem.ld_y + j])
                  << "m " << m << " n " << n << " k " << k << " row " << i << " column " << j;
              double sum = with_bias ? problem.bias[j] : 0.0;
              for (size_t p = 0; p < k; ++p) {
                sum += double(problem.x[i * problem.ld_x + p]) * problem.w[j * k + p];
              }
              ASSERT_LE(error.add(got, sum), tolerance) << "m " << m << " n " << n << " k " << k;
            }
          }
        }
      }
    }
  }
}

// Row counts and depths of real models (up to 3 x 128 rows, up to 1,027 steps of k), where the
// vector code runs many full tiles and long sums.
TEST_P(PackedGemmTest, LargeProblemsKeepTheScalarBits) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  const KernelTable* reference = kernel_table(Isa::kScalar);
  std::mt19937 rng(34);
  for (size_t m : {127, 193, 391}) {
    for (size_t k : {511, 768, 1027}) {
      const size_t n = 33;
      Problem problem(m, n, k, rng);
      GuardedBuffer y(m * problem.ld_y), expected(m * problem.ld_y);
      table->linear_packed(problem.x_tiles.data(), problem.packed.data(), problem.bias.data(),
                           Activation::kIdentity, y.data(), problem.ld_y, m, n, k, 0,
                           packed_panels(n));
      reference->linear_packed(problem.x_tiles.data(), problem.packed.data(), problem.bias.data(),
                               Activation::kIdentity, expected.data(), problem.ld_y, m, n, k, 0,
                               packed_panels(n));
      ASSERT_TRUE(y.guard_intact()) << "m " << m << " k " << k;
      for (size_t i = 0; i < m; ++i) {
        for (size_t j = 0; j < n; ++j) {
          ASSERT_EQ(y[i * problem.ld_y + j], expected[i * problem.ld_y + j])
              << "m " << m << " k " << k << " row " << i << " column " << j;
        }
      }
    }
  }
}

// Enough rows that the packed x passes 1 MiB (the AVX-512 kernel then blocks k by 768 steps and
// the columns by 384, summing each block onto the last), k over two blocks, columns over two
// blocks from a panel range that starts inside one, and an activation after the last block: the
// scalar bits still, and nothing written outside the range.
TEST_P(PackedGemmTest, ManyRowsKeepTheScalarBitsAcrossBlocksOfStepsAndColumns) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  const KernelTable* reference = kernel_table(Isa::kScalar);
  std::mt19937 rng(36);
  const size_t m = 301, n = 420, k = 1541, panel_begin = 2, panel_end = packed_panels(n);
  ASSERT_GT(row_tile_floats(m, k) * sizeof(float), size_t(1) << 20);
  Problem problem(m, n, k, rng);
  for (Activation act : {Activation::kIdentity, Activation::kGelu}) {
    GuardedBuffer y(m * problem.ld_y), expected(m * problem.ld_y);
    table->linear_packed(problem.x_tiles.data(), problem.packed.data(), problem.bias.data(), act,
                         y.data(), problem.ld_y, m, n, k, panel_begin, panel_end);
    reference->linear_packed(problem.x_tiles.data(), problem.packed.data(), problem.bias.data(),
                             Activation::kIdentity, expected.data(), problem.ld_y, m, n, k,
                             panel_begin, panel_end);
    for (size_t i = 0; i < m; ++i) {
      table->bias_activation(expected.data() + i * problem.ld_y + panel_begin * kPackedPanel,
                             nullptr, 1, n - panel_begin * kPackedPanel, act);
    }
    ASSERT_TRUE(y.guard_intact());
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = 0; j < problem.ld_y; ++j) {
        ASSERT_EQ(y[i * problem.ld_y + j], expected[i * problem.ld_y + j])
            << "activation " << int(act) << " row " << i << " column " << j;
      }
    }
  }
}

TEST_P(PackedGemmTest, PanelRangesTileTheOutput) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  std::mt19937 rng(32);
  const size_t m = 9, n = 70, k = 40;
  Problem problem(m, n, k, rng);
  GuardedBuffer whole(m * problem.ld_y), pieces(m * problem.ld_y);
  const size_t panels = packed_panels(n);
  table->linear_packed(problem.x_tiles.data(), problem.packed.data(), problem.bias.data(),
                       Activation::kIdentity, whole.data(), problem.ld_y, m, n, k, 0, panels);
  for (size_t begin = 0; begin < panels; begin += 2) {
    table->linear_packed(problem.x_tiles.data(), problem.packed.data(), problem.bias.data(),
                         Activation::kIdentity, pieces.data(), problem.ld_y, m, n, k, begin,
                         std::min(panels, begin + 2));
  }
  for (size_t i = 0; i < m * problem.ld_y; ++i) ASSERT_EQ(whole[i], pieces[i]) << i;
  EXPECT_TRUE(pieces.guard_intact());
}

TEST_P(PackedGemmTest, ARowGetsTheSameBitsAloneOrAmongOthers) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  std::mt19937 rng(33);
  const size_t m = 29, n = 48, k = 256;
  Problem problem(m, n, k, rng);
  GuardedBuffer together(m * problem.ld_y);
  table->linear_packed(problem.x_tiles.data(), problem.packed.data(), problem.bias.data(),
                       Activation::kIdentity, together.data(), problem.ld_y, m, n, k, 0,
                       packed_panels(n));
  for (size_t row = 0; row < m; ++row) {
    GuardedBuffer alone(problem.ld_y);
    AlignedBuffer one_row(row_tile_floats(1, k));
    pack_rows(problem.x.data() + row * problem.ld_x, problem.ld_x, 1, k, one_row.data());
    table->linear_packed(one_row.data(), problem.packed.data(), problem.bias.data(),
                         Activation::kIdentity, alone.data(), problem.ld_y, 1, n, k, 0,
                         packed_panels(n));
    for (size_t j = 0; j < n; ++j) ASSERT_EQ(alone[j], together[row * problem.ld_y + j]) << row;
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, PackedGemmTest, ::testing::ValuesIn(all_isas()), isa_param_name);

TEST(PackWeightsTest, PanelsHoldColumnsAndZeroPadding) {
  const size_t n = 19, k = 3;
  std::vector<float> w(n * k), packed(packed_floats(n, k), -1.0f);
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(i);
  pack_weights(w.data(), n, k, packed.data());
  ASSERT_EQ(packed.size(), 2 * k * kPackedPanel);
  for (size_t panel = 0; panel < 2; ++panel) {
    for (size_t p = 0; p < k; ++p) {
      for (size_t c = 0; c < kPackedPanel; ++c) {
        const size_t column = panel * kPackedPanel + c;
        const float want = column < n ? w[column * k + p] : 0.0f;
        EXPECT_EQ(packed[(panel * k + p) * kPackedPanel + c], want);
      }
    }
  }
}

// PackedWeights packs weights with the ISA's pack_rows: the two layouts must be one.
TEST(PackWeightsTest, IsPackRowsOfTheWeightRows) {
  for (size_t n : {1, 16, 19, 40}) {
    for (size_t k : {1, 9, 24}) {
      std::vector<float> w(n * k);
      for (size_t i = 0; i < w.size(); ++i) w[i] = float(i) + 0.5f;
      std::vector<float> by_weights(packed_floats(n, k), -1.0f), by_rows(row_tile_floats(n, k));
      pack_weights(w.data(), n, k, by_weights.data());
      pack_rows(w.data(), k, n, k, by_rows.data());
      ASSERT_EQ(by_weights, by_rows) << "n " << n << " k " << k;
    }
  }
}

// A model file may hold weights packed; the OpenBLAS path unpacks them back to [n, k].
TEST(UnpackWeightsTest, InvertsPackWeights) {
  for (size_t n : {1, 15, 16, 19, 40}) {
    for (size_t k : {1, 9, 24}) {
      std::vector<float> w(n * k);
      for (size_t i = 0; i < w.size(); ++i) w[i] = float(i) - 7.25f;
      std::vector<float> packed(packed_floats(n, k)), back(n * k, -1.0f);
      pack_weights(w.data(), n, k, packed.data());
      unpack_weights(packed.data(), n, k, back.data());
      ASSERT_EQ(back, w) << "n " << n << " k " << k;
    }
  }
}

TEST(PackRowsTest, TilesHoldRowsStepMajorAndZeroPadding) {
  const size_t m = 19, k = 5, ld_x = 7;
  std::vector<float> x(m * ld_x), tiles(row_tile_floats(m, k), -1.0f);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i);
  pack_rows(x.data(), ld_x, m, k, tiles.data());
  ASSERT_EQ(tiles.size(), 2 * k * kRowTile);
  for (size_t tile = 0; tile < 2; ++tile) {
    for (size_t p = 0; p < k; ++p) {
      for (size_t r = 0; r < kRowTile; ++r) {
        const size_t row = tile * kRowTile + r;
        const float want = row < m ? x[row * ld_x + p] : 0.0f;
        EXPECT_EQ(tiles[(tile * k + p) * kRowTile + r], want) << "row " << row << " step " << p;
      }
    }
  }
}

// Each ISA's pack_rows copies exactly what the portable one does, zero padding included, for
// partial tiles, steps that are no multiple of 8 and rows with gaps between them.
TEST_P(PackedGemmTest, PackRowsCopiesThePortableLayout) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  std::mt19937 rng(36);
  for (size_t m : {1, 7, 15, 16, 17, 32, 45}) {
    for (size_t k : {1, 7, 8, 9, 16, 70}) {
      const size_t ld_x = k + 3;
      std::vector<float> x(m * ld_x);
      fill_uniform(x.data(), x.size(), rng, -1.0f, 1.0f);
      std::vector<float> got(row_tile_floats(m, k), -1.0f), want(row_tile_floats(m, k), -2.0f);
      table->pack_rows(x.data(), ld_x, m, k, got.data());
      pack_rows(x.data(), ld_x, m, k, want.data());
      ASSERT_EQ(got, want) << "m " << m << " k " << k;
    }
  }
}

// The activation in the epilogue gives the bits of this ISA's bias_activation run afterwards, for
// every activation, on tiles cut short by m and n.
TEST_P(PackedGemmTest, ActivationEpilogueEqualsActivatingAfterwards) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  std::mt19937 rng(35);
  const size_t m = 21, n = 37, k = 50;
  Problem problem(m, n, k, rng);
  for (Activation act : {Activation::kGelu, Activation::kGeluTanh, Activation::kRelu,
                         Activation::kTanh, Activation::kSilu}) {
    GuardedBuffer fused(m * problem.ld_y), after(m * problem.ld_y);
    table->linear_packed(problem.x_tiles.data(), problem.packed.data(), problem.bias.data(), act,
                         fused.data(), problem.ld_y, m, n, k, 0, packed_panels(n));
    table->linear_packed(problem.x_tiles.data(), problem.packed.data(), problem.bias.data(),
                         Activation::kIdentity, after.data(), problem.ld_y, m, n, k, 0,
                         packed_panels(n));
    for (size_t i = 0; i < m; ++i)
      table->bias_activation(after.data() + i * problem.ld_y, nullptr, 1, n, act);
    ASSERT_TRUE(fused.guard_intact());
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = 0; j < problem.ld_y; ++j) {
        ASSERT_EQ(fused[i * problem.ld_y + j], after[i * problem.ld_y + j])
            << "activation " << int(act) << " row " << i << " column " << j;
      }
    }
  }
}

}  // namespace
}  // namespace roformer::kernels::testing
