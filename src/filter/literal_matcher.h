// src/filter/literal_matcher.h: finds many keywords (byte strings of 4 bytes or more) in a text
// at once, for the rule engine (rule_engine.cc). Written here rather than left to Hyperscan
// because it is measurably faster on this product's load: Hyperscan's literal matcher confirms
// a candidate at almost every position when ten thousand English keywords meet normalized text
// (letters without separators: every letter pair ends some keyword), ~130 MB/s on the filter
// bench; this one keys on the last bytes of each keyword, so a position is confirmed only when
// those bytes end some keyword (bench/filter_bench.cc compares both).
//
// How (bench/RESULTS.md, "Filter" has the figures): with m the shortest keyword's length, the
// text is sampled every S bytes (S = m - 4, from 1 to 4) and each sample tests a bitmap of hashed
// K-byte windows (K = m - S + 1, at most 8; about 64 bits per keyword, at most 512 KB; two bits
// per window in one word, a blocked Bloom filter). Where the CPU has AVX-512 (F, BW, DQ, VBMI;
// checked once at Build) eight samples are tested at once: one 64-byte load, a byte permutation
// that puts each sample's window in a 64-bit lane, the two multiplies per lane, a gather of the
// eight bitmap words, and a bit per passing sample, 256 samples per call; elsewhere (and for the
// last < 64 bytes unless the text is padded, ScanPadded) the scalar loop tests four samples per
// branch. Both give the same bits, and tests compare them (UseSimdForTesting). Each keyword sets
// the bits of its S windows that end 0 to S-1 bytes before its end, so every occurrence contains
// exactly one sampled window of its own. Where the test passes, the S ends it may stand for are
// each tested in a second bitmap: keywords of 8 bytes or more set a bit there for their last 8
// bytes, shorter ones for their last K. Only then is the key looked up in that length's table and
// each keyword with that key compared in full. Keying on 5 to 8 bytes matters on letter streams:
// with 10 000 random English keywords about 2 % of 4-letter windows end some keyword, but hardly
// any 6- or 8-letter window does. So one keyword of 4 bytes (S = 1, K = 4) slows every scan of its
// scope down to a test per byte on 4-byte windows. Immutable after Build (but for
// UseSimdForTesting); Scan is thread-safe (no state but its arguments). Scan allocates only when
// `seen` must grow.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netward::filter {

class LiteralMatcher {
 public:
  static constexpr size_t kMinLength = 4;
  static constexpr size_t kLongLength = 8;  // keywords this long are keyed on 8 bytes

  // Adds a keyword (at least kMinLength bytes) reported as `id`. With `every`, each occurrence
  // is reported; otherwise only the first (leftmost end) per scan.
  void Add(std::string_view literal, uint32_t id, bool every);
  // Prepares the tables; call once after the last Add.
  void Build();
  bool empty() const { return short_.literals.empty() && long_.literals.empty(); }
  // The K and S above (valid after Build; 0 when empty).
  size_t key_length() const { return key_len_; }
  size_t sample_step() const { return step_; }
  // Whether Scan's first test runs 8 samples at a time with AVX-512 (chosen at Build from the
  // CPU). UseSimdForTesting(false) forces the scalar path (tests compare both); true takes the
  // SIMD path only where the CPU has it. Call before any Scan.
  bool simd() const { return simd_; }
  void UseSimdForTesting(bool on);

  // Calls on_hit(id, end) for occurrences ending at byte offset `end` (exclusive), in order of
  // `end`. `seen` is the caller's per-thread scratch (resized here), so first-only keywords are
  // reported once per call. Stops early when on_hit returns false.
  template <typename F>
  void Scan(std::string_view text, std::vector<uint32_t>* seen, uint32_t* epoch, F&& on_hit) const;
  // The same for a text followed in memory by at least kScanPadding readable bytes (any
  // values; they are never reported): the 64-byte loads of the AVX-512 test then run to the
  // text's end, where Scan tests its last < 64 bytes one sample at a time.
  static constexpr size_t kScanPadding = 64;
  template <typename F>
  void ScanPadded(std::string_view text, std::vector<uint32_t>* seen, uint32_t* epoch,
                  F&& on_hit) const;

 private:
  static_assert(std::endian::native == std::endian::little, "keys are loaded little-endian");
  struct Literal {
    std::string bytes;
    uint32_t id;
    bool every;
  };
  struct Slot {  // table entry: literals[first, first + count) end with `key`
    uint64_t key = 0;
    uint32_t first = 0;
    uint32_t count = 0;  // 0: empty slot
  };
  // The keywords of one key length: the last key_len bytes, in the low bytes of a uint64_t.
  struct Tier {
    std::vector<Literal> literals;  // sorted by key after Build
    std::vector<Slot> slots;        // open addressing, power-of-two size
    size_t key_len = 0;
    uint32_t slot_mask = 0;
    uint32_t slot_shift = 64;
    uint32_t SlotIndex(uint64_t key) const {
      return static_cast<uint32_t>((key * 0x9E3779B97F4A7C15ull) >> slot_shift);
    }
    const Slot* Find(uint64_t key) const {
      for (uint32_t s = SlotIndex(key);; s = (s + 1) & slot_mask) {
        const Slot& slot = slots[s];
        if (slot.count == 0) return nullptr;
        if (slot.key == key) return &slot;
      }
    }
    void Build(size_t key_length, uint64_t* bitmap, uint32_t (*bit_index)(uint64_t, uint32_t),
               uint32_t bitmap_mask);
  };

  // The `len` bytes ending at p + end, in the low bytes (len 1..8, end >= len).
  static uint64_t KeyAt(const char* p, size_t end, size_t len) {
    uint64_t v = 0;
    __builtin_memcpy(&v, p + end - len, len);
    return v;
  }
  static uint64_t Load64(const char* p) {
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    return v;
  }
  // Bitmap positions. The top byte of a product depends on every byte of the key; the byte
  // swap brings it (and the next ones) down to the bits the mask keeps. Different multipliers,
  // so the tests of the two bitmaps do not pass and fail together. The first bitmap is a
  // blocked Bloom filter: a window's hash picks one 64-bit word and two bits in it, both set for
  // a keyword's window; one load, and about the square of the bit density of false passes
  // (rather than the density itself with one bit).
  static constexpr uint64_t kFirstWordMul = 0x9E3779B97F4A7C15ull;
  static constexpr uint64_t kFirstMaskMul = 0xD6E8FEB86659FD93ull;
  // The word: the top bits of a product (word_shift = 64 - log2 of the word count).
  static uint32_t FirstWord(uint64_t key, uint32_t word_shift) {
    return static_cast<uint32_t>((key * kFirstWordMul) >> word_shift);
  }
  static uint64_t FirstMask(uint64_t key) {
    const uint64_t g = key * kFirstMaskMul;
    return (uint64_t{1} << (g >> 58)) | (uint64_t{1} << ((g >> 52) & 63));
  }
  static bool FirstTest(const uint64_t* words, uint64_t key, uint32_t word_shift) {
    const uint64_t m = FirstMask(key);
    return (words[FirstWord(key, word_shift)] & m) == m;
  }
  // The first test of up to kBlock samples at t, t + step, ... with AVX-512 (F, BW, DQ, VBMI; the
  // caller checks the CPU): bit i of passes[i / 64] is set when sample t + i * step passes the
  // first test, exactly as FirstTest says. Takes only samples whose 64-byte load (from the
  // window's end - 8) stays within n bytes, in groups of 8; returns how many it took (0 when
  // none fit). Requires t >= kLongLength.
  static constexpr size_t kBlock = 256;
  // `perm` and `keep` are perm_ and perm_keep_ below.
  static size_t FirstPassesAvx512(const char* p, size_t n, size_t t, size_t step,
                                  const uint8_t* perm, uint64_t keep, const uint64_t* first,
                                  uint32_t word_shift, uint64_t* passes);
  static uint32_t ShortBit(uint64_t key, uint32_t mask) {
    return static_cast<uint32_t>(__builtin_bswap64(key * 0xFF51AFD7ED558CCDull)) & mask;
  }
  static uint32_t LongBit(uint64_t key, uint32_t mask) {
    return static_cast<uint32_t>(__builtin_bswap64(key * 0xC2B2AE3D27D4EB4Full)) & mask;
  }
  static bool Test(const uint64_t* bits, uint32_t bit) {
    return (bits[bit >> 6] >> (bit & 63)) & 1;
  }

  // Reports the keywords of `tier` whose key is `key` and that end at `end`; false: stop.
  template <typename F>
  bool Confirm(const Tier& tier, uint64_t key, const char* p, size_t end,
               std::vector<uint32_t>* seen, uint32_t epoch, F& on_hit) const;
  template <typename F>
  void ScanWith(std::string_view text, bool padded, std::vector<uint32_t>* seen, uint32_t* epoch,
                F& on_hit) const;
  template <bool kShort, bool kLong, typename F>
  void ScanImpl(std::string_view text, bool padded, std::vector<uint32_t>* seen, uint32_t epoch,
                F& on_hit) const;

  Tier short_;  // shorter than kLongLength, keyed on key_len_ bytes
  Tier long_;   // kLongLength bytes or more, keyed on 8
  size_t key_len_ = 0;
  size_t step_ = 0;
  std::vector<uint64_t> first_;   // FirstWord/FirstMask of every keyword's step_ sampled windows
  std::vector<uint64_t> second_;  // ShortBit / LongBit of each keyword's key
  uint32_t bitmap_mask_ = 0;      // both bitmaps have bitmap_mask_ + 1 bits
  uint32_t word_shift_ = 64;      // FirstWord's shift: 64 - log2(first_.size())
  bool simd_ = false;             // FirstPassesAvx512 is used (the CPU has it, not switched off)
  // FirstPassesAvx512's byte permutation (set at Build from K and S): lane i of a group takes
  // the K bytes ending at sample i (perm_) and zeroes its other bytes (perm_keep_, a bit per byte).
  alignas(64) uint8_t perm_[64] = {};
  uint64_t perm_keep_ = 0;
  uint32_t max_id_ = 0;
};

template <typename F>
bool LiteralMatcher::Confirm(const Tier& tier, uint64_t key, const char* p, size_t end,
                             std::vector<uint32_t>* seen, uint32_t epoch, F& on_hit) const {
  const Slot* slot = tier.Find(key);
  if (!slot) return true;
  for (uint32_t k = slot->first; k < slot->first + slot->count; ++k) {
    const Literal& lit = tier.literals[k];
    const size_t len = lit.bytes.size();
    if (len > end) continue;
    if (len > tier.key_len &&
        __builtin_memcmp(p + end - len, lit.bytes.data(), len - tier.key_len) != 0) {
      continue;
    }
    if (!lit.every) {
      uint32_t& stamp = (*seen)[lit.id];
      if (stamp == epoch) continue;
      stamp = epoch;
    }
    if (!on_hit(lit.id, static_cast<uint32_t>(end))) return false;
  }
  return true;
}

template <bool kShort, bool kLong, typename F>
void LiteralMatcher::ScanImpl(std::string_view text, bool padded, std::vector<uint32_t>* seen,
                              uint32_t epoch, F& on_hit) const {
  const char* p = text.data();
  const size_t n = text.size();
  const size_t k = key_len_, step = step_;
  const uint32_t mask = bitmap_mask_;
  const uint32_t word_shift = word_shift_;
  const uint64_t* first = first_.data();
  const uint64_t* second = second_.data();
  // The ends a passing sample at `t` stands for: t .. t + step - 1, in order.
  auto check = [&](size_t t) {
    const size_t last = std::min(n, t + step - 1);
    for (size_t end = t; end <= last; ++end) {
      if constexpr (kShort) {
        const uint64_t key = KeyAt(p, end, k);
        if (Test(second, ShortBit(key, mask)) && !Confirm(short_, key, p, end, seen, epoch, on_hit))
          return false;
      }
      if constexpr (kLong) {
        if (end >= kLongLength) {
          const uint64_t key8 = Load64(p + end - 8);
          if (Test(second, LongBit(key8, mask)) &&
              !Confirm(long_, key8, p, end, seen, epoch, on_hit)) {
            return false;
          }
        }
      }
    }
    return true;
  };
  // Samples at t = k, k + step, ...; those before the first whole 8-byte window one by one.
  size_t t = k;
  for (; t < kLongLength && t <= n; t += step) {
    if (FirstTest(first, KeyAt(p, t, k), word_shift) && !check(t)) return;
  }
  if (simd_ && t >= kLongLength) {  // (t < kLongLength: the text ended in the loop above)
    // Padded, the loads may reach kScanPadding bytes past the end: every sample up to n is
    // tested here, and those after n (keys read from the padding) are dropped.
    const size_t readable = padded ? n + kScanPadding : n;
    uint64_t passes[kBlock / 64];
    for (;;) {
      size_t count =
          FirstPassesAvx512(p, readable, t, step, perm_, perm_keep_, first, word_shift, passes);
      if (count == 0) break;
      const bool last = t + (count - 1) * step > n;
      if (last) count = t <= n ? (n - t) / step + 1 : 0;
      for (size_t w = 0; w * 64 < count; ++w) {
        uint64_t bits = passes[w];
        if (count - w * 64 < 64) bits &= (uint64_t{1} << (count - w * 64)) - 1;
        for (uint64_t b = bits; b != 0; b &= b - 1) {
          if (!check(t + (w * 64 + static_cast<size_t>(std::countr_zero(b))) * step)) return;
        }
      }
      t += count * step;
      if (last) return;
    }
  }
  const unsigned drop = static_cast<unsigned>(64 - 8 * k);  // bits before the last k bytes
  // Four samples per step, one branch for the four: the loads of the first bitmap overlap, and a
  // passing sample (a mispredicted branch) stalls the loop once per four.
  auto pass = [&](size_t at) { return FirstTest(first, Load64(p + at - 8) >> drop, word_shift); };
  for (; t + 3 * step <= n; t += 4 * step) {
    const bool p0 = pass(t), p1 = pass(t + step), p2 = pass(t + 2 * step), p3 = pass(t + 3 * step);
    if (__builtin_expect(!(p0 | p1 | p2 | p3), 1)) continue;
    if ((p0 && !check(t)) || (p1 && !check(t + step)) || (p2 && !check(t + 2 * step)) ||
        (p3 && !check(t + 3 * step))) {
      return;
    }
  }
  for (; t <= n; t += step) {
    const uint64_t key = Load64(p + t - 8) >> drop;
    if (__builtin_expect(!FirstTest(first, key, word_shift), 1)) continue;
    if (!check(t)) return;
  }
}

template <typename F>
void LiteralMatcher::Scan(std::string_view text, std::vector<uint32_t>* seen, uint32_t* epoch,
                          F&& on_hit) const {
  ScanWith(text, false, seen, epoch, on_hit);
}

template <typename F>
void LiteralMatcher::ScanPadded(std::string_view text, std::vector<uint32_t>* seen, uint32_t* epoch,
                                F&& on_hit) const {
  ScanWith(text, true, seen, epoch, on_hit);
}

template <typename F>
void LiteralMatcher::ScanWith(std::string_view text, bool padded, std::vector<uint32_t>* seen,
                              uint32_t* epoch, F& on_hit) const {
  if (empty() || text.size() < key_len_) return;
  if (seen->size() <= max_id_) seen->assign(max_id_ + 1, 0);
  if (++*epoch == 0) {  // wrapped: forget all stamps
    std::fill(seen->begin(), seen->end(), 0);
    *epoch = 1;
  }
  const bool has_short = !short_.literals.empty(), has_long = !long_.literals.empty();
  if (has_short && has_long) {
    ScanImpl<true, true>(text, padded, seen, *epoch, on_hit);
  } else if (has_long) {
    ScanImpl<false, true>(text, padded, seen, *epoch, on_hit);
  } else {
    ScanImpl<true, false>(text, padded, seen, *epoch, on_hit);
  }
}

}  // namespace netward::filter
