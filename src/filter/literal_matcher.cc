// src/filter/literal_matcher.cc: building the tables of LiteralMatcher (literal_matcher.h).
#include "filter/literal_matcher.h"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstdint>

namespace netward::filter {

void LiteralMatcher::Add(std::string_view literal, uint32_t id, bool every) {
  if (literal.size() < kMinLength) return;
  auto& literals = literal.size() >= kLongLength ? long_.literals : short_.literals;
  literals.push_back({std::string(literal), id, every});
  max_id_ = std::max(max_id_, id);
}

void LiteralMatcher::Tier::Build(size_t key_length, uint64_t* bitmap,
                                 uint32_t (*bit_index)(uint64_t, uint32_t), uint32_t bitmap_mask) {
  key_len = key_length;
  auto key_of = [&](const Literal& l) { return KeyAt(l.bytes.data(), l.bytes.size(), key_len); };
  std::stable_sort(literals.begin(), literals.end(),
                   [&](const Literal& a, const Literal& b) { return key_of(a) < key_of(b); });
  // Key table: twice the distinct keys, rounded up to a power of two.
  size_t distinct = 0;
  for (size_t i = 0; i < literals.size(); ++i) {
    if (i == 0 || key_of(literals[i]) != key_of(literals[i - 1])) ++distinct;
  }
  const size_t size = std::bit_ceil(std::max<size_t>(2 * distinct, 16));
  slots.assign(size, Slot{});
  slot_mask = static_cast<uint32_t>(size - 1);
  slot_shift = static_cast<uint32_t>(64 - std::countr_zero(size));
  for (size_t i = 0; i < literals.size();) {
    const uint64_t key = key_of(literals[i]);
    size_t j = i;
    while (j < literals.size() && key_of(literals[j]) == key) ++j;
    const uint32_t b = bit_index(key, bitmap_mask);
    bitmap[b >> 6] |= uint64_t{1} << (b & 63);
    uint32_t s = SlotIndex(key);
    while (slots[s].count != 0) s = (s + 1) & slot_mask;
    slots[s] = Slot{key, static_cast<uint32_t>(i), static_cast<uint32_t>(j - i)};
    i = j;
  }
}

void LiteralMatcher::Build() {
  // m, then S and K (literal_matcher.h): every keyword is at least K + S - 1 bytes long, so its
  // S windows of K bytes ending 0 .. S-1 bytes before its end lie within it.
  size_t m = SIZE_MAX;
  for (const Tier* t : {&short_, &long_}) {
    for (const Literal& l : t->literals) m = std::min(m, l.bytes.size());
  }
  if (empty()) {
    key_len_ = step_ = 0;
    return;
  }
  step_ = std::clamp<size_t>(m - 4, 1, 4);
  key_len_ = std::min(kLongLength, m - step_ + 1);
  // Bitmaps: ~64 bits per keyword (at least 2^16 bits), so that few positions that end no keyword
  // pass a test; at most 2^22 bits (512 KB each): 20 k keywords and 55 k regex factors scanned
  // 1.2x faster with 2^22 than with 2^23 bits on the filter bench (the first bitmap's loads
  // stalled in L3), 0.6x with 2^21.
  const uint64_t total = short_.literals.size() + long_.literals.size();
  const uint64_t want = std::max<uint64_t>(uint64_t{64} * total, 1u << 16);
  const int log2_bits = std::min(22, static_cast<int>(std::bit_width(want - 1)));
  first_.assign((size_t{1} << log2_bits) / 64, 0);
  second_.assign(first_.size(), 0);
  bitmap_mask_ = static_cast<uint32_t>((uint64_t{1} << log2_bits) - 1);
  word_shift_ = static_cast<uint32_t>(64 - (log2_bits - 6));
  for (const Tier* t : {&short_, &long_}) {
    for (const Literal& l : t->literals) {
      for (size_t d = 0; d < step_; ++d) {
        const uint64_t key = KeyAt(l.bytes.data(), l.bytes.size() - d, key_len_);
        first_[FirstWord(key, word_shift_)] |= FirstMask(key);
      }
    }
  }
  // Lane i of a group of eight samples holds the key of sample t + i * S: the K bytes ending
  // there, in its low bytes (as Load64(p + t - 8) >> drop in ScanImpl), picked from one 64-byte
  // load at p + t - 8 with the lane's high bytes zeroed.
  perm_keep_ = 0;
  for (size_t i = 0; i < 8; ++i) {
    for (size_t j = 0; j < 8; ++j) {
      perm_[i * 8 + j] = static_cast<uint8_t>((8 - key_len_ + i * step_ + j) & 63);
      if (j < key_len_) perm_keep_ |= uint64_t{1} << (i * 8 + j);
    }
  }
  short_.Build(key_len_, second_.data(), &ShortBit, bitmap_mask_);
  long_.Build(kLongLength, second_.data(), &LongBit, bitmap_mask_);
  UseSimdForTesting(true);
}

namespace {
bool CpuHasAvx512Scan() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512vbmi");
  return has;
}
}  // namespace

void LiteralMatcher::UseSimdForTesting(bool on) { simd_ = on && CpuHasAvx512Scan(); }

// GCC 12's intrinsics headers trip -Wmaybe-uninitialized (their _mm512_undefined operands).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vbmi"))) size_t
LiteralMatcher::FirstPassesAvx512(const char* p, size_t n, size_t t, size_t step,
                                  const uint8_t* perm_index, uint64_t keep, const uint64_t* first,
                                  uint32_t word_shift, uint64_t* passes) {
  // Lane i of a group holds the key of sample t + i * step (perm_ in literal_matcher.h).
  const __m512i perm = _mm512_load_si512(perm_index);
  const __mmask64 keep_mask = keep;
  const __m512i word_mul = _mm512_set1_epi64(static_cast<long long>(kFirstWordMul));
  const __m512i mask_mul = _mm512_set1_epi64(static_cast<long long>(kFirstMaskMul));
  const __m512i one = _mm512_set1_epi64(1), low6 = _mm512_set1_epi64(63);
  const __m128i shift = _mm_cvtsi32_si128(static_cast<int>(word_shift));
  size_t count = 0;
  for (; count < kBlock; count += 8) {
    const size_t at = t + count * step;  // the group's first sample
    if (at - 8 + 64 > n) break;
    const __m512i raw = _mm512_loadu_si512(p + at - 8);
    const __m512i key = _mm512_maskz_permutexvar_epi8(keep_mask, perm, raw);
    const __m512i word = _mm512_srl_epi64(_mm512_mullo_epi64(key, word_mul), shift);
    const __m512i g = _mm512_mullo_epi64(key, mask_mul);
    const __m512i m =
        _mm512_or_si512(_mm512_sllv_epi64(one, _mm512_srli_epi64(g, 58)),
                        _mm512_sllv_epi64(one, _mm512_and_si512(_mm512_srli_epi64(g, 52), low6)));
    const __m512i w = _mm512_i64gather_epi64(word, first, 8);
    const __m512i missing = _mm512_andnot_si512(w, m);
    const uint64_t pass = _mm512_testn_epi64_mask(missing, missing);
    if (count % 64 == 0) passes[count / 64] = 0;
    passes[count / 64] |= pass << (count % 64);
  }
  return count;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace netward::filter
