// src/store/int_codec.cc: frame-of-reference bit packing (int_codec.h).
#include "store/int_codec.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>

#include "store/varint.h"

namespace netward::store::int_codec {

Plan MakePlan(const uint64_t* codes, size_t n, bool is_signed) {
  Plan plan;
  if (n == 0) {
    plan.ok = true;
    plan.bytes = 3;
    return plan;
  }
  uint64_t lo = codes[0], hi = codes[0];
  if (is_signed) {
    int64_t slo = static_cast<int64_t>(lo), shi = slo;
    for (size_t i = 1; i < n; ++i) {
      const auto v = static_cast<int64_t>(codes[i]);
      slo = v < slo ? v : slo;
      shi = v > shi ? v : shi;
    }
    lo = static_cast<uint64_t>(slo);
    hi = static_cast<uint64_t>(shi);
  } else {
    for (size_t i = 1; i < n; ++i) {
      lo = codes[i] < lo ? codes[i] : lo;
      hi = codes[i] > hi ? codes[i] : hi;
    }
  }
  const uint64_t range = hi - lo;  // mod 2^64: right for signed codes too
  uint64_t mul = 0;
  if (range != 0) {
    for (size_t i = 0; i < n && mul != 1; ++i) mul = std::gcd(mul, codes[i] - lo);
  }
  if (mul == 0) mul = 1;
  const uint64_t top = range / mul;
  const auto width = static_cast<unsigned>(64 - std::countl_zero(top));
  plan.ok = width <= kMaxWidth;
  plan.width = static_cast<uint8_t>(width);
  plan.base = lo;
  plan.mul = mul;
  plan.bytes = 1 + Varint64Length(lo) + Varint64Length(mul) + (uint64_t{n} * width + 7) / 8;
  return plan;
}

uint8_t* Pack(const uint64_t* codes, size_t n, const Plan& plan, uint8_t* out) {
  *out++ = plan.width;
  out = PutVarint64(out, plan.base);
  out = PutVarint64(out, plan.mul);
  const unsigned w = plan.width;
  if (w == 0) return out;
  uint64_t acc = 0;
  unsigned bits = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t p = (codes[i] - plan.base) / plan.mul;
    acc |= p << bits;
    bits += w;
    while (bits >= 8) {
      *out++ = static_cast<uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits) *out++ = static_cast<uint8_t>(acc);
  return out;
}

bool ParsePacked(const uint8_t* p, const uint8_t* end, size_t n, PackedView* view) {
  if (p >= end) return false;
  const unsigned w = *p++;
  uint64_t base, mul;
  if (w > kMaxWidth || !GetVarint64(&p, end, &base) || !GetVarint64(&p, end, &mul) || mul == 0) {
    return false;
  }
  const uint64_t total_bits = uint64_t{n} * w;
  const size_t nbytes = static_cast<size_t>((total_bits + 7) / 8);
  if (static_cast<size_t>(end - p) != nbytes) return false;
  if (total_bits % 8 != 0 && (p[nbytes - 1] >> (total_bits % 8)) != 0) return false;
  *view = PackedView{p, nbytes, w, base, mul};
  return true;
}

uint64_t PackedView::Code(size_t i) const {
  if (width == 0) return base;
  const uint64_t bit = uint64_t{i} * width;
  const size_t byte = static_cast<size_t>(bit >> 3);
  uint64_t word = 0;
  std::memcpy(&word, bits + byte, std::min<size_t>(8, nbytes - byte));
  return base + mul * ((word >> (bit & 7)) & ((uint64_t{1} << width) - 1));
}

uint64_t PackedView::Sum(size_t count) const {
  uint64_t bits_sum = 0;
  if (width > 0) {
    const uint64_t mask = (uint64_t{1} << width) - 1;
    size_t i = 0;
    // Codes whose 8-byte load stays inside the bits: one load each (width <= 56 fits in it).
    for (; i < count && (uint64_t{i} * width >> 3) + 8 <= nbytes; ++i) {
      const uint64_t bit = uint64_t{i} * width;
      uint64_t word;
      std::memcpy(&word, bits + (bit >> 3), 8);
      bits_sum += (word >> (bit & 7)) & mask;
    }
    for (; i < count; ++i) {  // the last few: a shorter load
      const uint64_t bit = uint64_t{i} * width;
      const size_t byte = static_cast<size_t>(bit >> 3);
      uint64_t word = 0;
      std::memcpy(&word, bits + byte, std::min<size_t>(8, nbytes - byte));
      bits_sum += (word >> (bit & 7)) & mask;
    }
  }
  return base * count + mul * bits_sum;
}

bool Unpack(const uint8_t* p, const uint8_t* end, size_t n, uint64_t* out, size_t count) {
  PackedView v;
  if (!ParsePacked(p, end, n, &v)) return false;
  n = std::min(n, count);
  const unsigned w = v.width;
  const uint64_t base = v.base, mul = v.mul;
  const size_t nbytes = v.nbytes;
  p = v.bits;
  if (w == 0) {
    for (size_t i = 0; i < n; ++i) out[i] = base;
    return true;
  }
  const uint64_t mask = (uint64_t{1} << w) - 1;
  size_t i = 0;
  // Whole 8-byte loads while they stay inside the bits; then the tail through a copy.
  for (; i < n; ++i) {
    const uint64_t bit = uint64_t{i} * w;
    const size_t byte = static_cast<size_t>(bit >> 3);
    if (byte + 8 > nbytes) break;
    uint64_t word;
    std::memcpy(&word, p + byte, 8);
    out[i] = base + mul * ((word >> (bit & 7)) & mask);
  }
  for (; i < n; ++i) {
    const uint64_t bit = uint64_t{i} * w;
    const size_t byte = static_cast<size_t>(bit >> 3);
    uint64_t word = 0;
    std::memcpy(&word, p + byte, nbytes - byte);  // < 8 bytes, all that is left
    out[i] = base + mul * ((word >> (bit & 7)) & mask);
  }
  return true;
}

}  // namespace netward::store::int_codec
