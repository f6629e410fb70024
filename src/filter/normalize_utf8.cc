// src/filter/normalize_utf8.cc: UTF-8 validation (normalize_utf8.h).
#include "filter/normalize_utf8.h"

#include <cstring>

namespace netward::filter {

bool IsUtf8AllowingTruncatedTail(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  bool multibyte_seen = false;
  while (i < n) {
    // ASCII runs, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    // Three-byte sequences led by E1..EC (U+1000..U+CFFF: CJK, most of Chinese text) have no
    // overlong or surrogate forms: two continuation bytes make them valid.
    while (i + 3 <= n && p[i] >= 0xE1 && p[i] <= 0xEC && (p[i + 1] & 0xC0) == 0x80 &&
           (p[i + 2] & 0xC0) == 0x80) {
      multibyte_seen = true;
      i += 3;
    }
    if (i >= n || p[i] < 0x80) continue;
    size_t len;
    if (DecodeUtf8(p + i, n - i, &len) == kReplacementChar) {
      // A real U+FFFD (EF BF BD) is fine; otherwise accept only a truncated tail.
      const bool real = len == 3 && p[i] == 0xEF && p[i + 1] == 0xBF && p[i + 2] == 0xBD;
      if (!real && i + len < n) return false;
      if (!real) {
        // Truncated: the bytes up to the end must be a valid prefix, i.e. the lead byte says
        // more bytes than remain.
        const unsigned c = p[i];
        const size_t want = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
        return want > n - i && multibyte_seen;
      }
    }
    multibyte_seen = true;
    i += len;
  }
  return true;
}

}  // namespace netward::filter
