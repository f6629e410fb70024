// src/capture/decode/bytes.h: the byte view each decode layer narrows (Zeek's "len - 4,
// data + 4"), with what was captured and what the layer had on the wire kept apart, and
// unaligned big-/little-endian loads. Header-only; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace netward::capture::decode {

// `len` bytes are present at `p`; the layer had `wire` >= len bytes on the wire (more when the
// capture was cut by the snap length).
struct Bytes {
  const uint8_t* p = nullptr;
  size_t len = 0;
  size_t wire = 0;

  // Drops the first n bytes; requires n <= len.
  Bytes Advance(size_t n) const { return Bytes{p + n, len - n, wire - n}; }
  // Limits the view to the first n wire bytes (n <= wire), e.g. to an IP total length, which
  // removes Ethernet padding.
  Bytes Clip(size_t n) const { return Bytes{p, len < n ? len : n, n}; }
};

inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t Load32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline uint16_t Load16Le(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t Load32Le(const uint8_t* p) {
  return p[0] | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace netward::capture::decode
