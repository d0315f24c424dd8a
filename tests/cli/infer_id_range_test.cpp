// An id in infer's inputs.json that is an integer but outside int32 is said to be out of range,
// with the range, not "expected integers"; a non-integer is still "expected integers".
#include <gtest/gtest.h>

#include <fstream>

#include "cli_runner.hpp"

namespace roformer::test {
namespace {

CliResult infer_with_ids(const std::string& field, const std::string& id) {
  const std::string inputs = (cli_scratch_dir() / "id_range_inputs.json").string();
  std::ofstream(inputs, std::ios::trunc)
      << "[{\"name\":\"r\",\"input_ids\":[[2,5,3]],\"" << field << "\":[[0," << id << ",0]]}]";
  return run_cli({"infer", "--model", converted_fixture_model("v1_seqcls"), "--inputs", inputs,
                  "--out", (cli_scratch_dir() / "id_range.safetensors").string()});
}

TEST(CliInferIdRange, AnIntegerBeyondInt32IsOutOfRangeWithTheRange) {
  // 2^32 + 2, below INT32_MIN, and 2^64 - 1 (which as a signed 64-bit value would read -1).
  for (const std::string id : {"4294967298", "-2147483649", "18446744073709551615"}) {
    for (const std::string field : {"input_ids", "token_type_ids", "attention_mask"}) {
      const CliResult result = infer_with_ids(field, id);
      EXPECT_EQ(result.exit_code, 1) << field << " " << id;
      EXPECT_EQ(result.err, "roformer: error: request r: " + field + " holds " + id +
                                ", which is out of range (expected an integer from -2147483648 "
                                "to 2147483647)\n");
    }
  }
}

TEST(CliInferIdRange, ANonIntegerIsStillNotAnInteger) {
  const CliResult result = infer_with_ids("token_type_ids", "1.5");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "roformer: error: request r: token_type_ids holds 1.5, expected integers\n");
}

}  // namespace
}  // namespace roformer::test
