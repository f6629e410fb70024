#include "record/json_text.h"

namespace netward::record::json_text {
namespace {

// Howard Hinnant's days_from_civil, as in common/time.cc.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned DaysInMonth(unsigned y, unsigned m) {
  static constexpr unsigned char kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

// The shape of a canonical time, 8 bytes at a time (offsets 0, 8, 16, 19): where the digits are
// and what the other bytes must be.
struct TimeShape {
  uint64_t digit_mask[4] = {};
  uint64_t sep_mask[4] = {};
  uint64_t sep_value[4] = {};
};
constexpr size_t kTimeWordAt[4] = {0, 8, 16, 19};
constexpr TimeShape MakeTimeShape() {
  constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  TimeShape t;
  for (size_t w = 0; w < 4; ++w) {
    for (size_t b = 0; b < 8; ++b) {
      char c = kPattern[kTimeWordAt[w] + b];
      if (c == 'd') {
        t.digit_mask[w] |= uint64_t{0xFF} << ByteShift(b);
      } else {
        t.sep_mask[w] |= uint64_t{0xFF} << ByteShift(b);
        t.sep_value[w] |= uint64_t{static_cast<unsigned char>(c)} << ByteShift(b);
      }
    }
  }
  return t;
}
constexpr TimeShape kTimeShape = MakeTimeShape();

// True if every byte of `x` under `digits` is '0'..'9'.
inline bool DigitsUnder(uint64_t x, uint64_t digits) {
  const uint64_t t = x & digits;
  const uint64_t nibble = 0xF0F0F0F0F0F0F0F0ULL & digits;
  const uint64_t thirty = 0x3030303030303030ULL & digits;
  return (t & nibble) == thirty && ((t + (0x0606060606060606ULL & digits)) & nibble) == thirty;
}

// Hex digit values, 0xFF for anything else: a table, as hex digits in addresses are random and a
// chain of range compares mispredicts.
struct HexTable {
  uint8_t value[256];
  constexpr HexTable() : value() {
    for (int c = 0; c < 256; ++c) value[c] = 0xFF;
    for (int c = 0; c < 10; ++c) value['0' + c] = static_cast<uint8_t>(c);
    for (int c = 0; c < 6; ++c) {
      value['a' + c] = static_cast<uint8_t>(10 + c);
      value['A' + c] = static_cast<uint8_t>(10 + c);
    }
  }
};
constexpr HexTable kHexValue;

}  // namespace

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Parses the 27 characters at `s` if they are exactly what FormatIso8601 writes
// ("YYYY-MM-DDThh:mm:ss.uuuuuuZ", a real date, second <= 59); false for anything else.
bool ParseCanonicalTime(const char* s, TimestampUs* out) {
  auto word_ok = [s](size_t w) {
    uint64_t x = Load64(s + kTimeWordAt[w]);
    return (x & kTimeShape.sep_mask[w]) == kTimeShape.sep_value[w] &&
           DigitsUnder(x, kTimeShape.digit_mask[w]);
  };
  if (!word_ok(0) || !word_ok(1) || !word_ok(2) || !word_ok(3)) return false;
  auto d = [s](int i) { return static_cast<unsigned>(s[i] - '0'); };
  unsigned year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  unsigned month = d(5) * 10 + d(6), day = d(8) * 10 + d(9);
  unsigned hour = d(11) * 10 + d(12), minute = d(14) * 10 + d(15), second = d(17) * 10 + d(18);
  unsigned micros = ((((d(20) * 10 + d(21)) * 10 + d(22)) * 10 + d(23)) * 10 + d(24)) * 10 + d(25);
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  int64_t secs = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  *out = secs * kUsPerSecond + micros;
  return true;
}

// Parses IPv6 text made of hex groups and at most one "::" (no embedded IPv4) up to the closing
// quote, starting after the opening one: the form the encoder writes for every address that is
// not IPv4-mapped or IPv4-compatible. Returns the position of the closing quote, or nullptr for
// anything else, which IpAddress::Parse (inet_pton) then judges. Accepts only what inet_pton
// accepts, with the same result.
const char* ParsePlainV6(const char* s, const char* end, IpAddress* out) {
  uint16_t groups[8];
  int count = 0, gap = -1;  // gap: the number of groups before "::"
  if (end - s >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    s += 2;
  }
  while (s < end && *s != '"') {
    unsigned v = 0;
    int digits = 0;
    for (; s < end && digits < 4; ++s, ++digits) {
      const unsigned h = kHexValue.value[static_cast<unsigned char>(*s)];
      if (h > 15) break;
      v = v << 4 | h;
    }
    if (digits == 0 || count == 8) return nullptr;
    groups[count++] = static_cast<uint16_t>(v);
    if (s >= end || *s == '"') break;
    if (*s != ':' || s + 1 >= end || s[1] == '"') return nullptr;  // '.', a 5th digit, "x:"
    if (s[1] == ':') {
      if (gap >= 0) return nullptr;
      gap = count;
      s += 2;
    } else {
      ++s;
    }
  }
  if (s >= end || (gap < 0 ? count != 8 : count > 7)) return nullptr;
  uint8_t b[16] = {};
  const int tail = gap < 0 ? 0 : count - gap;
  for (int g = 0; g < count; ++g) {
    const int at = gap >= 0 && g >= gap ? 8 - tail + (g - gap) : g;
    b[2 * at] = static_cast<uint8_t>(groups[g] >> 8);
    b[2 * at + 1] = static_cast<uint8_t>(groups[g]);
  }
  *out = IpAddress::FromV6(b);
  return s;
}

// Writes `ip` (not IPv4-mapped) as glibc's inet_ntop does (RFC 5952 with the first longest run
// of two or more zero groups compressed, "::a.b.c.d" for IPv4-compatible addresses), without its
// sprintf calls; returns the length. `out` must hold kMaxIpTextLength + 3 bytes: each group is
// copied as 4 bytes, then the cursor advances by its significant digits only. For the decoder's
// canonical check: IpAddress::Format is the reference, and json_decoder_test compares the two on
// many random addresses.
size_t FormatV6(const IpAddress& ip, char* out) {
  unsigned words[8];
  for (int i = 0; i < 8; ++i) words[i] = ip.bytes[2 * i] << 8 | ip.bytes[2 * i + 1];
  int best_base = -1, best_len = 0, cur_base = -1, cur_len = 0;
  for (int i = 0; i < 8; ++i) {
    if (words[i] == 0) {
      if (cur_base == -1) {
        cur_base = i;
        cur_len = 1;
      } else {
        ++cur_len;
      }
    } else if (cur_base != -1) {
      if (best_base == -1 || cur_len > best_len) {
        best_base = cur_base;
        best_len = cur_len;
      }
      cur_base = -1;
    }
  }
  if (cur_base != -1 && (best_base == -1 || cur_len > best_len)) {
    best_base = cur_base;
    best_len = cur_len;
  }
  if (best_base != -1 && best_len < 2) best_base = -1;
  char* p = out;
  for (int i = 0; i < 8; ++i) {
    if (best_base != -1 && i >= best_base && i < best_base + best_len) {
      if (i == best_base) *p++ = ':';
      continue;
    }
    if (i != 0) *p++ = ':';
    if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
      for (int k = 12; k < 16; ++k) {
        unsigned v = ip.bytes[k];
        if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
        if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
        *p++ = static_cast<char>('0' + v % 10);
        if (k < 15) *p++ = '.';
      }
      return static_cast<size_t>(p - out);
    }
    // All four digits, then keep the significant ones (out has room for the extra bytes).
    const unsigned w = words[i];
    const int n = 1 + (w >= 0x10) + (w >= 0x100) + (w >= 0x1000);
    const char digits[8] = {kHex[w >> 12], kHex[(w >> 8) & 15], kHex[(w >> 4) & 15],
                            kHex[w & 15]};  // 4 spare bytes: the copy below reads 4
    std::memcpy(p, digits + 4 - n, 4);
    p += n;
  }
  if (best_base != -1 && best_base + best_len == 8) *p++ = ':';
  return static_cast<size_t>(p - out);
}

}  // namespace netward::record::json_text
