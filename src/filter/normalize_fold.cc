// src/filter/normalize_fold.cc: width/case folding and separator removal (normalize_fold.h).
#include "filter/normalize_fold.h"

#include <array>

#include "filter/normalize_separators.h"
#include "filter/normalize_utf8.h"

namespace netward::filter {
namespace {

// ASCII byte -> output byte, 0 to drop. One table with separators kept, one without.
constexpr std::array<char, 128> MakeAsciiTable(bool remove_separators) {
  std::array<char, 128> t{};
  for (int c = 1; c < 128; ++c) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (remove_separators && !alnum) continue;
    t[c] = static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  }
  return t;
}
constexpr std::array<char, 128> kAsciiKeep = MakeAsciiTable(false);
constexpr std::array<char, 128> kAsciiDrop = MakeAsciiTable(true);

void Grow(std::string* out, char** base, char** p, char** end) {
  const size_t used = static_cast<size_t>(*p - *base);
  out->resize(out->size() * 2 + 16);
  *base = out->data();
  *p = *base + used;
  *end = *base + out->size();
}

}  // namespace

char32_t FoldWidth(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) return cp - 0xFEE0;
  if (cp == 0x3000) return 0x20;
  if (cp >= 0xFFE0 && cp <= 0xFFE6) {
    static constexpr char32_t kMap[] = {0xA2, 0xA3, 0xAC, 0xAF, 0xA6, 0xA5, 0x20A9};
    return kMap[cp - 0xFFE0];
  }
  return cp;
}

char32_t FoldCase(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp < 0x100) {
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
    if (cp == 0xB5) return 0x3BC;  // micro sign -> μ
    return cp;
  }
  if (cp < 0x180) {
    if (cp == 0x130) return 'i';
    if (cp == 0x178) return 0xFF;
    if (cp == 0x17F) return 's';
    if ((cp <= 0x137 || (cp >= 0x14A && cp <= 0x177)) && (cp & 1) == 0) return cp + 1;
    if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) && (cp & 1) == 1)
      return cp + 1;
    return cp;
  }
  if (cp >= 0x370 && cp < 0x400) {
    if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;
    if (cp == 0x386) return 0x3AC;
    if (cp >= 0x388 && cp <= 0x38A) return cp + 0x25;
    if (cp == 0x38C) return 0x3CC;
    if (cp == 0x38E || cp == 0x38F) return cp + 0x3F;
    if (cp == 0x3C2) return 0x3C3;  // final sigma
    return cp;
  }
  if (cp >= 0x400 && cp < 0x530) {
    if (cp < 0x410) return cp + 0x50;
    if (cp < 0x430) return cp + 0x20;
    if (cp >= 0x460 && cp <= 0x481 && (cp & 1) == 0) return cp + 1;
    if (cp >= 0x48A && cp <= 0x4BF && (cp & 1) == 0) return cp + 1;
    if (cp == 0x4C0) return 0x4CF;
    if (cp >= 0x4C1 && cp <= 0x4CE && (cp & 1) == 1) return cp + 1;
    if (cp >= 0x4D0 && cp <= 0x52F && (cp & 1) == 0) return cp + 1;
    return cp;
  }
  if (cp >= 0x1E00 && cp <= 0x1EFF) {
    if (cp == 0x1E9E) return 0xDF;  // capital sharp s
    if ((cp <= 0x1E95 || cp >= 0x1EA0) && (cp & 1) == 0) return cp + 1;
    return cp;
  }
  if (cp == 0x2126) return 0x3C9;  // Ohm -> ω
  if (cp == 0x212A) return 'k';    // Kelvin
  if (cp == 0x212B) return 0xE5;   // Ångström -> å
  return cp;
}

bool FoldText(std::string_view in, bool remove_separators, MayChangeBits may_change,
              std::string* out) {
  const char* ascii = remove_separators ? kAsciiDrop.data() : kAsciiKeep.data();
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  out->resize(n + 16);
  char* base = out->data();
  char* p = base;
  char* end = base + out->size();
  bool hit = false;
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      // Each ASCII byte writes at most one byte; the room check below covers 4.
      const char m = ascii[c];
      *p = m;
      p += (m != 0);
      ++i;
    } else {
      size_t len;
      char32_t cp = DecodeUtf8(s + i, n - i, &len);
      if (cp >= 0x3400 && cp <= 0x9FFF) {
        // CJK ideographs, the bulk of Chinese text: no folding, never separators.
        hit |= may_change.Test(cp);
        p[0] = static_cast<char>(s[i]);
        p[1] = static_cast<char>(s[i + 1]);
        p[2] = static_cast<char>(s[i + 2]);
        p += 3;
        i += 3;
        if (end - p < 4) Grow(out, &base, &p, &end);
        continue;
      }
      i += len;
      cp = FoldCase(FoldWidth(cp));
      if (cp < 0x80) {
        const char m = ascii[cp];
        *p = m;
        p += (m != 0);
      } else if (!remove_separators || !IsSeparator(cp)) {
        hit |= may_change.Test(cp);
        p += EncodeUtf8(cp, p);
      }
    }
    if (end - p < 4) Grow(out, &base, &p, &end);
  }
  out->resize(static_cast<size_t>(p - base));
  return hit;
}

}  // namespace netward::filter
