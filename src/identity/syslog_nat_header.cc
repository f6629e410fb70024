#include "identity/syslog_nat_header.h"

#include <cstdlib>

namespace netward::identity {
namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t YearOf(TimestampUs ts) {
  int64_t z = ts / kUsPerSecond / 86400 + 719468;
  if (ts < 0) z -= 1;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

int MonthIndex(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (s == kMonths[i]) return i + 1;
  return 0;
}

std::string_view NextToken(std::string_view* rest) {
  size_t i = 0;
  while (i < rest->size() && (*rest)[i] == ' ') ++i;
  size_t j = i;
  while (j < rest->size() && (*rest)[j] != ' ') ++j;
  std::string_view tok = rest->substr(i, j - i);
  *rest = rest->substr(j);
  return tok;
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// RFC 3164 "Mmm dd hh:mm:ss[.frac]" or Cisco's "Mmm dd yyyy hh:mm:ss[.frac][:]" with an optional
// zone word "UTC"/"GMT" after it. On success `*rest` is the text after the timestamp.
bool ParseBsdTimestamp(std::string_view* rest, const SyslogClock& clock, TimestampUs* ts) {
  std::string_view r = *rest;
  while (!r.empty() && (r.front() == '*' || r.front() == '.' || r.front() == ':')) {
    r.remove_prefix(1);  // Cisco marks unsynchronised clocks with '*' or '.'
  }
  if (r.size() < 15) return false;
  const int month = MonthIndex(r.substr(0, 3));
  if (month == 0 || r[3] != ' ') return false;
  size_t p = 4;
  if (r[p] == ' ') ++p;  // "Nov  2"
  int day = 0;
  if (Digits(r, p, 2, &day)) {
    p += 2;
  } else if (Digits(r, p, 1, &day)) {
    p += 1;
  } else {
    return false;
  }
  if (p >= r.size() || r[p] != ' ') return false;
  ++p;
  int year = -1;
  if (Digits(r, p, 4, &year) && p + 4 < r.size() && r[p + 4] == ' ') {
    p += 5;
  } else {
    year = -1;
  }
  int hh = 0, mm = 0, ss = 0;
  if (!Digits(r, p, 2, &hh) || p + 8 > r.size() || r[p + 2] != ':' || !Digits(r, p + 3, 2, &mm) ||
      r[p + 5] != ':' || !Digits(r, p + 6, 2, &ss)) {
    return false;
  }
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return false;
  p += 8;
  int64_t frac_us = 0;
  if (p < r.size() && r[p] == '.') {
    ++p;
    int64_t scale = 100000;
    while (p < r.size() && r[p] >= '0' && r[p] <= '9') {
      frac_us += (r[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
  }
  if (p < r.size() && r[p] == ':') ++p;
  r = r.substr(p);
  int64_t offset = clock.rfc3164_utc_offset_s;
  {
    std::string_view probe = r;
    std::string_view zone = NextToken(&probe);
    if (!zone.empty() && zone.back() == ':') zone.remove_suffix(1);
    if (zone == "UTC" || zone == "GMT") {
      offset = 0;
      r = probe;
    }
  }
  auto at = [&](int64_t y) {
    const int64_t days = DaysFromCivil(y, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return (days * 86400 + hh * 3600 + mm * 60 + ss - offset) * kUsPerSecond + frac_us;
  };
  if (year >= 0) {
    *ts = at(year);
  } else {
    // No year: the candidate nearest to the receive time wins (year boundary, small skew).
    const int64_t y0 = YearOf(clock.now + offset * kUsPerSecond);
    TimestampUs best = at(y0);
    for (int64_t y : {y0 - 1, y0 + 1}) {
      const TimestampUs c = at(y);
      if (std::llabs(c - clock.now) < std::llabs(best - clock.now)) best = c;
    }
    *ts = best;
  }
  *rest = r;
  return true;
}

}  // namespace

bool ParseUtcOffset(std::string_view text, int32_t* offset_s) {
  if (text.empty() || text == "UTC" || text == "Z" || text == "utc") {
    *offset_s = 0;
    return true;
  }
  int h = 0, m = 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || !Digits(text, 1, 2, &h) ||
      text[3] != ':' || !Digits(text, 4, 2, &m) || h > 14 || m > 59) {
    return false;
  }
  *offset_s = (text[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return true;
}

SyslogMessage ParseSyslogHeader(std::string_view line, const SyslogClock& clock) {
  SyslogMessage m;
  m.ts = clock.now;
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == '\0')) {
    line.remove_suffix(1);
  }
  std::string_view r = line;
  if (r.size() >= 3 && r[0] == '<') {
    size_t close = r.find('>');
    int pri = 0;
    if (close != std::string_view::npos && close >= 2 && close <= 4 &&
        Digits(r, 1, close - 1, &pri) && pri <= 191) {
      m.priority = pri;
      r.remove_prefix(close + 1);
    }
  }
  if (r.size() >= 2 && r[0] == '1' && r[1] == ' ') {
    // RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
    std::string_view rest = r.substr(2);
    std::string_view stamp = NextToken(&rest);
    std::string_view host = NextToken(&rest);
    std::string_view app = NextToken(&rest);
    std::string_view procid = NextToken(&rest);
    std::string_view msgid = NextToken(&rest);
    if (!stamp.empty() && !msgid.empty()) {
      (void)procid;
      m.rfc5424 = true;
      if (stamp != "-") {
        if (std::optional<TimestampUs> t = ParseIso8601(stamp)) {
          m.ts = *t;
          m.ts_from_receive = false;
        }
      }
      m.hostname = host == "-" ? std::string_view() : host;
      m.app_name = app == "-" ? std::string_view() : app;
      m.msg_id = msgid == "-" ? std::string_view() : msgid;
      rest = TrimLeft(rest);
      if (!rest.empty() && rest.front() == '[') {
        // SD-ELEMENTs: "[" ... "]" repeated; inside PARAM-VALUE, '"', '\' and ']' are escaped.
        size_t i = 0;
        while (i < rest.size() && rest[i] == '[') {
          bool quoted = false;
          ++i;
          while (i < rest.size()) {
            const char c = rest[i];
            if (quoted && c == '\\' && i + 1 < rest.size()) {
              i += 2;
              continue;
            }
            if (c == '"') quoted = !quoted;
            if (!quoted && c == ']') break;
            ++i;
          }
          if (i < rest.size()) ++i;  // past ']'
        }
        m.structured_data = rest.substr(0, i);
        rest = rest.substr(i);
      } else if (!rest.empty() && rest.front() == '-') {
        rest.remove_prefix(1);
      }
      rest = TrimLeft(rest);
      if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 BOM
      m.msg = rest;
      m.content = rest;
      return m;
    }
  }
  // RFC 3164 (or an ISO timestamp in its place, as rsyslog's RFC 3339 template sends).
  std::string_view rest = r;
  TimestampUs ts = 0;
  if (ParseBsdTimestamp(&rest, clock, &ts)) {
    m.ts = ts;
    m.ts_from_receive = false;
  } else {
    std::string_view probe = rest;
    std::string_view stamp = NextToken(&probe);
    if (stamp.size() >= 19 && stamp[4] == '-' && stamp[10] == 'T') {
      if (std::optional<TimestampUs> t = ParseIso8601(stamp)) {
        m.ts = *t;
        m.ts_from_receive = false;
        rest = probe;
      }
    }
  }
  rest = TrimLeft(rest);
  m.content = rest;
  // HOST TAG: MSG. A first token ending in ':' or starting with '%' is the tag (no host).
  std::string_view probe = rest;
  std::string_view first = NextToken(&probe);
  std::string_view tag_text = first;
  if (!first.empty() && first.back() != ':' && first.front() != '%' &&
      first.find('[') == first.npos) {
    m.hostname = first;
    rest = TrimLeft(probe);
    probe = rest;
    tag_text = NextToken(&probe);
  }
  if (!tag_text.empty() && tag_text.back() == ':') {
    std::string_view tag = tag_text.substr(0, tag_text.size() - 1);
    if (size_t b = tag.find('['); b != tag.npos) tag = tag.substr(0, b);
    m.app_name = tag;
    m.msg = TrimLeft(probe);
  } else {
    m.msg = rest;
  }
  return m;
}

bool FindSdParam(std::string_view sd, std::string_view key, std::string_view* value) {
  size_t pos = 0;
  while (pos < sd.size()) {
    size_t hit = sd.find(key, pos);
    if (hit == sd.npos) return false;
    const size_t after = hit + key.size();
    const bool starts = hit > 0 && sd[hit - 1] == ' ';
    if (starts && after + 1 < sd.size() && sd[after] == '=' && sd[after + 1] == '"') {
      size_t i = after + 2;
      while (i < sd.size() && sd[i] != '"') i += sd[i] == '\\' ? 2 : 1;
      if (i >= sd.size()) return false;
      *value = sd.substr(after + 2, i - after - 2);
      return true;
    }
    pos = after;
  }
  return false;
}

}  // namespace netward::identity
