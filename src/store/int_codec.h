// src/store/int_codec.h: frame-of-reference bit packing of a chunk's integer codes, the "packed"
// chunk codec of the block format (docs/store-format.md, "Packed chunks").
//
// n codes x_i (u64) are written as x_i = base + mul * p_i (mod 2^64) with every p_i in `width`
// bits: a header (u8 width, varint base, varint mul) and then the p_i back to back, least
// significant bit first, in ceil(n * width / 8) bytes (the unused high bits of the last byte
// are 0). Width 0 (every code equal) stores no bits. base is the smallest code (compared as
// signed or unsigned, as the caller says), mul the greatest common divisor of the differences
// to it (1 when they have none but 0): timestamps in whole seconds or milliseconds, port
// numbers of one stride, shrink by its log2.
//
// Thread-safe (no state); no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace netward::store::int_codec {

// The widest codes PackedPlan considers: wider ones are left to varints and zstd.
constexpr uint8_t kMaxWidth = 56;
// Most bytes the header takes.
constexpr size_t kMaxHeaderBytes = 1 + 10 + 10;

struct Plan {
  bool ok = false;  // false: some code needs more than kMaxWidth bits
  uint8_t width = 0;
  uint64_t base = 0;
  uint64_t mul = 1;
  size_t bytes = 0;  // header + bits
};

// Chooses base, mul and width for the n codes. `is_signed`: base is the smallest code as int64.
Plan MakePlan(const uint64_t* codes, size_t n, bool is_signed);

// Writes the header and the packed codes at `out` (plan.bytes bytes); returns out + plan.bytes.
uint8_t* Pack(const uint64_t* codes, size_t n, const Plan& plan, uint8_t* out);

// Reads exactly [p, end) as n packed codes into out[0..n). False if the bytes are not a header
// of width <= kMaxWidth and mul >= 1 followed by exactly ceil(n * width / 8) bytes whose unused
// bits are 0, or if a header varint is not canonical.
// With `count` < n: checks the same, but decodes only the first `count` codes (a reader that
// needs one row of a chunk).
bool Unpack(const uint8_t* p, const uint8_t* end, size_t n, uint64_t* out, size_t count = SIZE_MAX);

// A packed chunk read in place: row i's code without decoding the others (an equality search
// compares each row's code with the target's).
struct PackedView {
  const uint8_t* bits = nullptr;  // ceil(n * width / 8) bytes
  size_t nbytes = 0;
  unsigned width = 0;
  uint64_t base = 0;
  uint64_t mul = 1;
  uint64_t Code(size_t i) const;  // i < n: what Unpack writes at out[i]
  // count <= n: the sum of codes 0..count-1 modulo 2^64 (a Time column's value from its
  // differences), without storing them.
  uint64_t Sum(size_t count) const;
};
// Checks [p, end) as Unpack does for n codes and describes it in *view.
bool ParsePacked(const uint8_t* p, const uint8_t* end, size_t n, PackedView* view);

}  // namespace netward::store::int_codec
