// src/record/json_text.h: the text of JSON values as record/json_encoder.h writes them, read
// fast: scanners and exact parsers for the encoder's strings, times, addresses and keys, used by
// record/json_decoder.cc (and its tests). Each parser accepts only the encoder's own form, or a
// subset of what the general parser (ParseIso8601, IpAddress::Parse) accepts with the same
// result, and returns false/nullptr for anything else so that the caller falls back. Internal to
// src/record; no allocation; thread-safe.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/ip_address.h"
#include "common/time.h"

// For the helpers of the decoder's hot loop, which is too large for the compiler to inline into
// on its own.
#define NW_ALWAYS_INLINE __attribute__((always_inline)) inline

namespace netward::record::json_text {

inline constexpr char kHex[] = "0123456789abcdef";

NW_ALWAYS_INLINE uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

NW_ALWAYS_INLINE bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
NW_ALWAYS_INLINE bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Bytes that stand for themselves inside a JSON string and that the encoder writes unescaped:
// printable ASCII other than '"' and '\\'. (Bytes >= 0x80 are checked as UTF-8 one sequence at a
// time.)
struct PlainTable {
  bool plain[256];
  constexpr PlainTable() : plain() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  }
};
inline constexpr PlainTable kPlain;
NW_ALWAYS_INLINE bool IsPlain(char c) { return kPlain.plain[static_cast<unsigned char>(c)]; }

// The first byte in [p, end) that is not plain, or end; 16 (SSE2) or 8 bytes at a time.
NW_ALWAYS_INLINE const char* ScanPlain(const char* p, const char* end) {
#if defined(__SSE2__)
  // Signed bytes below 0x20 are the control characters and every byte >= 0x80.
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                backslash = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i bad =
        _mm_or_si128(_mm_cmplt_epi8(x, space),
                     _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(bad));
    if (mask) return p + std::countr_zero(mask);
    p += 16;
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    constexpr uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
    while (end - p >= 8) {
      const uint64_t x = Load64(p);
      const uint64_t quote = x ^ (k01 * '"'), backslash = x ^ (k01 * '\\');
      // High bit set in each byte that is >= 0x80, < 0x20, '"' or '\\'. The borrows of the
      // subtractions make only bytes above a real match wrong, and the lowest match is taken.
      const uint64_t bad = (x | ((x - k01 * 0x20) & ~x) | ((quote - k01) & ~quote) |
                            ((backslash - k01) & ~backslash)) &
                           k80;
      if (bad) return p + std::countr_zero(bad) / 8;
      p += 8;
    }
  }
  while (p < end && IsPlain(*p)) ++p;
  return p;
}

inline bool IsIpChar(char c) {
  return IsDigit(c) || c == '.' || c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Appends code point `cp` (not a surrogate, <= U+10FFFF) as UTF-8.
void AppendUtf8(uint32_t cp, std::string* out);

// The byte at offset i of a word loaded with Load64 sits at this shift.
constexpr size_t ByteShift(size_t i) {
  return std::endian::native == std::endian::little ? 8 * i : 8 * (7 - i);
}

// Parses the 27 characters at `s` if they are exactly what FormatIso8601 writes
// ("YYYY-MM-DDThh:mm:ss.uuuuuuZ", a real date, second <= 59); false for anything else.
bool ParseCanonicalTime(const char* s, TimestampUs* out);

// Parses dotted IPv4 exactly as IpAddress::Format writes it (four decimal octets, no leading
// zeros) followed by the closing quote, starting after the opening one. Returns the position
// after the closing quote, or nullptr for anything else.
NW_ALWAYS_INLINE const char* ParseCanonicalV4(const char* s, const char* end, IpAddress* out) {
  uint8_t b[4];
  for (int part = 0; part < 4; ++part) {
    if (s >= end || !IsDigit(*s)) return nullptr;
    unsigned v = static_cast<unsigned>(*s++ - '0');
    if (v != 0 && s < end && IsDigit(*s)) {
      v = v * 10 + static_cast<unsigned>(*s++ - '0');
      if (s < end && IsDigit(*s)) v = v * 10 + static_cast<unsigned>(*s++ - '0');
    }
    if (v > 255 || s >= end || *s++ != (part < 3 ? '.' : '"')) return nullptr;
    b[part] = static_cast<uint8_t>(v);
  }
  *out = IpAddress::FromV4(b);
  return s;
}

// Parses IPv6 text made of hex groups and at most one "::" (no embedded IPv4) up to the closing
// quote, starting after the opening one: the form the encoder writes for every address that is
// not IPv4-mapped or IPv4-compatible. Returns the position of the closing quote, or nullptr for
// anything else, which IpAddress::Parse (inet_pton) then judges. Accepts only what inet_pton
// accepts, with the same result.
const char* ParsePlainV6(const char* s, const char* end, IpAddress* out);

// Writes `ip` (not IPv4-mapped) as glibc's inet_ntop does (RFC 5952 with the first longest run
// of two or more zero groups compressed, "::a.b.c.d" for IPv4-compatible addresses), without its
// sprintf calls; returns the length. `out` must hold kMaxIpTextLength + 3 bytes: each group is
// copied as 4 bytes, then the cursor advances by its significant digits only. For the decoder's
// canonical check: IpAddress::Format is the reference, and json_decoder_test compares the two on
// many random addresses.
size_t FormatV6(const IpAddress& ip, char* out);

// A key with its quotes and colon ("name":) as up to three masked 64-bit words, so that the
// expected key is recognised with a few loads and compares.
struct KeyToken {
  uint64_t word[3] = {};
  uint64_t mask[3] = {};
  size_t len = 0;
};
constexpr KeyToken MakeToken(std::string_view name) {
  if (name.size() > 21) throw "field name too long for a KeyToken";  // fails the build
  KeyToken t;
  char buf[24] = {};
  t.len = name.size() + 3;
  buf[0] = '"';
  for (size_t i = 0; i < name.size(); ++i) buf[i + 1] = name[i];
  buf[name.size() + 1] = '"';
  buf[name.size() + 2] = ':';
  for (size_t w = 0; w < 3; ++w) {
    for (size_t b = 0; b < 8; ++b) {
      size_t i = w * 8 + b;
      size_t shift = ByteShift(b);
      t.word[w] |= uint64_t{static_cast<unsigned char>(buf[i])} << shift;
      if (i < t.len) t.mask[w] |= uint64_t{0xFF} << shift;
    }
  }
  return t;
}
inline constexpr KeyToken kSiteToken = MakeToken("site");

}  // namespace netward::record::json_text
