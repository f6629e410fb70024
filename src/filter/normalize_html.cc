// src/filter/normalize_html.cc: tag stripping and entity decoding (normalize_html.h).
#include "filter/normalize_html.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>

#include "common/hex.h"
#include "filter/normalize_utf8.h"

namespace netward::filter {
namespace {

struct Entity {
  const char* name;
  char32_t cp;
};

// Sorted by name (byte order) for binary search.
constexpr Entity kEntities[] = {
    {"AElig", 0xC6},    {"Aacute", 0xC1},   {"Acirc", 0xC2},    {"Agrave", 0xC0},
    {"Aring", 0xC5},    {"Atilde", 0xC3},   {"Auml", 0xC4},     {"Ccedil", 0xC7},
    {"Dagger", 0x2021}, {"ETH", 0xD0},      {"Eacute", 0xC9},   {"Ecirc", 0xCA},
    {"Egrave", 0xC8},   {"Euml", 0xCB},     {"Iacute", 0xCD},   {"Icirc", 0xCE},
    {"Igrave", 0xCC},   {"Iuml", 0xCF},     {"Ntilde", 0xD1},   {"Oacute", 0xD3},
    {"Ocirc", 0xD4},    {"Ograve", 0xD2},   {"Oslash", 0xD8},   {"Otilde", 0xD5},
    {"Ouml", 0xD6},     {"THORN", 0xDE},    {"Uacute", 0xDA},   {"Ucirc", 0xDB},
    {"Ugrave", 0xD9},   {"Uuml", 0xDC},     {"Yacute", 0xDD},   {"aacute", 0xE1},
    {"acirc", 0xE2},    {"acute", 0xB4},    {"aelig", 0xE6},    {"agrave", 0xE0},
    {"amp", '&'},       {"apos", '\''},     {"aring", 0xE5},    {"atilde", 0xE3},
    {"auml", 0xE4},     {"bdquo", 0x201E},  {"brvbar", 0xA6},   {"bull", 0x2022},
    {"ccedil", 0xE7},   {"cedil", 0xB8},    {"cent", 0xA2},     {"clubs", 0x2663},
    {"copy", 0xA9},     {"curren", 0xA4},   {"dagger", 0x2020}, {"darr", 0x2193},
    {"deg", 0xB0},      {"diams", 0x2666},  {"divide", 0xF7},   {"eacute", 0xE9},
    {"ecirc", 0xEA},    {"egrave", 0xE8},   {"emsp", 0x2003},   {"ensp", 0x2002},
    {"eth", 0xF0},      {"euml", 0xEB},     {"euro", 0x20AC},   {"frac12", 0xBD},
    {"frac14", 0xBC},   {"frac34", 0xBE},   {"gt", '>'},        {"hearts", 0x2665},
    {"hellip", 0x2026}, {"iacute", 0xED},   {"icirc", 0xEE},    {"iexcl", 0xA1},
    {"igrave", 0xEC},   {"iquest", 0xBF},   {"iuml", 0xEF},     {"laquo", 0xAB},
    {"larr", 0x2190},   {"ldquo", 0x201C},  {"lrm", 0x200E},    {"lsaquo", 0x2039},
    {"lsquo", 0x2018},  {"lt", '<'},        {"macr", 0xAF},     {"mdash", 0x2014},
    {"micro", 0xB5},    {"middot", 0xB7},   {"nbsp", 0xA0},     {"ndash", 0x2013},
    {"not", 0xAC},      {"ntilde", 0xF1},   {"oacute", 0xF3},   {"ocirc", 0xF4},
    {"ograve", 0xF2},   {"ordf", 0xAA},     {"ordm", 0xBA},     {"oslash", 0xF8},
    {"otilde", 0xF5},   {"ouml", 0xF6},     {"para", 0xB6},     {"permil", 0x2030},
    {"plusmn", 0xB1},   {"pound", 0xA3},    {"quot", '"'},      {"raquo", 0xBB},
    {"rarr", 0x2192},   {"rdquo", 0x201D},  {"reg", 0xAE},      {"rlm", 0x200F},
    {"rsaquo", 0x203A}, {"rsquo", 0x2019},  {"sbquo", 0x201A},  {"sect", 0xA7},
    {"shy", 0xAD},      {"spades", 0x2660}, {"sup1", 0xB9},     {"sup2", 0xB2},
    {"sup3", 0xB3},     {"szlig", 0xDF},    {"thinsp", 0x2009}, {"thorn", 0xFE},
    {"times", 0xD7},    {"trade", 0x2122},  {"uacute", 0xFA},   {"uarr", 0x2191},
    {"ucirc", 0xFB},    {"ugrave", 0xF9},   {"uml", 0xA8},      {"uuml", 0xFC},
    {"yacute", 0xFD},   {"yen", 0xA5},      {"yuml", 0xFF},     {"zwj", 0x200D},
    {"zwnj", 0x200C},
};

constexpr bool EntitiesSorted() {
  for (size_t i = 1; i < std::size(kEntities); ++i)
    if (!(std::string_view(kEntities[i - 1].name) < std::string_view(kEntities[i].name)))
      return false;
  return true;
}
static_assert(EntitiesSorted());

// Windows-1252 for 0x80..0x9F (0 where undefined: those stay as the C1 control).
constexpr char32_t kCp1252[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                  0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }
constexpr char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool NameIs(std::string_view name, const char* lower) {
  const size_t n = std::strlen(lower);
  if (name.size() != n) return false;
  for (size_t i = 0; i < n; ++i)
    if (Lower(name[i]) != lower[i]) return false;
  return true;
}

// A tag name of up to 8 bytes, lower-cased, as a little-endian integer (0 if longer or empty).
constexpr uint64_t NameKey(std::string_view name) {
  if (name.empty() || name.size() > 8) return 0;
  uint64_t k = 0;
  for (size_t i = 0; i < name.size(); ++i)
    k |= uint64_t{static_cast<unsigned char>(Lower(name[i]))} << (8 * i);
  return k;
}

constexpr uint64_t kInlineKeys[] = {
    NameKey("a"),    NameKey("b"),      NameKey("i"),    NameKey("u"),    NameKey("s"),
    NameKey("em"),   NameKey("strong"), NameKey("span"), NameKey("font"), NameKey("small"),
    NameKey("big"),  NameKey("sub"),    NameKey("sup"),  NameKey("mark"), NameKey("abbr"),
    NameKey("code"), NameKey("q"),      NameKey("del"),  NameKey("ins"),  NameKey("wbr"),
    NameKey("tt")};

// A multiplier that sends each inline tag's key to its own slot of 64 (top 6 bits of the
// product), found at compile time, so a tag name is tested with one multiply and one compare.
constexpr uint64_t InlineSlotMul() {
  for (uint64_t m = 0x9E3779B97F4A7C15ull;; m += 0x2545F4914F6CDD1Eull) {
    uint64_t used = 0;
    bool ok = true;
    for (uint64_t k : kInlineKeys) {
      const uint64_t bit = uint64_t{1} << ((k * (m | 1)) >> 58);
      ok &= (used & bit) == 0;
      used |= bit;
    }
    if (ok) return m | 1;
  }
}
constexpr uint64_t kInlineMul = InlineSlotMul();
struct InlineTable {
  uint64_t slot[64] = {};
};
constexpr InlineTable MakeInlineTable() {
  InlineTable t;
  for (uint64_t k : kInlineKeys) t.slot[(k * kInlineMul) >> 58] = k;
  return t;
}
constexpr InlineTable kInlineTable = MakeInlineTable();

// Runs once per tag: one integer compare rather than string compares. `key` is NameKey(name).
constexpr bool IsInlineKey(uint64_t key) {
  return key != 0 && kInlineTable.slot[(key * kInlineMul) >> 58] == key;
}
bool IsInline(std::string_view name) { return name.size() <= 6 && IsInlineKey(NameKey(name)); }
static_assert([] {
  for (uint64_t k : kInlineKeys)
    if (!IsInlineKey(k)) return false;
  return !IsInlineKey(NameKey("p")) && !IsInlineKey(NameKey("div")) && !IsInlineKey(0);
}());

// Position of "</name" (case-insensitive) at or after `from`, or npos.
size_t FindEndTag(std::string_view s, size_t from, std::string_view name) {
  for (size_t at = s.find("</", from); at != std::string_view::npos; at = s.find("</", at + 2)) {
    if (at + 2 + name.size() > s.size()) return std::string_view::npos;
    size_t k = 0;
    while (k < name.size() && Lower(s[at + 2 + k]) == name[k]) ++k;
    if (k == name.size()) return at;
  }
  return std::string_view::npos;
}

// End of the tag starting at s[i] == '<' (the index after its '>'), skipping quoted attribute
// values; s.size() if it is cut off.
size_t SkipTag(std::string_view s, size_t i) {
  char quote = 0;
  for (++i; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      // Only a quote that opens an attribute value (after '=' and blanks) quotes.
      size_t j = i;
      while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t' || s[j - 1] == '\n')) --j;
      if (j > 0 && s[j - 1] == '=') quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return s.size();
}

}  // namespace

size_t DecodeHtmlEntity(std::string_view s, char32_t* cp) {
  if (s.size() < 2 || s[0] != '&') return 0;
  if (s[1] == '#') {
    size_t i = 2;
    const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
    if (hex) ++i;
    const size_t digits_start = i;
    uint32_t v = 0;
    while (i < s.size()) {
      const int d = hex ? HexDigitValue(s[i]) : ((s[i] >= '0' && s[i] <= '9') ? s[i] - '0' : -1);
      if (d < 0) break;
      if (v <= 0x10FFFF) v = v * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      ++i;
    }
    if (i == digits_start) return 0;
    if (i < s.size() && s[i] == ';') ++i;
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
      *cp = kReplacementChar;
    } else if (v >= 0x80 && v <= 0x9F && kCp1252[v - 0x80] != 0) {
      *cp = kCp1252[v - 0x80];
    } else {
      *cp = v;
    }
    return i;
  }
  size_t i = 1;
  while (i < s.size() && i <= 8 && IsAlnum(s[i])) ++i;
  const std::string_view name = s.substr(1, i - 1);
  if (name.empty()) return 0;
  const Entity* it = std::lower_bound(
      std::begin(kEntities), std::end(kEntities), name,
      [](const Entity& e, std::string_view n) { return std::string_view(e.name) < n; });
  if (it != std::end(kEntities) && name == it->name) {
    if (i < s.size() && s[i] == ';') {
      *cp = it->cp;
      return i + 1;
    }
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "nbsp") {
      *cp = it->cp;
      return i;
    }
  }
  // Legacy forms without ';' followed by more letters ("&ampx") are not decoded.
  return 0;
}

size_t StripHtmlMarkupAt(std::string_view html, size_t i, char* emit) {
  const size_t n = html.size();
  *emit = 0;
  {
    // The bulk of markup, "<name>" and "</name>" without attributes, other than a <script> or
    // <style> start tag: what the general path below does for them, without its searches.
    size_t j = i + 1;
    const bool closing = j < n && html[j] == '/';
    j += closing;
    if (j < n && IsAlpha(html[j])) {
      const size_t name_start = j;
      while (j < n && (IsAlnum(html[j]) || html[j] == '-')) ++j;
      if (j < n && html[j] == '>') {
        const std::string_view name = html.substr(name_start, j - name_start);
        static constexpr uint64_t kScript = NameKey("script"), kStyle = NameKey("style");
        const uint64_t key = NameKey(name);
        if (closing || (key != kScript && key != kStyle)) {
          if (!IsInlineKey(key)) *emit = ' ';
          return j + 1;
        }
      }
    }
  }
  if (html.substr(i, 4) == "<!--") {
    const size_t end = html.find("-->", i + 4);
    return end == std::string_view::npos ? n : end + 3;
  }
  const char next = i + 1 < n ? html[i + 1] : '\0';
  if (next == '!' || next == '?') {
    const size_t end = html.find('>', i);
    return end == std::string_view::npos ? n : end + 1;
  }
  const bool closing = next == '/';
  const size_t name_start = i + (closing ? 2 : 1);
  if (name_start >= n || !IsAlpha(html[name_start])) {
    *emit = '<';
    return i + 1;
  }
  size_t name_end = name_start;
  while (name_end < n && (IsAlnum(html[name_end]) || html[name_end] == '-')) ++name_end;
  const std::string_view name = html.substr(name_start, name_end - name_start);
  i = SkipTag(html, i);
  if (!IsInline(name)) *emit = ' ';
  if (!closing && (NameIs(name, "script") || NameIs(name, "style"))) {
    const size_t end = FindEndTag(html, i, NameIs(name, "script") ? "script" : "style");
    i = end == std::string_view::npos ? n : SkipTag(html, end);
  }
  return i;
}

void StripHtml(std::string_view html, std::string* out) {
  out->clear();
  out->reserve(html.size());
  const size_t n = html.size();
  // The next '<' and '&' at or after i (n if none), each found with memchr and kept until
  // passed, so text runs are copied at memchr speed.
  auto find = [&](char c, size_t from) {
    const void* hit = std::memchr(html.data() + from, c, n - from);
    return hit ? static_cast<size_t>(static_cast<const char*>(hit) - html.data()) : n;
  };
  size_t next_lt = 0, next_amp = 0;
  size_t i = 0;
  while (i < n) {
    if (next_lt < i || i == 0) next_lt = find('<', i);
    if (next_amp < i || i == 0) next_amp = find('&', i);
    const size_t j = std::min(next_lt, next_amp);
    out->append(html.data() + i, j - i);
    i = j;
    if (i >= n) break;
    if (html[i] == '&') {
      char32_t cp;
      const size_t used = DecodeHtmlEntity(html.substr(i), &cp);
      if (used == 0) {
        out->push_back('&');
        ++i;
      } else {
        AppendUtf8(cp, out);
        i += used;
      }
      continue;
    }
    // html[i] == '<'
    char emit = 0;
    i = StripHtmlMarkupAt(html, i, &emit);
    if (emit != 0) out->push_back(emit);
  }
}

}  // namespace netward::filter
