// An open-addressing hash map from byte strings to int32 ids, looked up by string_view without
// allocating. Keys live back to back in one arena; a later insert of the same key overwrites.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace roformer::tok {

inline uint64_t hash_bytes(std::string_view key) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  const char* data = key.data();
  size_t remaining = key.size();
  uint64_t h = remaining * kMul;
  while (remaining >= 8) {
    uint64_t chunk;
    std::memcpy(&chunk, data, 8);
    h = (h ^ chunk) * kMul;
    h ^= h >> 29;
    data += 8;
    remaining -= 8;
  }
  if (remaining > 0) {
    uint64_t chunk = 0;
    std::memcpy(&chunk, data, remaining);
    h = (h ^ chunk) * kMul;
  }
  // Final avalanche (splitmix64's), so the low bits used for the slot index depend on every byte.
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  return h;
}

class StringIdMap {
 public:
  StringIdMap() { rehash(16); }

  void reserve(size_t count) {
    size_t capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    if (capacity > slots_.size()) rehash(capacity);
  }

  void insert(std::string_view key, int32_t value) {
    if ((count_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    const uint64_t hash = hash_bytes(key);
    size_t index = hash & mask_;
    while (slots_[index].value >= 0) {
      Slot& slot = slots_[index];
      if (slot.hash == hash && slot_key(slot) == key) {
        slot.value = value;
        return;
      }
      index = (index + 1) & mask_;
    }
    slots_[index] = Slot{hash, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(key.size()),
                         value};
    keys_.append(key);
    ++count_;
  }

  // The id of key, or -1.
  int32_t find(std::string_view key) const {
    const uint64_t hash = hash_bytes(key);
    size_t index = hash & mask_;
    while (true) {
      const Slot& slot = slots_[index];
      if (slot.value < 0) return -1;
      if (slot.hash == hash && slot_key(slot) == key) return slot.value;
      index = (index + 1) & mask_;
    }
  }

  size_t size() const { return count_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
    int32_t value = -1;  // -1 marks an empty slot; ids are never negative
  };

  std::string_view slot_key(const Slot& slot) const {
    return std::string_view(keys_.data() + slot.offset, slot.length);
  }

  void rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& slot : old) {
      if (slot.value < 0) continue;
      size_t index = slot.hash & mask_;
      while (slots_[index].value >= 0) index = (index + 1) & mask_;
      slots_[index] = slot;
    }
  }

  std::string keys_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace roformer::tok
