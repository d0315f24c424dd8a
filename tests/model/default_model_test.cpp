// The shipped model on the 1,000 held-out ChnSentiCorp reviews, from raw text through our
// tokenizer: the reference ids, the reference logits, the reference accuracy.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "model_test_util.hpp"

namespace roformer::test {
namespace {

struct Review {
  std::string text;
  std::string label;
  std::vector<int32_t> input_ids;
  std::vector<float> reference_logits;
  std::string reference_label;
};

std::vector<Review> read_reviews() {
  std::ifstream in(std::string(ROFORMER_TEST_DATA) + "/chnsenti/test.jsonl");
  std::vector<Review> reviews;
  std::string line;
  while (std::getline(in, line)) {
    auto object = nlohmann::json::parse(line);
    reviews.push_back({object["text"], object["label"], object["input_ids"],
                       object["reference_logits"], object["reference_label"]});
  }
  return reviews;
}

double reference_accuracy() {
  std::ifstream in(std::string(ROFORMER_TEST_DATA) + "/chnsenti/reference.json");
  return nlohmann::json::parse(in)["test_accuracy"].get<double>();
}

TEST(DefaultModel, ClassifiesTheTestReviewsLikeTheReference) {
  auto model = Model::load(default_model_path());
  const ModelConfig& config = model->config();
  ASSERT_EQ(config.head, HeadKind::kSequenceClassification);
  ASSERT_EQ(config.labels, (std::vector<std::string>{"negative", "positive"}));
  ASSERT_EQ(config.default_max_length(), 128);

  auto reviews = read_reviews();
  ASSERT_EQ(reviews.size(), 1000u);
  std::vector<SequenceInput> batch;
  size_t id_mismatches = 0;
  for (size_t i = 0; i < reviews.size(); ++i) {
    auto encoding = model->tokenizer().encode(reviews[i].text, std::nullopt, 128);
    if (encoding.input_ids != reviews[i].input_ids && id_mismatches++ < 3) {
      ADD_FAILURE() << "review " << i << ": token ids differ from the reference tokenizer";
    }
    batch.push_back({encoding.input_ids, encoding.token_type_ids, {}});
  }
  EXPECT_EQ(id_mismatches, 0u);

  Session session(model);
  RunOptions options;
  options.threads = 2;
  size_t correct = 0, label_mismatches = 0;
  float worst = 0.0f;
  for (size_t begin = 0; begin < batch.size(); begin += 50) {
    std::vector<SequenceInput> group(batch.begin() + begin,
                                     batch.begin() + std::min(batch.size(), begin + 50));
    auto outputs = session.run(group, options);
    for (size_t j = 0; j < outputs.size(); ++j) {
      const Review& review = reviews[begin + j];
      const auto& logits = outputs[j].logits;
      ASSERT_EQ(logits.size(), 2u);
      for (size_t l = 0; l < 2; ++l) {
        worst = std::max(worst, std::abs(logits[l] - review.reference_logits[l]));
      }
      const std::string& label = config.labels[logits[1] > logits[0] ? 1 : 0];
      if (std::abs(logits[1] - logits[0]) > 1e-3f && label != review.reference_label) {
        ++label_mismatches;
      }
      correct += label == review.label;
    }
  }
  EXPECT_LE(worst, 1e-3f) << "largest logit difference from the reference";
  EXPECT_EQ(label_mismatches, 0u);
  const double accuracy = double(correct) / reviews.size();
  EXPECT_NEAR(accuracy, reference_accuracy(), 1e-9);
  std::printf("accuracy %.3f (reference %.3f), worst logit difference %.2e\n", accuracy,
              reference_accuracy(), worst);
}

}  // namespace
}  // namespace roformer::test
