// Token-classification post-processing: word pieces back into words, words into entities.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"

namespace roformer::heads {

struct TaggedWord {
  size_t first_token = 0, last_token = 0;  // token indices, inclusive
  int32_t start = 0, end = 0;              // [start, end) in code points of the text
  size_t label = 0;                        // index into the model's labels
  float score = 0.0f;                      // softmax probability of that label
};

// Groups the tokens of `encoding` into words: a token starting with "##" continues the previous
// word, any other starts one; [CLS]/[SEP] (offset -1) belong to none. A word takes the label of
// its first token, as transformers' "first" aggregation does. logits: [length, labels].
std::vector<TaggedWord> tag_words(const Encoding& encoding, const std::vector<float>& logits,
                                  size_t labels);

struct Entity {
  std::string label;       // the label without its B-/I- prefix
  float score = 0.0f;      // mean of the words' scores
  int32_t start = 0, end = 0;  // [start, end) in code points of the text
  std::string text;        // the text's code points [start, end)
};

// Consecutive words form one entity: B-X starts one, I-X (or a bare X) continues an open X and
// otherwise starts one, O ends it. labels: the model's label names; text: the tagged text.
std::vector<Entity> group_entities(const std::vector<TaggedWord>& words,
                                   const std::vector<std::string>& labels, std::string_view text);

}  // namespace roformer::heads
