// src/store/hash64.h: the 64-bit hash of the store's block format (docs/store-format.md).
// Used for the per-row locator checksums, the Bloom filter keys and the block header checksum,
// so its exact output is part of the on-disk format: never change it without a format version.
//
// Hash64 follows wyhash (Wang Yi, public domain, "final 4" shape with its default secret): two
// 64x64->128-bit multiplies for inputs up to 16 bytes, 48-byte stripes beyond. This file is the
// definition; the unit test pins its output. Not cryptographic (the Merkle tree is the proof).
// Header-only, no allocation, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace netward::store {

namespace hash64_detail {
constexpr uint64_t kSecret[4] = {0x2d358dccaa6c78a5ULL, 0x8bb84b93962eacc9ULL,
                                 0x4b33a62ed433d4a3ULL, 0x4d5a2da51de1aa47ULL};

inline void Mum(uint64_t* a, uint64_t* b) {
  __uint128_t r = static_cast<__uint128_t>(*a) * *b;
  *a = static_cast<uint64_t>(r);
  *b = static_cast<uint64_t>(r >> 64);
}
inline uint64_t Mix(uint64_t a, uint64_t b) {
  Mum(&a, &b);
  return a ^ b;
}
// Little-endian loads (the format is defined on little-endian byte order).
inline uint64_t Read8(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Read4(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t Read3(const uint8_t* p, size_t k) {
  return (static_cast<uint64_t>(p[0]) << 16) | (static_cast<uint64_t>(p[k >> 1]) << 8) | p[k - 1];
}

// Inputs over 16 bytes: the 16- and 48-byte stripes; returns the final (a, b) in *a, *b.
[[gnu::noinline]] inline void LongInput(const uint8_t* p, size_t len, uint64_t* seed_io,
                                        uint64_t* a_out, uint64_t* b_out) {
  uint64_t seed = *seed_io;
  size_t i = len;
  if (i > 48) {
    uint64_t see1 = seed, see2 = seed;
    do {
      seed = Mix(Read8(p) ^ kSecret[1], Read8(p + 8) ^ seed);
      see1 = Mix(Read8(p + 16) ^ kSecret[2], Read8(p + 24) ^ see1);
      see2 = Mix(Read8(p + 32) ^ kSecret[3], Read8(p + 40) ^ see2);
      p += 48;
      i -= 48;
    } while (i > 48);
    seed ^= see1 ^ see2;
  }
  while (i > 16) {
    seed = Mix(Read8(p) ^ kSecret[1], Read8(p + 8) ^ seed);
    i -= 16;
    p += 16;
  }
  *a_out = Read8(p + i - 16);
  *b_out = Read8(p + i - 8);
  *seed_io = seed;
}
}  // namespace hash64_detail

// Inlined: the short-input path is two 64x64->128 multiplies (one when the seed is a constant).
[[gnu::always_inline]] inline uint64_t Hash64(const void* data, size_t len, uint64_t seed = 0) {
  using namespace hash64_detail;
  const auto* p = static_cast<const uint8_t*>(data);
  seed ^= Mix(seed ^ kSecret[0], kSecret[1]);
  uint64_t a, b;
  if (__builtin_expect(len <= 16, 1)) {
    if (len >= 4) {
      a = (Read4(p) << 32) | Read4(p + ((len >> 3) << 2));
      b = (Read4(p + len - 4) << 32) | Read4(p + len - 4 - ((len >> 3) << 2));
    } else if (len > 0) {
      a = Read3(p, len);
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    LongInput(p, len, &seed, &a, &b);
  }
  a ^= kSecret[1];
  b ^= seed;
  Mum(&a, &b);
  return Mix(a ^ kSecret[0] ^ len, b ^ kSecret[1]);
}

// The hash of one 64-bit value (Time and integer rows): one 64x64->128-bit multiply.
inline uint64_t HashWord(uint64_t x) {
  return hash64_detail::Mix(x ^ hash64_detail::kSecret[0], hash64_detail::kSecret[1]);
}

// A 64-bit finalizer (MurmurHash3's fmix64): spreads every input bit over the output.
inline uint64_t Fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

}  // namespace netward::store
