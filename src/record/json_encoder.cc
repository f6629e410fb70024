#include "record/json_encoder.h"

#include <cstdio>

namespace netward::record::detail {
namespace {
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

size_t Utf8SequenceLength(const unsigned char* s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  uint32_t min;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (n < len) return 0;
  uint32_t cp = c & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void AppendJsonString(std::string_view value, std::string* out) {
  out->push_back('"');
  const auto* s = reinterpret_cast<const unsigned char*>(value.data());
  size_t n = value.size();
  size_t i = 0;
  while (i < n) {
    // Fast path: a run of printable ASCII that needs no escaping.
    size_t run = i;
    while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\') ++run;
    if (run > i) {
      out->append(reinterpret_cast<const char*>(s + i), run - i);
      i = run;
      if (i >= n) break;
    }
    unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
      }
      ++i;
    } else {
      size_t len = Utf8SequenceLength(s + i, n - i);
      if (len == 0) {
        out->append("\\\\x");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
        ++i;
      } else {
        out->append(reinterpret_cast<const char*>(s + i), len);
        i += len;
      }
    }
  }
  out->push_back('"');
}

void AppendTime(TimestampUs ts, std::string* out) {
  if (ts == 0) {  // unknown (e.g. no certificate seen): "", like every other unknown string
    out->append("\"\"");
    return;
  }
  char buf[kIso8601Length + 2];
  buf[0] = '"';
  FormatIso8601(ts, buf + 1);
  buf[kIso8601Length + 1] = '"';
  out->append(buf, sizeof(buf));
}

void AppendIp(const IpAddress& ip, std::string* out) {
  char buf[kMaxIpTextLength + 2];
  buf[0] = '"';
  size_t n = ip.Format(buf + 1);
  buf[n + 1] = '"';
  out->append(buf, n + 2);
}

void AppendUnsigned(uint64_t value, std::string* out) {
  char buf[24];
  size_t pos = sizeof(buf);
  do {
    buf[--pos] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value);
  out->append(buf + pos, sizeof(buf) - pos);
}

}  // namespace netward::record::detail
