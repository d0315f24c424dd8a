// jieba's word segmentation with the HMM off (jieba.cut(text, HMM=False)), on code points.
//
// The dictionary becomes a trie of code points laid out level by level: the children of a node
// are contiguous and sorted by code point, so a step down is a short scan (a binary search for
// wide nodes) in memory that neighbouring words share. It is built with radix sorts, one per
// level, rather than by inserting word by word, which keeps the 349k-entry dictionary's build
// sequential in memory. The root's children below U+10000 also sit in a direct table. Each
// word node keeps log(frequency) - log(total), the weight jieba's route search adds, computed
// once here in the same double arithmetic as Python.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"

namespace roformer::tok {

// A word as [begin, end) indices into the segmented code points.
using WordRange = std::pair<uint32_t, uint32_t>;

class JiebaSegmenter {
 public:
  explicit JiebaSegmenter(const std::vector<JiebaEntry>& entries);

  // Reusable buffers of one cut() call; one per thread.
  struct Scratch {
    std::vector<double> route;
    std::vector<uint32_t> best_end;
  };

  // Appends the words of text[0, size) to words, in order, covering every code point.
  void cut(const char32_t* text, size_t size, std::vector<WordRange>& words, Scratch& scratch) const;

  size_t node_count() const { return nodes_.size() - 1; }

 private:
  static constexpr uint32_t kNone = 0;  // node 0 is the root, never anyone's child
  static constexpr uint32_t kRootDirect = 0x10000;
  static constexpr double kNotAWord = 1.0;  // real weights are log(f / total) <= 0

  struct Node {
    uint32_t first_child = 0;  // index into nodes_ and child_chars_
    uint32_t child_count = 0;
    double weight = kNotAWord;  // log(freq) - log(total) for a word of frequency > 0
  };

  uint32_t child(uint32_t node, char32_t cp) const {
    const Node& parent = nodes_[node];
    const char32_t* chars = child_chars_.data() + parent.first_child;
    uint32_t lo = 0, hi = parent.child_count;
    while (hi - lo > 8) {
      const uint32_t mid = (lo + hi) / 2;
      if (chars[mid] <= cp) lo = mid; else hi = mid;
    }
    for (; lo < hi; ++lo) {
      if (chars[lo] == cp) return parent.first_child + lo;
    }
    return kNone;
  }
  uint32_t root_child(char32_t cp) const {
    return cp < kRootDirect ? root_children_[cp] : child(0, cp);
  }

  void cut_block(const char32_t* block, size_t size, uint32_t base, std::vector<WordRange>& words,
                 Scratch& scratch) const;

  std::vector<Node> nodes_;            // level order; nodes_[0] is the root
  std::vector<char32_t> child_chars_;  // per node, the code point on the edge into it
  std::vector<uint32_t> root_children_;
  double log_total_ = 0.0;
};

}  // namespace roformer::tok
