// The fused rotary attention on every compiled ISA against a double-precision reference that
// rotates, scores, masks and normalises naively (full score matrix), plus its invariants.
#include <limits>

#include "kernel_test_util.hpp"
#include "rotary_reference.hpp"

namespace roformer::kernels::testing {
namespace {

// Outputs are convex combinations of values in [-1, 1]; the error is the float rounding of the
// scores (head_dim terms) passed through exp, about 1e-6 at head_dim 128.
constexpr double kAttentionTolerance = 5e-6;

enum class MaskKind { kNone, kAllReal, kHoles, kAllMasked };

struct Problem {
  size_t seq, head_dim, ld_qkv, ld_out;
  bool rotary_value;
  std::vector<uint8_t> mask;  // empty for MaskKind::kNone
  GuardedBuffer qkv, out;
  RotaryAngles angles;

  Problem(size_t seq_, size_t head_dim_, bool rotary_value_, MaskKind mask_kind, std::mt19937& rng)
      : seq(seq_),
        head_dim(head_dim_),
        ld_qkv(3 * head_dim_ + 1),  // q | k | v per row, rows an odd number of floats apart
        ld_out(head_dim_ + 5),
        rotary_value(rotary_value_),
        qkv(seq_ * (3 * head_dim_ + 1)),
        out(seq_ * (head_dim_ + 5)),
        angles(seq_, head_dim_) {
    fill_uniform(qkv.data(), seq * ld_qkv, rng, -1.0f, 1.0f);
    // Sharper attention than uniform inputs give: scale q up so scores span a wide range.
    for (size_t i = 0; i < seq; ++i) {
      for (size_t d = 0; d < head_dim; ++d) qkv[i * ld_qkv + d] *= 3.0f;
    }
    if (mask_kind != MaskKind::kNone) {
      mask.assign(seq, mask_kind == MaskKind::kAllMasked ? 0 : 1);
      if (mask_kind == MaskKind::kHoles) {
        std::bernoulli_distribution hole(0.3);
        for (size_t j = 0; j < seq; ++j) mask[j] = hole(rng) ? 0 : 1;
        if (seq > 2) mask[seq - 1] = 0;  // a masked key at the very end as well
      }
    }
  }

  const float* q() const { return qkv.data(); }
  const float* k() const { return qkv.data() + head_dim; }
  const float* v() const { return qkv.data() + 2 * head_dim; }
  float* k() { return qkv.data() + head_dim; }
  float* v() { return qkv.data() + 2 * head_dim; }

  // Computes the first `queries` queries (every query by default).
  void run(const KernelTable& table, size_t queries = SIZE_MAX) {
    AlignedBuffer scratch(attention_scratch_floats(seq, head_dim));
    AttentionArgs args{};
    args.queries = std::min(queries, seq);
    args.q = q();
    args.k = k();
    args.v = v();
    args.ld_qkv = ld_qkv;
    args.out = out.data();
    args.ld_out = ld_out;
    args.seq = seq;
    args.head_dim = head_dim;
    args.cos = angles.cos.data();
    args.sin = angles.sin.data();
    args.key_mask = mask.empty() ? nullptr : mask.data();
    args.rotary_value = rotary_value;
    args.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    args.scratch = scratch.data();
    table.attention(args);
  }

  // out: [seq, head_dim] in double.
  std::vector<double> reference() const {
    const size_t half = head_dim / 2;
    std::vector<double> rq(seq * head_dim), rk(seq * head_dim), rv(seq * head_dim);
    for (size_t i = 0; i < seq; ++i) {
      const float* c = &angles.cos[i * half];
      const float* s = &angles.sin[i * half];
      rotate_reference(q() + i * ld_qkv, &rq[i * head_dim], head_dim, c, s);
      rotate_reference(k() + i * ld_qkv, &rk[i * head_dim], head_dim, c, s);
      if (rotary_value) {
        rotate_reference(v() + i * ld_qkv, &rv[i * head_dim], head_dim, c, s);
      } else {
        for (size_t d = 0; d < head_dim; ++d) rv[i * head_dim + d] = v()[i * ld_qkv + d];
      }
    }
    // The kernel receives the scale as a float; use that same value.
    const double scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    std::vector<double> result(seq * head_dim, 0.0), scores(seq);
    for (size_t i = 0; i < seq; ++i) {
      double max = -INFINITY;
      for (size_t j = 0; j < seq; ++j) {
        if (!mask.empty() && mask[j] == 0) continue;
        double dot = 0.0;
        for (size_t d = 0; d < head_dim; ++d) dot += rq[i * head_dim + d] * rk[j * head_dim + d];
        scores[j] = dot * scale;
        max = std::max(max, scores[j]);
      }
      if (max == -INFINITY) continue;  // no real key: zeros
      double sum = 0.0;
      for (size_t j = 0; j < seq; ++j) {
        if (!mask.empty() && mask[j] == 0) continue;
        const double p = std::exp(scores[j] - max);
        sum += p;
        for (size_t d = 0; d < head_dim; ++d) result[i * head_dim + d] += p * rv[j * head_dim + d];
      }
      for (size_t d = 0; d < head_dim; ++d) result[i * head_dim + d] /= sum;
    }
    return result;
  }

  // Checks out against the reference, the gaps between output rows and the guard zone.
  void expect_matches_reference(MaxError& max_error) {
    const std::vector<double> expected = reference();
    for (size_t i = 0; i < seq; ++i) {
      for (size_t d = 0; d < head_dim; ++d) {
        const float actual = out[i * ld_out + d];
        ASSERT_FALSE(std::isnan(actual)) << describe() << " i=" << i << " d=" << d;
        ASSERT_LE(max_error.add(actual, expected[i * head_dim + d]), kAttentionTolerance)
            << describe() << " i=" << i << " d=" << d;
      }
      for (size_t d = head_dim; d < ld_out; ++d) {
        ASSERT_EQ(out[i * ld_out + d], GuardedBuffer::kSentinel) << describe() << " gap written";
      }
    }
    EXPECT_TRUE(out.guard_intact()) << describe();
  }

  std::string describe() const {
    return "seq=" + std::to_string(seq) + " head_dim=" + std::to_string(head_dim) +
           " rotary_value=" + std::to_string(rotary_value) +
           " mask=" + (mask.empty() ? std::string("none") : std::to_string(mask.size()));
  }
};

class AttentionTest : public ::testing::TestWithParam<Isa> {};

MaskKind mask_for(size_t i) {
  static const MaskKind kKinds[] = {MaskKind::kNone, MaskKind::kHoles, MaskKind::kAllReal};
  return kKinds[i % 3];
}

// Every length 1..70 with the model head sizes 16/32/64/128, masks and rotary_value varied.
TEST_P(AttentionTest, ShortSequencesMatchReference) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  MaxError max_error("attention seq 1..70", GetParam());
  std::mt19937 rng(6);
  for (size_t seq = 1; seq <= 70; ++seq) {
    for (size_t head_dim : {16, 32, 64, 128}) {
      Problem problem(seq, head_dim, (seq + head_dim / 16) % 2 == 0, mask_for(seq + head_dim / 16),
                      rng);
      problem.run(*table);
      problem.expect_matches_reference(max_error);
      if (HasFatalFailure()) return;
    }
  }
}

// Head sizes that are not a multiple of the vector width exercise the output tail and padding.
TEST_P(AttentionTest, OddHeadSizesMatchReference) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  MaxError max_error("attention odd head_dim", GetParam());
  std::mt19937 rng(7);
  for (size_t head_dim : {2, 4, 6, 10, 14, 18, 24, 30, 34, 40, 48, 62, 66, 80, 96}) {
    for (size_t seq : {1, 3, 17, 65}) {
      Problem problem(seq, head_dim, seq % 2 == 1, mask_for(seq), rng);
      problem.run(*table);
      problem.expect_matches_reference(max_error);
      if (HasFatalFailure()) return;
    }
  }
}

// Longer sequences cross several key blocks (kAttentionKeyBlock keys each), so the online
// rescaling is exercised.
TEST_P(AttentionTest, LongSequencesMatchReference) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  MaxError max_error("attention seq 71..1024", GetParam());
  std::mt19937 rng(8);
  const size_t lengths[] = {71,  97,  127, 128, 129, 191, 200, 255, 256,
                            257, 320, 383, 400, 511, 512, 513, 600, 1024};
  size_t index = 0;
  for (size_t seq : lengths) {
    const size_t head_dim = seq == 1024 ? 64 : (index % 2 == 0 ? 64 : 16 << (index % 4));
    Problem problem(seq, head_dim, index % 2 == 0,
                    index % 3 == 0 ? MaskKind::kNone : MaskKind::kHoles, rng);
    problem.run(*table);
    problem.expect_matches_reference(max_error);
    if (HasFatalFailure()) return;
    ++index;
  }
}

// Only the leading queries computed (what the last layer of a sequence classifier needs): those
// rows carry the bits of the full run, and the later rows of out are never written.
TEST_P(AttentionTest, LeadingQueriesOnlyKeepTheirBits) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  std::mt19937 rng(12);
  for (size_t seq : {1, 9, 300}) {
    for (size_t queries : {size_t(0), size_t(1), size_t(5), seq}) {
      if (queries > seq) continue;
      std::mt19937 same_rng = rng;  // the same inputs twice
      Problem full(seq, 64, seq % 2 == 1, MaskKind::kHoles, same_rng);
      Problem problem(seq, 64, seq % 2 == 1, MaskKind::kHoles, rng);
      full.run(*table);
      problem.run(*table, queries);
      for (size_t i = 0; i < seq; ++i) {
        for (size_t d = 0; d < problem.ld_out; ++d) {
          const float got = problem.out[i * problem.ld_out + d];
          const float want = i < queries && d < problem.head_dim ? full.out[i * full.ld_out + d]
                                                                 : GuardedBuffer::kSentinel;
          ASSERT_EQ(got, want) << "seq " << seq << " queries " << queries << " row " << i << " d "
                               << d;
        }
      }
    }
  }
}

TEST_P(AttentionTest, AllMaskedGivesZerosNotNan) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  std::mt19937 rng(9);
  for (size_t seq : {1, 2, 7, 64, 65}) {
    Problem problem(seq, 32, seq % 2 == 0, MaskKind::kAllMasked, rng);
    // Garbage in the masked keys and values must not leak into the zeros.
    for (size_t j = 0; j < seq; ++j) {
      problem.k()[j * problem.ld_qkv] = std::numeric_limits<float>::quiet_NaN();
      problem.v()[j * problem.ld_qkv] = std::numeric_limits<float>::infinity();
    }
    problem.run(*table);
    for (size_t i = 0; i < seq; ++i) {
      for (size_t d = 0; d < 32; ++d) {
        ASSERT_EQ(problem.out[i * problem.ld_out + d], 0.0f) << problem.describe();
      }
    }
    EXPECT_TRUE(problem.out.guard_intact());
  }
}

// Changing a masked key's k and v (even to NaN or huge values) must change nothing at all.
TEST_P(AttentionTest, MaskedKeysContributeExactlyNothing) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  std::mt19937 rng(10);
  for (size_t seq : {5, 33, 130}) {
    for (bool rotary_value : {false, true}) {
      Problem problem(seq, 64, rotary_value, MaskKind::kHoles, rng);
      problem.mask[0] = 0;
      problem.mask[1] = 1;
      problem.run(*table);
      const std::vector<float> first(problem.out.data(), problem.out.data() + seq * problem.ld_out);

      for (size_t j = 0; j < seq; ++j) {
        if (problem.mask[j] != 0) continue;
        for (size_t d = 0; d < 64; ++d) {
          problem.k()[j * problem.ld_qkv + d] =
              d % 2 ? 1e30f : std::numeric_limits<float>::quiet_NaN();
          problem.v()[j * problem.ld_qkv + d] = -1e30f;
        }
      }
      problem.run(*table);
      for (size_t i = 0; i < seq * problem.ld_out; ++i) {
        ASSERT_EQ(std::memcmp(&first[i], &problem.out[i], sizeof(float)), 0)
            << problem.describe() << " index " << i;
      }
    }
  }
}

// One real key: every query's output is exactly that key's (rotated) value.
TEST_P(AttentionTest, SingleRealKeyCopiesItsValue) {
  ROFORMER_TABLE_OR_SKIP(GetParam());
  std::mt19937 rng(11);
  Problem problem(9, 16, /*rotary_value=*/false, MaskKind::kAllMasked, rng);
  problem.mask[4] = 1;
  problem.run(*table);
  for (size_t i = 0; i < 9; ++i) {
    for (size_t d = 0; d < 16; ++d) {
      EXPECT_NEAR(problem.out[i * problem.ld_out + d], problem.v()[4 * problem.ld_qkv + d], 1e-6);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, AttentionTest, ::testing::ValuesIn(all_isas()), isa_param_name);

}  // namespace
}  // namespace roformer::kernels::testing
