// Raw token ids through the C and the C++ API: what they refuse before running and what they warn
// about.
#include <gtest/gtest.h>

#include <roformer/roformer.h>
#include <roformer/roformer.hpp>

#include <memory>
#include <string>
#include <vector>

#include "api_test_data.hpp"

namespace roformer::api_test {
namespace {

std::shared_ptr<const api::Model> loaded_model() {
  static const auto model = api::Model::load(default_model_path());
  return model;
}

// A C model and session, freed at the end of the test.
struct CSession {
  std::unique_ptr<roformer_model, void (*)(roformer_model*)> model{nullptr, roformer_model_free};
  std::unique_ptr<roformer_session, void (*)(roformer_session*)> session{nullptr,
                                                                         roformer_session_free};
  CSession() {
    roformer_model* m = nullptr;
    roformer_session* s = nullptr;
    EXPECT_EQ(roformer_model_load(default_model_path().c_str(), &m), ROFORMER_OK)
        << roformer_last_error();
    model.reset(m);
    EXPECT_EQ(roformer_session_create(m, &s), ROFORMER_OK) << roformer_last_error();
    session.reset(s);
  }
};

// [CLS] 房间很干净 [SEP]
std::vector<int32_t> review_ids() { return loaded_model()->tokenize("房间很干净").input_ids; }

TEST(RawIds, CApiRefusesAttentionMaskValuesOtherThanZeroAndOne) {
  CSession c;
  const std::vector<int32_t> ids = review_ids();
  std::vector<uint8_t> mask(ids.size(), 1);
  mask[2] = 2;
  float* values = nullptr;
  size_t count = 0;
  EXPECT_EQ(roformer_run_ids(c.session.get(), ids.data(), nullptr, mask.data(), ids.size(),
                             &values, &count),
            ROFORMER_BAD_INPUT);
  EXPECT_STREQ(roformer_last_error(),
               "sequence 0 position 2: attention_mask is 2, expected 0 (padding) or 1 (a real "
               "token)");
  EXPECT_EQ(values, nullptr);

  // 0 and 1 run: the last token as padding.
  mask[2] = 1;
  mask.back() = 0;
  ASSERT_EQ(roformer_run_ids(c.session.get(), ids.data(), nullptr, mask.data(), ids.size(),
                             &values, &count),
            ROFORMER_OK)
      << roformer_last_error();
  EXPECT_EQ(count, 2u);
  roformer_free(values);
}

TEST(RawIds, CppApiRefusesAttentionMaskValuesOtherThanZeroAndOne) {
  api::Session session(loaded_model());
  api::TokenInput good{review_ids(), {}, {}};
  api::TokenInput bad = good;
  bad.attention_mask.assign(bad.input_ids.size(), 1);
  bad.attention_mask[0] = 255;
  try {
    session.run({good, bad});
    ADD_FAILURE() << "an attention_mask value of 255 ran";
  } catch (const api::Error& e) {
    EXPECT_EQ(e.code(), api::ErrorCode::kBadInput);
    EXPECT_STREQ(e.what(),
                 "sequence 1 position 0: attention_mask is 255, expected 0 (padding) or 1 (a real "
                 "token)");
  }
}

}  // namespace
}  // namespace roformer::api_test
