// src/filter/literal_matcher.h: finds many keywords (byte strings of 4 bytes or more) in a text
// at once, for the rule engine (rule_engine.cc). Written here rather than left to Hyperscan
// because it is measurably faster on this product's load: Hyperscan's literal matcher confirms
// a candidate at almost every position when ten thousand English keywords meet normalized text
// (letters without separators: every letter pair ends some keyword), ~130 MB/s on the filter
// bench; this one keys on the last four bytes of each keyword, so a position is confirmed only
// when those four bytes end some keyword (bench/filter_bench.cc compares both).
//
// How: a bitmap of hashed 4-byte suffixes (about 64 bits per keyword, in L2) is tested at every
// position; a hit is looked up in a table of suffixes and each keyword with that suffix is
// compared in full. Immutable after Build; Scan is thread-safe (no state but its arguments).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netward::filter {

class LiteralMatcher {
 public:
  static constexpr size_t kMinLength = 4;

  // Adds a keyword (at least kMinLength bytes) reported as `id`. With `every`, each occurrence
  // is reported; otherwise only the first (leftmost end) per scan.
  void Add(std::string_view literal, uint32_t id, bool every);
  // Prepares the tables; call once after the last Add.
  void Build();
  bool empty() const { return literals_.empty(); }

  // Calls on_hit(id, end) for occurrences ending at byte offset `end` (exclusive), in order of
  // `end`. `seen` is the caller's per-thread scratch (resized here), so first-only keywords are
  // reported once per call. Stops early when on_hit returns false.
  template <typename F>
  void Scan(std::string_view text, std::vector<uint32_t>* seen, uint32_t* epoch, F&& on_hit) const;

 private:
  struct Literal {
    std::string bytes;
    uint32_t id;
    bool every;
  };
  struct Slot {  // suffix table entry: literals_[first, first + count) end with `suffix`
    uint32_t suffix = 0;
    uint32_t first = 0;
    uint32_t count = 0;  // 0: empty slot
  };
  static uint32_t Load32(const char* p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
  }
  // Multiplicative hashes: the high bits of the product depend on every byte of the suffix.
  uint32_t BitIndex(uint32_t suffix) const { return (suffix * 0x9E3779B1u) >> bitmap_shift_; }
  uint32_t SlotIndex(uint32_t suffix) const { return (suffix * 0x85EBCA6Bu) >> slot_shift_; }
  const Slot* Find(uint32_t suffix) const;

  std::vector<Literal> literals_;  // sorted by suffix after Build
  std::vector<uint64_t> bitmap_;
  uint32_t bitmap_shift_ = 32;
  std::vector<Slot> slots_;  // open addressing, power-of-two size
  uint32_t slot_mask_ = 0;
  uint32_t slot_shift_ = 32;
  uint32_t max_id_ = 0;
};

template <typename F>
void LiteralMatcher::Scan(std::string_view text, std::vector<uint32_t>* seen, uint32_t* epoch,
                          F&& on_hit) const {
  if (literals_.empty() || text.size() < kMinLength) return;
  if (seen->size() <= max_id_) seen->assign(max_id_ + 1, 0);
  if (++*epoch == 0) {  // wrapped: forget all stamps
    std::fill(seen->begin(), seen->end(), 0);
    *epoch = 1;
  }
  const char* p = text.data();
  const size_t n = text.size();
  const uint64_t* bits = bitmap_.data();
  for (size_t end = kMinLength; end <= n; ++end) {
    const uint32_t suffix = Load32(p + end - kMinLength);
    const uint32_t b = BitIndex(suffix);
    if (!((bits[b >> 6] >> (b & 63)) & 1)) continue;
    const Slot* slot = Find(suffix);
    if (!slot) continue;
    for (uint32_t k = slot->first; k < slot->first + slot->count; ++k) {
      const Literal& lit = literals_[k];
      const size_t len = lit.bytes.size();
      if (len > end) continue;
      if (len > kMinLength &&
          __builtin_memcmp(p + end - len, lit.bytes.data(), len - kMinLength) != 0) {
        continue;
      }
      if (!lit.every) {
        uint32_t& stamp = (*seen)[lit.id];
        if (stamp == *epoch) continue;
        stamp = *epoch;
      }
      if (!on_hit(lit.id, static_cast<uint32_t>(end))) return;
    }
  }
}

}  // namespace netward::filter
