// jieba's word segmentation with the HMM off (jieba.cut(text, HMM=False)), on code points.
//
// The dictionary becomes a trie of code points whose nodes are the slots of one open-addressing
// hash table keyed by (parent slot, code point); the root's children below U+10000 sit in a
// direct table. Each word node keeps log(frequency) - log(total), the weight jieba's route
// search adds, computed once here in the same double arithmetic as Python.
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

  size_t node_count() const { return node_count_; }

 private:
  static constexpr int64_t kNone = -1;
  static constexpr int64_t kRoot = -2;
  static constexpr size_t kRootDirect = 0x10000;
  static constexpr double kNotAWord = 1.0;  // real weights are log(f / total) <= 0

  static uint64_t key_of(int64_t parent, char32_t cp) {
    return (static_cast<uint64_t>(parent + 3) << 21) | cp;  // never 0, the empty-slot key
  }
  size_t home_slot(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  int64_t child(int64_t node, char32_t cp) const {
    if (node == kRoot && cp < kRootDirect) return root_children_[cp];
    const uint64_t key = key_of(node, cp);
    for (size_t slot = home_slot(key);; slot = (slot + 1) & mask_) {
      if (slots_[slot].key == key) return static_cast<int64_t>(slot);
      if (slots_[slot].key == 0) return kNone;
    }
  }
  // Adds (or finds) the child; kNone when the table is too full to keep probing short.
  int64_t add_child(int64_t node, char32_t cp);
  bool build(const std::vector<JiebaEntry>& entries, size_t capacity);

  void cut_block(const char32_t* block, size_t size, uint32_t base, std::vector<WordRange>& words,
                 Scratch& scratch) const;

  // Key and weight side by side, so a step down the trie touches one cache line.
  struct Slot {
    uint64_t key = 0;             // key_of(parent, cp); 0 when empty
    double weight = kNotAWord;    // log(freq) - log(total) for a word of frequency > 0
  };

  std::vector<Slot> slots_;
  std::vector<int32_t> root_children_;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t node_count_ = 0;
  double log_total_ = 0.0;
};

}  // namespace roformer::tok
