// src/filter/normalize_utf8.h: UTF-8 decoding and encoding shared by the normalizer's steps
// (normalizer.h). Decoding is lenient: an invalid or truncated sequence becomes U+FFFD, one per
// maximal invalid subpart (Unicode 15, section 3.9 / WHATWG "decode"), and decoding goes on at
// the first byte that could start a character. Header-only, allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace netward::filter {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the code point starting at s[0] (n >= 1 bytes available). Sets *len to the bytes
// consumed, always >= 1. Returns kReplacementChar for an invalid or truncated sequence.
inline char32_t DecodeUtf8(const unsigned char* s, size_t n, size_t* len) {
  const unsigned c = s[0];
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  unsigned need;
  char32_t cp;
  unsigned lo = 0x80, hi = 0xBF;
  if (c < 0xC2) {
    *len = 1;
    return kReplacementChar;
  } else if (c < 0xE0) {
    need = 1;
    cp = c & 0x1F;
  } else if (c < 0xF0) {
    need = 2;
    cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c < 0xF5) {
    need = 3;
    cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    *len = 1;
    return kReplacementChar;
  }
  size_t i = 1;
  for (unsigned k = 0; k < need; ++k, ++i) {
    if (i >= n || s[i] < lo || s[i] > hi) {
      *len = i;
      return kReplacementChar;
    }
    cp = (cp << 6) | (s[i] & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  *len = i;
  return cp;
}

// Writes cp (a scalar value; surrogates and values > U+10FFFF become U+FFFD) to p, which must
// have room for 4 bytes. Returns the byte count written.
inline size_t EncodeUtf8(char32_t cp, char* p) {
  if (cp < 0x80) {
    p[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    p[0] = static_cast<char>(0xC0 | (cp >> 6));
    p[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = kReplacementChar;
  if (cp < 0x10000) {
    p[0] = static_cast<char>(0xE0 | (cp >> 12));
    p[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    p[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  p[0] = static_cast<char>(0xF0 | (cp >> 18));
  p[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  p[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  p[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

inline void AppendUtf8(char32_t cp, std::string* out) {
  char buf[4];
  out->append(buf, EncodeUtf8(cp, buf));
}

// True if `s` is well-formed UTF-8, except that a sequence cut off by the end of `s` (a prefix
// of a valid sequence) is accepted after at least one complete multi-byte character: bodies are
// often truncated mid-character (and a lone "caf\xE9" is Latin-1, not cut-off UTF-8).
bool IsUtf8AllowingTruncatedTail(std::string_view s);

}  // namespace netward::filter
