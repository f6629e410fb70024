// src/store/block_format.h: the constants and arithmetic of the block layout that the writer,
// the reader and their tests share (docs/store-format.md, "Block format"). Nothing else should
// include it: the store goes through store/block_codec.h.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/ip_address.h"
#include "store/block_codec.h"
#include "store/hash64.h"
#include "store/varint.h"

namespace netward::store::block_format {

static_assert(std::endian::native == std::endian::little,
              "the block format is little endian and read with memcpy");

constexpr char kMagic[4] = {'N', 'W', 'B', '1'};
// 2: row groups; 3: packed chunks, later Time columns from ts; 4: zone maps and pair filters;
// 5: subscriber columns (implicit rows resolved from the segment's dictionary); 6: key-relative
// columns
constexpr uint8_t kVersion = 6;

// Fixed part of the header: offsets of its fields.
constexpr size_t kMagicOffset = 0;         // 4 bytes "NWB1"
constexpr size_t kVersionOffset = 4;       // u8
constexpr size_t kStreamOffset = 5;        // u8 record::StreamId
constexpr size_t kColumnCountOffset = 6;   // u16
constexpr size_t kFingerprintOffset = 8;   // u32 schema fingerprint of the stream
constexpr size_t kCountOffset = 12;        // u32 records
constexpr size_t kHeaderBytesOffset = 16;  // u32 header size, checksum included
constexpr size_t kTotalBytesOffset = 20;   // u32 header + columns
constexpr size_t kFirstSeqOffset = 24;     // u64
constexpr size_t kMinTsOffset = 32;        // i64
constexpr size_t kMaxTsOffset = 40;        // i64
constexpr size_t kGroupShiftOffset = 48;   // u8 log2 of the rows per row group
constexpr size_t kFixedBytes = 49;

// Rows per row group the writer uses: each column of each group is compressed on its own, so a
// query decompresses only the groups it reads. A power of two (the header holds its log2).
constexpr uint32_t kGroupShift = 12;
constexpr uint32_t kMaxGroupShift = 20;

// Then per row group G = ceil(N / rows per group): i64 min_ts, i64 max_ts of its rows.
constexpr size_t kGroupEntryBytes = 16;

// Then one entry per column: u8 flags, u64 sum0, u64 sum1 (over all the block's rows).
constexpr size_t kColumnEntryBytes = 17;
constexpr size_t kEntryFlags = 0;
constexpr size_t kEntrySum0 = 1;
constexpr size_t kEntrySum1 = 9;

// Then one entry per chunk (column c, group g; column by column, groups in order): u8 codec,
// u32 stored bytes, u32 raw bytes, u64 Hash64 of the stored bytes (seed kStoredSeed). The
// chunks' bytes follow the header in the same order.
constexpr size_t kChunkEntryBytes = 17;
constexpr size_t kChunkCodec = 0;
constexpr size_t kChunkStored = 1;
constexpr size_t kChunkRaw = 5;
constexpr size_t kChunkStoredHash = 9;
// Packed: the chunk's codes bit-packed by store/int_codec.h (Time, integer and Ip columns only).
enum Codec : uint8_t { kCodecRaw = 0, kCodecZstd = 1, kCodecPacked = 2 };
constexpr uint8_t kFlagInBloom = 1;  // the column's values are in the Bloom filter
constexpr uint8_t kFlagZoneMap = 2;  // the column has a zone map (integer columns)
constexpr uint8_t kKnownFlags = kFlagInBloom | kFlagZoneMap;

// Then the Bloom filter: u8 hash count, u32 bit count, bits / 8 bytes.
constexpr size_t kBloomFixedBytes = 5;
// Then the zone maps: for each column flagged kFlagZoneMap, in column order, per row group
// u64 min, u64 max of its rows' values.
constexpr size_t kZoneEntryBytes = 16;
// Then u8 the number of pair filters; per pair filter: u8 column a, u8 column b, u8 hash count,
// u8 bucket shift s of column b (an integer column's value v enters the key as v >> s; 0 for
// other columns), per row group u32 bit count (a multiple of 512, 0 for none), then each
// group's bits in order: a split-block Bloom filter (bloom_filter.h) of PairKey of its rows'
// distinct (a, b) values.
constexpr size_t kPairFixedBytes = 4;
constexpr uint8_t kMaxPairShift = 16;
constexpr uint8_t kMaxPairFilters = 8;
constexpr uint32_t kPairBitsPerKey = 16;  // ~0.1 % false positives: a search reads few groups
// Then the u64 checksum.
constexpr size_t kChecksumBytes = 8;

// Column types with a zone map: equality searches skip row groups whose range lacks the value.
inline bool IsZoneMapped(ColumnType t) {
  return t == ColumnType::kU16 || t == ColumnType::kU32 || t == ColumnType::kU64;
}

constexpr uint64_t kHeaderSeed = 0x4e57423148445253ULL;  // "NWB1HDRS"
constexpr uint64_t kStoredSeed = 0x4e57423153544f52ULL;  // "NWB1STOR"

// Limits the reader enforces (a block from this writer never exceeds them).
constexpr uint32_t kMaxColumnRawBytes = 1u << 30;

// Checksum of the header bytes [0, header_bytes - 8), stored in its last 8 bytes.
inline uint64_t HeaderChecksum(const void* header, size_t len_without_checksum) {
  return Hash64(header, len_without_checksum, kHeaderSeed);
}

template <typename T>
inline T Load(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
inline void Store(void* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// ---- Value hashes: the h_i of the locator checksums and the source of the Bloom keys. ----
// Time and integers: HashWord of the value; Ip: of its 16 bytes (IPv4 mapped) folded;
// String (and a StringList element): Hash64 of its bytes; a list row: Hash64 of its encoding.

inline uint64_t IpHash(const IpAddress& ip) {
  return HashWord(Load<uint64_t>(ip.bytes) ^ HashWord(Load<uint64_t>(ip.bytes + 8)));
}

// The Bloom key of a value hash in column `column`.
inline uint64_t BloomKey(uint64_t value_hash, size_t column) {
  return Fmix64(value_hash ^ ((column + 1) * 0x9E3779B97F4A7C15ULL));
}

// The key of a row's pair of value hashes (columns a and b) in its group's pair filter.
inline uint64_t PairKey(uint64_t hash_a, uint64_t hash_b, size_t column_a, size_t column_b) {
  return Fmix64((hash_a * 0x9E3779B97F4A7C15ULL) ^
                Fmix64(hash_b + ((column_a + 1) << 8) + (column_b + 1)));
}

// Column types whose chunks may be packed. An Ip row's code there: 0 unset, an IPv4 address
// plus 1 (host order); a row group with an IPv6 address is not packed.
inline bool IsPackable(ColumnType t) {
  return t == ColumnType::kTime || t == ColumnType::kU16 || t == ColumnType::kU32 ||
         t == ColumnType::kU64 || t == ColumnType::kIp;
}

// The packed code of an unset or IPv4 address (the caller checks it is one of those).
inline uint64_t PackedIpCode(const IpAddress& ip) {
  if (ip.is_unspecified()) return 0;
  return uint64_t{(uint32_t{ip.bytes[12]} << 24) | (uint32_t{ip.bytes[13]} << 16) |
                  (uint32_t{ip.bytes[14]} << 8) | ip.bytes[15]} +
         1;
}

// The first byte of a String chunk (before compression): its layout.
constexpr uint8_t kStringInline = 0;      // per row a tag, new values inline
constexpr uint8_t kStringTransposed = 1;  // new values of one length, stored byte plane by plane

// The first byte of a chunk of a Time column after ts (before compression or packing): how
// its rows are coded.
constexpr uint8_t kTimeFromPrevious = 0;  // the value minus the row before's (first: minus 0)
constexpr uint8_t kTimeFromTs = 1;        // the value minus the same row's ts

// The first byte of a chunk of a key-relative column (StreamInfo::relative; before compression
// or packing): how its rows are coded.
constexpr uint8_t kKeyPlain = 0;     // each row as the column's type encodes it (may be packed)
constexpr uint8_t kKeyRelative = 1;  // a row whose key occurred earlier in the group: from the
                                     // value of the last such row (never packed)
// In a kKeyRelative Ip chunk of a column other than the key, the family byte
// kIpAsPrevious + k - 1 (k = 1 .. kMaxSameKeySteps) of a row whose address is that of its k-th
// same-key row back (its same-key row's same-key row for k = 2, ...).
constexpr uint8_t kIpAsPrevious = 7;
constexpr uint8_t kMaxSameKeySteps = 8;
// In a kKeyRelative chunk of the key column itself, the family byte of a row whose address is
// that of the row d rows before it in the group, d following as a varint (1 <= d <= the row's
// index in the group).
constexpr uint8_t kIpAsRowBefore = kIpAsPrevious + kMaxSameKeySteps;

// The hash a pair filter takes of column b's integer value v with bucket shift s > 0 (for
// s = 0, the value hash as for the Bloom filter).
inline uint64_t PairBucketHash(uint64_t v, uint8_t s) { return HashWord(v >> s); }

// Ip encoding: family byte (0 unset, 4, 6) + 4 or 16 address bytes.
constexpr size_t kMaxIpEncoding = 17;
inline uint8_t* EncodeIp(uint8_t* p, const IpAddress& ip) {
  const uint64_t lo = Load<uint64_t>(ip.bytes);
  const uint64_t hi = Load<uint64_t>(ip.bytes + 8);
  if ((lo | hi) == 0) {
    *p++ = 0;
  } else if (lo == 0 && static_cast<uint32_t>(hi) == 0xffff0000u) {  // ::ffff:a.b.c.d
    *p++ = 4;
    std::memcpy(p, ip.bytes + 12, 4);
    p += 4;
  } else {
    *p++ = 6;
    std::memcpy(p, ip.bytes, 16);
    p += 16;
  }
  return p;
}
// Reads the encoding EncodeIp wrote at *p and moves *p past it. Unchecked: for the writer's
// own bytes (the reader checks the family, the length and the canonical form).
inline IpAddress DecodeIpUnchecked(const uint8_t** p) {
  const uint8_t family = *(*p)++;
  const IpAddress ip = family == 4   ? IpAddress::FromV4(*p)
                       : family == 6 ? IpAddress::FromV6(*p)
                                     : IpAddress();
  *p += family == 4 ? 4 : family == 6 ? 16 : 0;
  return ip;
}

// ---- Subscriber columns (block_codec.h, SubscriberDictionary). ----
// After the pair filters: u8 mode. 0: every row's values are stored. 1: the block has implicit
// rows; then u8 key column, u8 count n of dependent columns, n u8 column indexes (ascending),
// and per row group a chunk entry (as above) of its explicit-row map, whose stored bytes follow
// the last column's chunks. A map is ceil(rows / 8) bytes before compression: bit i % 8 of
// byte i / 8 is 1 when the group's row i is explicit; the bits after the last row are 0.
constexpr uint8_t kSubscribersNone = 0;
constexpr uint8_t kSubscribersImplicit = 1;
constexpr size_t kMaxDependentColumns = 8;

// A tuple's encoding of one value (the dictionary compares tuples byte for byte).
inline uint8_t* EncodeTupleString(uint8_t* p, std::string_view s) {
  p = PutVarint64(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// ---- Locator checksums: arithmetic modulo the Mersenne prime p = 2^61 - 1. ----
constexpr uint64_t kPrime = (uint64_t{1} << 61) - 1;

inline uint64_t ModP(uint64_t x) {
  x = (x & kPrime) + (x >> 61);
  return x >= kPrime ? x - kPrime : x;
}
inline uint64_t AddModP(uint64_t a, uint64_t b) {  // a, b < p
  uint64_t s = a + b;
  return s >= kPrime ? s - kPrime : s;
}
inline uint64_t SubModP(uint64_t a, uint64_t b) { return a >= b ? a - b : a + kPrime - b; }
inline uint64_t MulModP(uint64_t a, uint64_t b) {  // a, b < p
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  uint64_t s = (static_cast<uint64_t>(r) & kPrime) + static_cast<uint64_t>(r >> 61);
  return s >= kPrime ? s - kPrime : s;
}
inline uint64_t PowModP(uint64_t base, uint64_t exp) {
  uint64_t result = 1;
  while (exp) {
    if (exp & 1) result = MulModP(result, base);
    base = MulModP(base, base);
    exp >>= 1;
  }
  return result;
}

// The locator checksums of a column: S0 = sum h_i and S1 = sum (i + 1) * h_i (mod p) over its
// rows i, where h_i is Hash64 of the row's value bytes reduced mod p.
struct Sums {
  uint64_t sum0 = 0;
  uint64_t sum1 = 0;
};

// Accumulates Sums row by row: the raw hashes and the running sums of them are added up in 128
// bits (no overflow below 2^20 rows) and reduced mod p once, at the end. S1 = (n + 1) * S0 - the
// sum of the running S0s, which is sum (i + 1) * h_i.
class Locator {
 public:
  void Add(uint64_t hash) {
    sum0_ += hash;
    running_ += sum0_;
  }
  Sums Finish(uint32_t rows) const {
    uint64_t s0 = Mod128(sum0_);
    return {s0, SubModP(MulModP(ModP(uint64_t{rows} + 1), s0), Mod128(running_))};
  }

 private:
  static uint64_t Mod128(unsigned __int128 x) {
    uint64_t folded = static_cast<uint64_t>(x & kPrime) +
                      static_cast<uint64_t>((x >> 61) & kPrime) + static_cast<uint64_t>(x >> 122);
    return ModP(folded);
  }
  unsigned __int128 sum0_ = 0;
  unsigned __int128 running_ = 0;
};

// If exactly one row differs between the stored and the recomputed sums, returns it (0-based);
// -1 if the difference cannot come from a single row among `count`.
inline int64_t LocateChangedRow(const Sums& stored, const Sums& actual, uint32_t count) {
  uint64_t d0 = SubModP(actual.sum0, stored.sum0);
  uint64_t d1 = SubModP(actual.sum1, stored.sum1);
  if (d0 == 0) return -1;
  uint64_t position = MulModP(d1, PowModP(d0, kPrime - 2));  // i + 1 = dS1 / dS0
  if (position == 0 || position > count) return -1;
  return static_cast<int64_t>(position - 1);
}

}  // namespace netward::store::block_format
