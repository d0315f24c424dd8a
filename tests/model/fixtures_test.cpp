// Every request and every output of every fixture case, through converter + loader + executor,
// against the reference PyTorch outputs, on every ISA this CPU has.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/cpu_features.hpp"
#include "engine/error.hpp"
#include "model_test_util.hpp"

namespace roformer::test {
namespace {

struct Mismatch {
  size_t count = 0;
  float worst = 0.0f;
  std::string first;
};

// actual, expected: [rows, width] for one sequence; only positions with mask 1 are compared
// (padded positions are undefined in the references), `per_position` false compares all.
void compare(const std::vector<float>& actual, const float* expected, size_t positions,
             size_t width, const std::vector<uint8_t>& mask, bool per_position,
             const std::string& what, Mismatch& out) {
  ASSERT_EQ(actual.size(), positions * width) << what;
  for (size_t p = 0; p < positions; ++p) {
    if (per_position && !mask.empty() && !mask[p]) continue;
    for (size_t i = 0; i < width; ++i) {
      float a = actual[p * width + i], e = expected[p * width + i];
      float diff = std::abs(a - e);
      out.worst = std::max(out.worst, diff);
      if (!(diff <= kFixtureAtol + kFixtureRtol * std::abs(e))) {
        if (out.count++ == 0) {
          out.first = what + " position " + std::to_string(p) + " index " + std::to_string(i) +
                      ": got " + std::to_string(a) + ", expected " + std::to_string(e);
        }
      }
    }
  }
}

void check_case(const std::string& name) {
  try {
    active_kernels();
  } catch (const Error& e) {
    GTEST_SKIP() << "ROFORMER_ISA asks for what this CPU lacks: " << e.what();
  }
  auto model = Model::load(converted_fixture(name));
  const ModelConfig& c = model->config();
  auto expected =
      checkpoint::read_safetensors((fixture_dir(name) / "expected.safetensors").string());
  Session session(model);
  RunOptions options;
  options.last_hidden_state = true;
  size_t outputs_checked = 0;
  for (const auto& request : read_fixture_inputs(name)) {
    auto rows = session.run(request.rows, options);
    auto check = [&](const std::string& output, std::vector<float> SequenceOutput::*field,
                     size_t width, bool per_position) {
      auto it = expected.find(request.name + "." + output);
      ASSERT_NE(it, expected.end())
          << "expected.safetensors has no " << request.name << "." << output;
      const size_t length = request.rows[0].input_ids.size();
      const size_t positions = per_position ? length : 1;
      Mismatch mismatch;
      for (size_t b = 0; b < rows.size(); ++b) {
        compare(rows[b].*field, it->second.values.data() + b * positions * width, positions, width,
                request.rows[b].attention_mask, per_position,
                request.name + "." + output + " row " + std::to_string(b), mismatch);
      }
      EXPECT_EQ(mismatch.count, 0u) << mismatch.first << " (worst " << mismatch.worst << ")";
      ++outputs_checked;
    };
    check("last_hidden_state", &SequenceOutput::last_hidden_state, c.hidden_size, true);
    if (c.has_pooler) check("pooler_output", &SequenceOutput::pooler_output, c.hidden_size, false);
    switch (c.head) {
      case HeadKind::kNone:
        break;
      case HeadKind::kSequenceClassification:
        check("logits", &SequenceOutput::logits, c.labels.size(), false);
        break;
      case HeadKind::kTokenClassification:
        check("logits", &SequenceOutput::logits, c.labels.size(), true);
        break;
      case HeadKind::kMaskedLm:
        check("prediction_scores", &SequenceOutput::prediction_scores, c.vocab_size, true);
        break;
      case HeadKind::kQuestionAnswering:
        check("start_logits", &SequenceOutput::start_logits, 1, true);
        check("end_logits", &SequenceOutput::end_logits, 1, true);
        break;
    }
  }
  // Every expected tensor was compared: a fixture output the engine forgot would fail here.
  EXPECT_EQ(outputs_checked, expected.size()) << name;
}

class FixtureCase : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureCase, MatchesReferenceOutputs) { check_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(AllCases, FixtureCase,
                         ::testing::Values("v1_seqcls", "v1_mlm_embproj", "v1_tokcls_rotary_value",
                                           "v1_pooler_sim", "v1_qa", "v1_base_shapes", "v2_mlm",
                                           "v2_seqcls"));

// A row of a padded batch gives what the same row gives alone, trimmed to its real length.
TEST(Batching, PaddedRowEqualsRowAlone) {
  auto model = Model::load(converted_fixture("v1_seqcls"));
  Session session(model);
  RunOptions options;
  options.last_hidden_state = true;
  for (const auto& request : read_fixture_inputs("v1_seqcls")) {
    if (request.name != "batch3_padded") continue;
    auto batch = session.run(request.rows, options);
    for (size_t b = 0; b < request.rows.size(); ++b) {
      SequenceInput alone = request.rows[b];
      size_t real = 0;
      while (real < alone.attention_mask.size() && alone.attention_mask[real]) ++real;
      alone.input_ids.resize(real);
      alone.token_type_ids.resize(real);
      alone.attention_mask.clear();
      auto single = session.run({alone}, options);
      const size_t hidden = model->config().hidden_size;
      for (size_t i = 0; i < real * hidden; ++i) {
        ASSERT_NEAR(batch[b].last_hidden_state[i], single[0].last_hidden_state[i], 1e-5)
            << "row " << b << " element " << i;
      }
      for (size_t i = 0; i < batch[b].logits.size(); ++i) {
        EXPECT_NEAR(batch[b].logits[i], single[0].logits[i], 1e-5) << "row " << b;
      }
    }
    return;
  }
  FAIL() << "v1_seqcls has no batch3_padded request";
}

// How far a text's result in a batch may be from its run alone: not a bit on AVX2 and AVX-512,
// whose GEMM sums a row in one order wherever it sits; rounding on the scalar path, whose GEMM is
// OpenBLAS (a row's last bits depend on its place in the call).
float batching_tolerance() { return active_kernels().isa == kernels::Isa::kScalar ? 1e-5f : 0.0f; }

// Runs `texts` as one batch and each alone; every text's hidden states and logits must agree
// within batching_tolerance().
void expect_each_text_matches_its_run_alone(const std::vector<SequenceInput>& texts) {
  auto model = Model::load(converted_fixture("v1_seqcls"));
  Session session(model);
  RunOptions options;
  options.last_hidden_state = true;
  auto together = session.run(texts, options);
  for (size_t i = 0; i < texts.size(); ++i) {
    auto alone = session.run({texts[i]}, options);
    const std::pair<const std::vector<float>*, const std::vector<float>*> fields[] = {
        {&alone[0].last_hidden_state, &together[i].last_hidden_state},
        {&alone[0].logits, &together[i].logits}};
    for (const auto& [want, got] : fields) {
      ASSERT_EQ(want->size(), got->size()) << "text " << i;
      for (size_t j = 0; j < want->size(); ++j) {
        ASSERT_NEAR((*want)[j], (*got)[j], batching_tolerance()) << "text " << i << " element " << j;
      }
    }
  }
}

// Grouping texts differently never changes a text's result.
TEST(Batching, ResultIndependentOfBatchComposition) {
  std::vector<SequenceInput> texts;
  for (int length : {3, 17, 9, 1, 40}) {
    SequenceInput input;
    for (int t = 0; t < length; ++t) input.input_ids.push_back(5 + (t * 37 + length) % 900);
    texts.push_back(input);
  }
  expect_each_text_matches_its_run_alone(texts);
}

// More tokens than one call of the packed GEMM takes (512 rows on AVX-512, 128 on AVX2): the calls
// over later rows must land on those rows, with the same bits.
TEST(Batching, TextsPastTheFirstPackedCallMatchTheirRunAlone) {
  std::vector<SequenceInput> texts;
  for (int i = 0; i < 13; ++i) {
    SequenceInput input;
    const int length = i == 12 ? 7 : 50 + i;
    for (int t = 0; t < length; ++t) input.input_ids.push_back(5 + (t * 31 + i * 7) % 900);
    texts.push_back(input);
  }
  expect_each_text_matches_its_run_alone(texts);
}

// Without last_hidden_state the last layer runs for position 0 only (what the pooler and a
// sequence head read); the logits and pooler outputs must equal those of the full last layer.
TEST(Executor, PositionZeroOnlyLastLayerGivesTheSameSequenceOutputs) {
  for (const char* name : {"v1_seqcls", "v1_pooler_sim", "v2_seqcls"}) {
    auto model = Model::load(converted_fixture(name));
    Session session(model);
    RunOptions pruned, full;
    full.last_hidden_state = true;
    for (const auto& request : read_fixture_inputs(name)) {
      auto a = session.run(request.rows, pruned);
      auto b = session.run(request.rows, full);
      ASSERT_EQ(a.size(), b.size());
      for (size_t r = 0; r < a.size(); ++r) {
        EXPECT_TRUE(a[r].last_hidden_state.empty());
        const std::pair<const std::vector<float>*, const std::vector<float>*> fields[] = {
            {&a[r].logits, &b[r].logits}, {&a[r].pooler_output, &b[r].pooler_output}};
        for (const auto& [got, want] : fields) {
          ASSERT_EQ(got->size(), want->size()) << name << " " << request.name;
          for (size_t i = 0; i < got->size(); ++i) {
            ASSERT_NEAR((*got)[i], (*want)[i], 1e-5) << name << " " << request.name << " row " << r;
          }
        }
        EXPECT_FALSE(a[r].logits.empty() && a[r].pooler_output.empty()) << name;
      }
    }
  }
}

TEST(Executor, RejectsIdsOutsideTheVocabulary) {
  auto model = Model::load(converted_fixture("v1_seqcls"));
  Session session(model);
  SequenceInput input;
  input.input_ids = {2, 5000, 3};
  try {
    session.run({input}, RunOptions{});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("5000"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("position 1"), std::string::npos) << e.what();
  }
  input.input_ids.clear();
  EXPECT_THROW(session.run({input}, RunOptions{}), Error);
}

TEST(Executor, ThreadCountDoesNotChangeResults) {
  auto model = Model::load(converted_fixture("v1_seqcls"));
  Session session(model);
  auto requests = read_fixture_inputs("v1_seqcls");
  RunOptions one, two;
  one.last_hidden_state = two.last_hidden_state = true;
  two.threads = 2;
  for (const auto& request : requests) {
    auto a = session.run(request.rows, one);
    auto b = session.run(request.rows, two);
    for (size_t r = 0; r < a.size(); ++r) {
      EXPECT_EQ(a[r].last_hidden_state, b[r].last_hidden_state) << request.name;
      EXPECT_EQ(a[r].logits, b[r].logits) << request.name;
    }
  }
}

// At base width the GEMMs are large enough for two workers. With 2 threads and 320 tokens our
// GEMM splits its rows among the workers (kMinRowsPerWorker), with 3 its output columns: the bits
// must be those of one thread either way.
TEST(Executor, RowAndColumnSplitsGiveOneThreadsBits) {
  auto model = Model::load(converted_fixture("v1_base_shapes"));
  Session session(model);
  std::vector<SequenceInput> texts(2);
  for (size_t s = 0; s < texts.size(); ++s) {
    for (size_t t = 0; t < 160; ++t) texts[s].input_ids.push_back(int32_t(5 + (t * 13 + s) % 900));
  }
  RunOptions one;
  one.last_hidden_state = true;
  const auto want = session.run(texts, one);
  for (int threads : {2, 3}) {
    RunOptions many = one;
    many.threads = threads;
    const auto got = session.run(texts, many);
    for (size_t s = 0; s < texts.size(); ++s) {
      EXPECT_EQ(got[s].last_hidden_state, want[s].last_hidden_state) << threads << " threads";
      EXPECT_EQ(got[s].logits, want[s].logits) << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace roformer::test
