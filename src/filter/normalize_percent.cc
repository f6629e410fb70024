// src/filter/normalize_percent.cc: URL percent-decoding (normalize_percent.h).
#include "filter/normalize_percent.h"

#include "common/hex.h"
#include "filter/normalize_utf8.h"

namespace netward::filter {
namespace {

// Reads "%uXXXX" at in[i]; returns the 16-bit value or -1.
long ReadPercentU(std::string_view in, size_t i) {
  if (i + 6 > in.size() || in[i] != '%' || (in[i + 1] != 'u' && in[i + 1] != 'U')) return -1;
  long v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const int h = HexDigitValue(in[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

}  // namespace

void PercentDecode(std::string_view in, bool plus_as_space, std::string* out) {
  out->reserve(out->size() + in.size());
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    const char c = in[i];
    if (c == '+' && plus_as_space) {
      out->push_back(' ');
      ++i;
      continue;
    }
    if (c != '%') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 2 < n && HexDigitValue(in[i + 1]) >= 0 && HexDigitValue(in[i + 2]) >= 0) {
      out->push_back(static_cast<char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2])));
      i += 3;
      continue;
    }
    const long u = ReadPercentU(in, i);
    if (u < 0) {
      out->push_back('%');
      ++i;
      continue;
    }
    i += 6;
    char32_t cp = static_cast<char32_t>(u);
    if (u >= 0xD800 && u <= 0xDBFF) {
      const long low = ReadPercentU(in, i);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((static_cast<char32_t>(u) - 0xD800) << 10) +
             (static_cast<char32_t>(low) - 0xDC00);
        i += 6;
      } else {
        cp = kReplacementChar;
      }
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      cp = kReplacementChar;
    }
    AppendUtf8(cp, out);
  }
}

}  // namespace netward::filter
