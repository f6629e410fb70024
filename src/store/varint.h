// src/store/varint.h: LEB128 varints and zigzag, as the block format writes them
// (docs/store-format.md). Encoders write into a caller-sized buffer (kMaxVarint64 bytes suffice);
// the decoder checks bounds and accepts only the canonical (shortest) form, so every value has
// exactly one encoding and the locator checksums of decoded rows equal the writer's.
// Header-only, no allocation, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace netward::store {

constexpr size_t kMaxVarint64 = 10;

// Writes `v` at `p`; returns the byte after it.
inline uint8_t* PutVarint64(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

inline size_t Varint64Length(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Reads a canonical varint from [*p, end) into *v and advances *p. False (with *p unchanged) if
// it runs past `end`, is longer than 10 bytes, overflows 64 bits, or is not the shortest form.
inline bool GetVarint64(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  const uint8_t* q = *p;
  if (q < end && *q < 0x80) {  // fast path: one byte
    *v = *q;
    *p = q + 1;
    return true;
  }
  uint64_t result = 0;
  for (unsigned shift = 0; shift < 64 && q < end; shift += 7) {
    uint64_t byte = *q++;
    if (shift == 63 && byte > 1) return false;  // overflow
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      if (byte == 0 && shift != 0) return false;  // overlong: a trailing zero group
      *v = result;
      *p = q;
      return true;
    }
  }
  return false;
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

}  // namespace netward::store
