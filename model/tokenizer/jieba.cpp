#include "model/tokenizer/jieba.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/tokenizer/char_class.hpp"
#include "model/tokenizer/utf8.hpp"

namespace roformer::tok {

namespace {

struct LevelKey {
  uint64_t key;   // parent node << 21 | code point
  uint32_t word;  // index into the decoded words
};

// Stable LSD radix sort by key, 14 bits a pass up to the highest bit set; a pass whose digit
// is the same for every key is skipped.
void radix_sort(std::vector<LevelKey>& items, std::vector<LevelKey>& buffer) {
  constexpr int kBits = 14;
  constexpr size_t kBuckets = size_t{1} << kBits;
  std::vector<uint32_t> counts(kBuckets);
  buffer.resize(items.size());
  uint64_t max_key = 0;
  for (const LevelKey& item : items) max_key = std::max(max_key, item.key);
  for (int shift = 0; shift < 64 && (max_key >> shift) != 0; shift += kBits) {
    std::fill(counts.begin(), counts.end(), 0);
    for (const LevelKey& item : items) ++counts[(item.key >> shift) & (kBuckets - 1)];
    if (counts[(items.front().key >> shift) & (kBuckets - 1)] == items.size()) continue;
    uint32_t sum = 0;
    for (uint32_t& count : counts) {
      const uint32_t c = count;
      count = sum;
      sum += c;
    }
    for (const LevelKey& item : items) buffer[counts[(item.key >> shift) & (kBuckets - 1)]++] = item;
    items.swap(buffer);
  }
}

}  // namespace

JiebaSegmenter::JiebaSegmenter(const std::vector<JiebaEntry>& entries) {
  // All words decoded back to back; empty words are skipped.
  std::vector<char32_t> chars;
  std::vector<uint32_t> word_begin;
  std::vector<uint32_t> word_entry;
  word_begin.reserve(entries.size() + 1);
  word_entry.reserve(entries.size());
  for (size_t e = 0; e < entries.size(); ++e) {
    const size_t before = chars.size();
    decode_utf8(entries[e].word, chars);
    if (chars.size() == before) continue;
    word_begin.push_back(static_cast<uint32_t>(before));
    word_entry.push_back(static_cast<uint32_t>(e));
  }
  word_begin.push_back(static_cast<uint32_t>(chars.size()));
  const auto word_length = [&](uint32_t w) { return word_begin[w + 1] - word_begin[w]; };

  // Level d holds the distinct prefixes of length d + 1, sorted by (parent, code point), so the
  // children of each node of level d - 1 come out contiguous and in code point order. Words
  // stay in dictionary order within equal keys (the sort is stable), so the last line of a
  // duplicated word sets its frequency, as in jieba; every line adds to the total.
  nodes_.assign(1, Node{});
  child_chars_.assign(1, 0);
  std::vector<double> frequency(1, -1.0);
  std::vector<uint32_t> word_node(word_entry.size(), 0);
  std::vector<uint32_t> active(word_entry.size());
  for (uint32_t w = 0; w < active.size(); ++w) active[w] = w;
  std::vector<LevelKey> keys, buffer;

  uint64_t total = 0;
  for (const uint32_t e : word_entry) total += entries[e].frequency;

  for (uint32_t depth = 0; !active.empty(); ++depth) {
    keys.clear();
    for (const uint32_t w : active) {
      keys.push_back(LevelKey{(uint64_t{word_node[w]} << 21) | chars[word_begin[w] + depth], w});
    }
    radix_sort(keys, buffer);

    uint64_t previous = ~uint64_t{0};
    for (const LevelKey& item : keys) {
      if (item.key != previous) {
        const auto parent = static_cast<uint32_t>(item.key >> 21);
        const auto id = static_cast<uint32_t>(nodes_.size());
        if (nodes_[parent].child_count++ == 0) nodes_[parent].first_child = id;
        nodes_.push_back(Node{});
        child_chars_.push_back(static_cast<char32_t>(item.key & 0x1FFFFF));
        frequency.push_back(-1.0);
        previous = item.key;
      }
      const auto node = static_cast<uint32_t>(nodes_.size() - 1);
      word_node[item.word] = node;
      if (word_length(item.word) == depth + 1) frequency[node] = entries[word_entry[item.word]].frequency;
    }

    size_t kept = 0;
    for (const uint32_t w : active) {
      if (word_length(w) > depth + 1) active[kept++] = w;
    }
    active.resize(kept);
  }

  log_total_ = std::log(static_cast<double>(total));
  for (size_t n = 1; n < nodes_.size(); ++n) {
    if (frequency[n] > 0.0) nodes_[n].weight = std::log(frequency[n]) - log_total_;
  }

  root_children_.assign(kRootDirect, kNone);
  const Node& root = nodes_[0];
  for (uint32_t k = 0; k < root.child_count; ++k) {
    const char32_t cp = child_chars_[root.first_child + k];
    if (cp < kRootDirect) root_children_[cp] = root.first_child + k;
  }
}

void JiebaSegmenter::cut(const char32_t* text, size_t size, std::vector<WordRange>& words,
                         Scratch& scratch) const {
  size_t pos = 0;
  while (pos < size) {
    if (is_jieba_word_char(text[pos])) {
      size_t end = pos + 1;
      while (end < size && is_jieba_word_char(text[end])) ++end;
      cut_block(text + pos, end - pos, static_cast<uint32_t>(pos), words, scratch);
      pos = end;
    } else if (text[pos] == '\r' && pos + 1 < size && text[pos + 1] == '\n') {
      // Outside word characters jieba yields one character at a time, except "\r\n" together.
      words.emplace_back(pos, pos + 2);
      pos += 2;
    } else {
      words.emplace_back(pos, pos + 1);
      ++pos;
    }
  }
}

// The maximum-probability route through the dictionary DAG of one block, scored from the end
// as jieba's calc() does: route[k] = max over word ends i of weight(block[k..i]) + route[i + 1],
// ties to the larger i; a position that starts no word is a single character of frequency 1.
void JiebaSegmenter::cut_block(const char32_t* block, size_t size, uint32_t base,
                               std::vector<WordRange>& words, Scratch& scratch) const {
  std::vector<double>& route = scratch.route;
  std::vector<uint32_t>& best_end = scratch.best_end;
  route.resize(size + 1);
  best_end.resize(size);
  route[size] = 0.0;

  for (size_t k = size; k-- > 0;) {
    double best = -std::numeric_limits<double>::infinity();
    size_t best_i = size;
    uint32_t node = 0;
    for (size_t i = k; i < size; ++i) {
      node = i == k ? root_child(block[i]) : child(node, block[i]);
      if (node == kNone) break;
      const double weight = nodes_[node].weight;
      if (weight == kNotAWord) continue;
      const double score = weight + route[i + 1];
      if (score >= best) {
        best = score;
        best_i = i;
      }
    }
    if (best_i == size) {
      best = (0.0 - log_total_) + route[k + 1];
      best_i = k;
    }
    route[k] = best;
    best_end[k] = static_cast<uint32_t>(best_i + 1);
  }

  // Walk the route; runs of single ASCII letters and digits are glued into one word.
  size_t run_start = size;
  size_t k = 0;
  while (k < size) {
    const size_t end = best_end[k];
    if (end == k + 1 && is_ascii_alnum(block[k])) {
      if (run_start == size) run_start = k;
    } else {
      if (run_start != size) {
        words.emplace_back(base + run_start, base + k);
        run_start = size;
      }
      words.emplace_back(base + k, base + end);
    }
    k = end;
  }
  if (run_start != size) words.emplace_back(base + run_start, base + size);
}

}  // namespace roformer::tok
