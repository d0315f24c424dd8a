#include "model/tokenizer/jieba.hpp"

#include <cmath>
#include <limits>

#include "model/tokenizer/char_class.hpp"
#include "model/tokenizer/utf8.hpp"

namespace roformer::tok {

JiebaSegmenter::JiebaSegmenter(const std::vector<JiebaEntry>& entries) {
  // Every node is one code point of some word, so the code point count bounds the node count;
  // shared prefixes usually keep the table less than half full. Should it pass 7/8, start over
  // with twice the room.
  size_t total_chars = 0;
  for (const JiebaEntry& entry : entries) {
    for (char byte : entry.word) total_chars += (static_cast<uint8_t>(byte) & 0xC0) != 0x80;
  }
  size_t capacity = 1024;
  while (capacity < total_chars) capacity *= 2;
  while (!build(entries, capacity)) capacity *= 2;
}

bool JiebaSegmenter::build(const std::vector<JiebaEntry>& entries, size_t capacity) {
  int bits = 0;
  while ((size_t{1} << bits) < capacity) ++bits;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  shift_ = 64 - bits;
  node_count_ = 0;
  root_children_.assign(kRootDirect, static_cast<int32_t>(kNone));

  // jieba keeps the last frequency given for a word but adds every line to the total.
  std::vector<int64_t> frequency(capacity, -1);
  uint64_t total = 0;
  std::vector<char32_t> word;
  for (const JiebaEntry& entry : entries) {
    word.clear();
    decode_utf8(entry.word, word);
    if (word.empty()) continue;
    int64_t node = kRoot;
    for (char32_t cp : word) {
      node = add_child(node, cp);
      if (node == kNone) return false;
    }
    frequency[node] = entry.frequency;
    total += entry.frequency;
  }

  log_total_ = std::log(static_cast<double>(total));
  for (size_t slot = 0; slot < capacity; ++slot) {
    if (frequency[slot] > 0) {
      slots_[slot].weight = std::log(static_cast<double>(frequency[slot])) - log_total_;
    }
  }
  return true;
}

int64_t JiebaSegmenter::add_child(int64_t node, char32_t cp) {
  const int64_t existing = child(node, cp);
  if (existing != kNone) return existing;
  if ((node_count_ + 1) * 8 > slots_.size() * 7) return kNone;
  const uint64_t key = key_of(node, cp);
  size_t slot = home_slot(key);
  while (slots_[slot].key != 0) slot = (slot + 1) & mask_;
  slots_[slot].key = key;
  ++node_count_;
  if (node == kRoot && cp < kRootDirect) root_children_[cp] = static_cast<int32_t>(slot);
  return static_cast<int64_t>(slot);
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
    int64_t node = kRoot;
    for (size_t i = k; i < size; ++i) {
      node = child(node, block[i]);
      if (node == kNone) break;
      const double weight = slots_[node].weight;
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
