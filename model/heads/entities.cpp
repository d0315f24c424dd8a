#include "model/heads/entities.hpp"

#include <algorithm>

#include "engine/error.hpp"
#include "model/heads/softmax.hpp"
#include "model/heads/text_span.hpp"

namespace roformer::heads {
namespace {

struct LabelTag {
  bool begins = false;  // B-
  bool outside = false; // O
  std::string entity;
};

LabelTag parse_label(const std::string& label) {
  if (label == "O") return {false, true, ""};
  if (label.rfind("B-", 0) == 0) return {true, false, label.substr(2)};
  if (label.rfind("I-", 0) == 0) return {false, false, label.substr(2)};
  return {false, false, label};
}

}  // namespace

std::vector<TaggedWord> tag_words(const Encoding& encoding, const std::vector<float>& logits,
                                  size_t labels) {
  const size_t length = encoding.input_ids.size();
  if (labels == 0 || logits.size() != length * labels) {
    fail(ErrorCode::kInvalidArgument, "tag_words: logits has ", logits.size(), " values, expected ",
         length, " x ", labels);
  }
  std::vector<TaggedWord> words;
  for (size_t t = 0; t < length; ++t) {
    const auto [start, end] = encoding.offsets[t];
    if (start < 0) continue;
    const bool continues = encoding.tokens[t].rfind("##", 0) == 0 && !words.empty() &&
                           words.back().last_token + 1 == t;
    if (continues) {
      words.back().last_token = t;
      words.back().end = std::max(words.back().end, end);
      continue;
    }
    const std::vector<float> probabilities = softmax(logits.data() + t * labels, labels);
    const size_t best = std::max_element(probabilities.begin(), probabilities.end()) -
                        probabilities.begin();
    words.push_back({t, t, start, end, best, probabilities[best]});
  }
  return words;
}

std::vector<Entity> group_entities(const std::vector<TaggedWord>& words,
                                   const std::vector<std::string>& labels, std::string_view text) {
  std::vector<Entity> entities;
  size_t open_words = 0;  // words in the last entity while it is open; 0 = none open
  for (const TaggedWord& word : words) {
    if (word.label >= labels.size()) {
      fail(ErrorCode::kInvalidArgument, "group_entities: label ", word.label, " outside the ",
           labels.size(), " labels");
    }
    const LabelTag tag = parse_label(labels[word.label]);
    if (tag.outside) {
      open_words = 0;
      continue;
    }
    if (open_words > 0 && !tag.begins && entities.back().label == tag.entity) {
      Entity& entity = entities.back();
      entity.score = (entity.score * open_words + word.score) / (open_words + 1);
      entity.end = word.end;
      ++open_words;
      continue;
    }
    entities.push_back({tag.entity, word.score, word.start, word.end, ""});
    open_words = 1;
  }
  for (Entity& entity : entities) entity.text = code_point_substring(text, entity.start, entity.end);
  return entities;
}

}  // namespace roformer::heads
