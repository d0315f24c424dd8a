// The two ways a model file stores linear weights (roformer.weight_layout): rows, PyTorch's
// [out, in], and panels16, already packed for the GEMM. Both give the same bits on every ISA, a
// panels file is used from the mapping without a copy, and revision 1 files (before the key)
// still load as rows.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>

#include "engine/cpu_features.hpp"
#include "engine/error.hpp"
#include "kernels/packed_gemm.hpp"
#include "model/gguf/gguf.hpp"
#include "model_test_util.hpp"

namespace roformer::test {
namespace {

using Edit = std::function<void(gguf::Writer&)>;

// A copy of `source` with its metadata passed through `edit` (after copying) and every tensor as
// it is; returns the copy's path.
std::string rewritten(const std::string& source, const std::string& name, const Edit& edit) {
  auto file = gguf::File::open(source);
  gguf::Writer writer;
  for (const auto& [key, value] : file->metadata()) writer.set(key, value);
  edit(writer);
  for (const auto& tensor : file->tensors()) {
    writer.add_tensor(tensor.name, tensor.shape, static_cast<const float*>(tensor.data));
  }
  const std::string path = (scratch_dir() / (name + ".gguf")).string();
  writer.write(path);
  return path;
}

// Every output of every request of the fixture, concatenated.
std::vector<float> all_outputs(const std::string& model_path, const std::string& fixture) {
  auto model = Model::load(model_path);
  Session session(model);
  RunOptions options;
  options.last_hidden_state = true;
  std::vector<float> values;
  for (const auto& request : read_fixture_inputs(fixture)) {
    for (const auto& row : session.run(request.rows, options)) {
      for (const auto* field : {&row.last_hidden_state, &row.logits, &row.prediction_scores,
                                &row.start_logits, &row.end_logits, &row.pooler_output}) {
        values.insert(values.end(), field->begin(), field->end());
      }
    }
  }
  return values;
}

std::string load_error(const std::string& path) {
  try {
    Model::load(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadModel) << e.what();
    return e.what();
  }
  ADD_FAILURE() << path << " loaded";
  return "";
}

class WeightLayoutCase : public ::testing::TestWithParam<std::string> {};

TEST_P(WeightLayoutCase, RowsAndPanelsGiveTheSameBits) {
  const std::string& fixture = GetParam();
  const auto rows = all_outputs(converted_fixture(fixture, WeightLayout::kRows), fixture);
  const auto panels = all_outputs(converted_fixture(fixture, WeightLayout::kPanels16), fixture);
  ASSERT_FALSE(rows.empty());
  ASSERT_EQ(rows.size(), panels.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i], panels[i]) << fixture << " value " << i << " of " << rows.size();
  }
}

INSTANTIATE_TEST_SUITE_P(AllCases, WeightLayoutCase,
                         ::testing::Values("v1_seqcls", "v1_mlm_embproj", "v1_tokcls_rotary_value",
                                           "v1_pooler_sim", "v1_qa", "v2_mlm", "v2_seqcls"));

// The same tensors in the same order; each linear weight is pack_weights of its rows.
TEST(WeightLayout, PanelsFileHoldsThePackedRowsOfTheRowsFile) {
  auto rows = gguf::File::open(converted_fixture("v1_mlm_embproj", WeightLayout::kRows));
  auto panels = gguf::File::open(converted_fixture("v1_mlm_embproj", WeightLayout::kPanels16));
  EXPECT_EQ(rows->get_string("roformer.weight_layout"), "rows");
  EXPECT_EQ(panels->get_string("roformer.weight_layout"), "panels16");
  ASSERT_EQ(rows->tensors().size(), panels->tensors().size());
  size_t packed = 0;
  for (size_t t = 0; t < rows->tensors().size(); ++t) {
    const auto& row_tensor = rows->tensors()[t];
    const auto& panel_tensor = panels->tensors()[t];
    ASSERT_EQ(row_tensor.name, panel_tensor.name);
    const auto* row_data = static_cast<const float*>(row_tensor.data);
    const auto* panel_data = static_cast<const float*>(panel_tensor.data);
    if (row_tensor.shape == panel_tensor.shape) {
      const size_t count = row_tensor.size_bytes / sizeof(float);
      EXPECT_EQ(std::vector<float>(row_data, row_data + count),
                std::vector<float>(panel_data, panel_data + count))
          << row_tensor.name;
      continue;
    }
    ++packed;
    const size_t out = row_tensor.shape[0], in = row_tensor.shape[1];
    ASSERT_EQ(panel_tensor.shape,
              (std::vector<uint64_t>{kernels::packed_panels(out), in, kernels::kPackedPanel}))
        << panel_tensor.name;
    std::vector<float> want(kernels::packed_floats(out, in));
    kernels::pack_weights(row_data, out, in, want.data());
    EXPECT_EQ(std::vector<float>(panel_data, panel_data + want.size()), want) << row_tensor.name;
  }
  // embd_proj, 2 layers of qkv, attn_out, ffn_up and ffn_down, mlm.dense; token_embd stays rows.
  EXPECT_EQ(packed, 10u);
}

// The first pass reads the panels where the file maps them, the second copies them into 2 MB
// pages; only the OpenBLAS path (scalar) copies each matrix, once, back into rows.
TEST(WeightLayout, PanelsAreReadFromTheMappingOnceThenFromACopy) {
  auto model = Model::load(converted_fixture("v1_seqcls", WeightLayout::kPanels16));
  EXPECT_EQ(model->weights().layout, WeightLayout::kPanels16);
  Session session(model);
  const auto batch = read_fixture_inputs("v1_seqcls").front().rows;
  const bool blas = active_kernels().isa == kernels::Isa::kScalar;
  // 2 layers of qkv, attn_out, ffn_up, ffn_down, then cls.dense and cls.out
  const size_t matrices = 2 * 4 + 2;
  const auto first = session.run(batch, RunOptions{});
  EXPECT_EQ(model->packed_weights().count(), blas ? matrices : 0u);
  const auto second = session.run(batch, RunOptions{});
  EXPECT_EQ(model->packed_weights().count(), matrices);
  const auto third = session.run(batch, RunOptions{});
  EXPECT_EQ(model->packed_weights().count(), matrices);
  ASSERT_EQ(first.size(), batch.size());
  for (size_t s = 0; s < first.size(); ++s) {
    EXPECT_EQ(first[s].logits, second[s].logits) << "sequence " << s;
    EXPECT_EQ(first[s].logits, third[s].logits) << "sequence " << s;
  }
}

TEST(WeightLayout, RevisionOneFilesLoadAsRows) {
  const std::string rows = converted_fixture("v1_seqcls", WeightLayout::kRows);
  const std::string old = rewritten(rows, "revision1", [](gguf::Writer& writer) {
    writer.set("roformer.file_revision", uint32_t(1));
    writer.set("roformer.weight_layout", std::string("ignored by revision 1"));
  });
  EXPECT_EQ(Model::load(old)->weights().layout, WeightLayout::kRows);
  EXPECT_EQ(all_outputs(old, "v1_seqcls"), all_outputs(rows, "v1_seqcls"));
}

TEST(WeightLayout, RefusesUnknownLayoutsRevisionsAndMismatchedShapes) {
  const std::string rows = converted_fixture("v1_seqcls", WeightLayout::kRows);
  const std::string panels = converted_fixture("v1_seqcls", WeightLayout::kPanels16);
  std::string message = load_error(rewritten(rows, "columns", [](gguf::Writer& writer) {
    writer.set("roformer.weight_layout", std::string("columns"));
  }));
  EXPECT_NE(message.find("roformer.weight_layout = \"columns\", expected rows or panels16"),
            std::string::npos)
      << message;
  message = load_error(rewritten(rows, "revision3", [](gguf::Writer& writer) {
    writer.set("roformer.file_revision", uint32_t(3));
  }));
  EXPECT_NE(message.find("revision 3, this build reads revisions 1 to 2"), std::string::npos)
      << message;
  // Panels labelled as rows: the first packed weight has the wrong shape for rows.
  message = load_error(rewritten(panels, "mislabelled", [](gguf::Writer& writer) {
    writer.set("roformer.weight_layout", std::string("rows"));
  }));
  EXPECT_NE(message.find("blk.0.attn_qkv.weight should be F32 [192, 64], found F32 [12, 64, 16]"),
            std::string::npos)
      << message;
  message = load_error(rewritten(rows, "mislabelled_rows", [](gguf::Writer& writer) {
    writer.set("roformer.weight_layout", std::string("panels16"));
  }));
  EXPECT_NE(message.find("should be F32 [12, 64, 16] ([192, 64] in panels), found F32 [192, 64]"),
            std::string::npos)
      << message;
}

// A file whose general.alignment is edited from 64 to 1 after writing is still a valid GGUF (the
// data section moves to the first byte past the header), but its panels no longer start on a
// 64-byte line, which the GEMM's aligned loads need: refused at load, not a crash in the first
// pass.
TEST(WeightLayout, RefusesPanelsOffA64ByteLine) {
  const std::string source = converted_fixture("v1_tokcls_rotary_value");
  std::ifstream in(source, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string key = "general.alignment";
  const size_t at = bytes.find(key);
  ASSERT_NE(at, std::string::npos);
  // The key, its value type (uint32, 4 bytes), then the value.
  const size_t value = at + key.size() + 4;
  uint32_t stored = 0;
  std::memcpy(&stored, bytes.data() + value, sizeof(stored));
  ASSERT_EQ(stored, 64u);
  const uint32_t one = 1;
  std::memcpy(bytes.data() + value, &one, sizeof(one));
  const std::string path = (scratch_dir() / "alignment1.gguf").string();
  std::ofstream(path, std::ios::binary) << bytes;

  // Still a valid GGUF, whose data section now starts off a 64-byte line.
  ASSERT_NE(gguf::File::open(path)->data_offset() % 64, 0u);
  const std::string message = load_error(path);
  EXPECT_NE(message.find("bytes past a 64-byte line (general.alignment 1)"), std::string::npos) << message;
  EXPECT_NE(message.find("re-run roformer convert"), std::string::npos) << message;
}

TEST(WeightLayout, ParsesTheTwoNamesOnly) {
  EXPECT_EQ(parse_weight_layout("rows"), WeightLayout::kRows);
  EXPECT_EQ(parse_weight_layout("panels16"), WeightLayout::kPanels16);
  try {
    parse_weight_layout("Rows");
    FAIL() << "accepted Rows";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("\"Rows\", expected rows or panels16"), std::string::npos);
  }
}

}  // namespace
}  // namespace roformer::test
