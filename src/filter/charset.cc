// src/filter/charset.cc: charset choice and decoding (charset.h), with glibc iconv and uchardet.
#include "filter/charset.h"

#include <iconv.h>
#include <uchardet/uchardet.h>

#include <cerrno>
#include <cstring>

#include "filter/normalize_utf8.h"

namespace netward::filter {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool IsLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':';
}

// Position of `needle` (lower-case) in `hay`, case-insensitively, from `from`; npos if absent.
size_t FindNoCase(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && Lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

// After "charset" at s[i]: blanks, '=', blanks, an optional quote, then the label.
std::string_view LabelAfterCharset(std::string_view s, size_t i) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (i < s.size() && blank(s[i])) ++i;
  if (i >= s.size() || s[i] != '=') return {};
  ++i;
  while (i < s.size() && blank(s[i])) ++i;
  if (i < s.size() && (s[i] == '"' || s[i] == '\'')) ++i;
  const size_t start = i;
  while (i < s.size() && IsLabelChar(s[i])) ++i;
  return s.substr(start, i - start);
}

struct Alias {
  const char* label;
  const char* iconv_name;
};
constexpr Alias kAliases[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"unicode-1-1-utf-8", "UTF-8"},
    {"gb2312", "GB18030"},
    {"gbk", "GB18030"},
    {"gb18030", "GB18030"},
    {"x-gbk", "GB18030"},
    {"cp936", "GB18030"},
    {"ms936", "GB18030"},
    {"windows-936", "GB18030"},
    {"csgb2312", "GB18030"},
    {"chinese", "GB18030"},
    {"gb_2312-80", "GB18030"},
    {"gb_2312", "GB18030"},
    {"iso-ir-58", "GB18030"},
    {"euc-cn", "GB18030"},
    {"x-euc-cn", "GB18030"},
    {"big5", "BIG5-HKSCS"},
    {"big-5", "BIG5-HKSCS"},
    {"big5-hkscs", "BIG5-HKSCS"},
    {"x-big5", "BIG5-HKSCS"},
    {"cn-big5", "BIG5-HKSCS"},
    {"csbig5", "BIG5-HKSCS"},
    {"cp950", "BIG5-HKSCS"},
    {"iso-8859-1", "WINDOWS-1252"},
    {"iso8859-1", "WINDOWS-1252"},
    {"latin1", "WINDOWS-1252"},
    {"l1", "WINDOWS-1252"},
    {"us-ascii", "WINDOWS-1252"},
    {"ascii", "WINDOWS-1252"},
    {"windows-1252", "WINDOWS-1252"},
    {"cp1252", "WINDOWS-1252"},
    {"utf-16", "UTF-16LE"},
    {"utf-16le", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
};

// One thread's open iconv descriptors, a few charsets at a time (iconv_t keeps shift state, so
// it cannot be shared between threads).
class IconvCache {
 public:
  ~IconvCache() {
    for (auto& e : entries_)
      if (e.cd != kNone) iconv_close(e.cd);
  }
  // The descriptor for charset -> UTF-8, reset to its initial state; kNone if iconv lacks it.
  iconv_t Get(std::string_view charset) {
    for (auto& e : entries_) {
      if (e.cd != kNone && e.name == charset) {
        iconv(e.cd, nullptr, nullptr, nullptr, nullptr);
        return e.cd;
      }
    }
    if (charset.empty() || charset.size() >= sizeof(Entry::name_buf)) return kNone;
    Entry& e = entries_[next_++ % kEntries];
    if (e.cd != kNone) iconv_close(e.cd);
    std::memcpy(e.name_buf, charset.data(), charset.size());
    e.name_buf[charset.size()] = '\0';
    e.name = std::string_view(e.name_buf, charset.size());
    e.cd = iconv_open("UTF-8", e.name_buf);
    return e.cd;
  }
  static inline const iconv_t kNone = reinterpret_cast<iconv_t>(-1);

 private:
  struct Entry {
    char name_buf[48];
    std::string_view name;
    iconv_t cd = kNone;
  };
  static constexpr size_t kEntries = 4;
  Entry entries_[kEntries];
  size_t next_ = 0;
};

class Detector {
 public:
  Detector() : ud_(uchardet_new()) {}
  ~Detector() { uchardet_delete(ud_); }
  std::string Detect(std::string_view bytes) {
    uchardet_reset(ud_);
    if (bytes.size() > kMaxBytes) bytes = bytes.substr(0, kMaxBytes);
    if (uchardet_handle_data(ud_, bytes.data(), bytes.size()) != 0) return {};
    uchardet_data_end(ud_);
    const char* name = uchardet_get_charset(ud_);
    return name ? CanonicalCharset(name) : std::string();
  }

 private:
  static constexpr size_t kMaxBytes = 64 * 1024;
  uchardet_t ud_;
};

// True for uchardet answers that are single-byte charsets (ISO-8859-*, WINDOWS-125*, KOI8-*,
// MAC-*, IBM*...), i.e. anything but the multi-byte families.
bool IsSingleByteGuess(std::string_view charset) {
  static constexpr std::string_view kMultiByte[] = {"UTF",      "GB", "BIG5",  "EUC", "SHIFT",
                                                    "ISO-2022", "HZ", "JOHAB", "UHC", "CP9"};
  for (std::string_view prefix : kMultiByte)
    if (charset.substr(0, prefix.size()) == prefix) return false;
  return true;
}

// "utf-8" or "utf8", any case: the labels mapped to UTF-8 most often seen.
bool IsUtf8Label(std::string_view label) {
  if (label.size() != 4 && label.size() != 5) return false;
  if (Lower(label[0]) != 'u' || Lower(label[1]) != 't' || Lower(label[2]) != 'f') return false;
  return label.size() == 4 ? label[3] == '8' : label[3] == '-' && label[4] == '8';
}

}  // namespace

std::string CanonicalCharset(std::string_view label) {
  // The probe asks for each body piece's label ("utf-8"): UTF-8 without the alias table.
  if (IsUtf8Label(label)) return "UTF-8";
  auto trim = [](char c) { return c == ' ' || c == '\t' || c == '"' || c == '\''; };
  while (!label.empty() && trim(label.front())) label.remove_prefix(1);
  while (!label.empty() && trim(label.back())) label.remove_suffix(1);
  if (label.empty() || label.size() > 40) return {};
  char lower[41];
  for (size_t i = 0; i < label.size(); ++i) {
    if (!IsLabelChar(label[i])) return {};
    lower[i] = Lower(label[i]);
  }
  const std::string_view l(lower, label.size());
  for (const Alias& a : kAliases)
    if (l == a.label) return a.iconv_name;
  std::string upper(label);
  for (char& c : upper)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return upper;
}

std::string_view CharsetFromContentType(std::string_view content_type) {
  if (content_type.find_first_of("=;/") == std::string_view::npos) return content_type;
  for (size_t at = FindNoCase(content_type, "charset"); at != std::string_view::npos;
       at = FindNoCase(content_type, "charset", at + 7)) {
    std::string_view label = LabelAfterCharset(content_type, at + 7);
    if (!label.empty()) return label;
  }
  return {};
}

std::string_view FindMetaCharset(std::string_view html) {
  if (html.size() > 4096) html = html.substr(0, 4096);
  for (size_t at = FindNoCase(html, "<meta"); at != std::string_view::npos;
       at = FindNoCase(html, "<meta", at + 5)) {
    size_t end = html.find('>', at);
    if (end == std::string_view::npos) end = html.size();
    const std::string_view tag = html.substr(at, end - at);
    for (size_t c = FindNoCase(tag, "charset"); c != std::string_view::npos;
         c = FindNoCase(tag, "charset", c + 7)) {
      std::string_view label = LabelAfterCharset(tag, c + 7);
      if (!label.empty()) return label;
    }
  }
  return {};
}

std::string_view SniffBom(std::string_view s, size_t* bom_len) {
  *bom_len = 0;
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") {
    *bom_len = 3;
    return "UTF-8";
  }
  if (s.size() >= 2 && s.substr(0, 2) == "\xFF\xFE") {
    *bom_len = 2;
    return "UTF-16LE";
  }
  if (s.size() >= 2 && s.substr(0, 2) == "\xFE\xFF") {
    *bom_len = 2;
    return "UTF-16BE";
  }
  return {};
}

std::string DetectCharset(std::string_view bytes) {
  thread_local Detector detector;
  return detector.Detect(bytes);
}

bool DecodeToUtf8(std::string_view bytes, std::string_view charset, std::string* out) {
  thread_local IconvCache cache;
  iconv_t cd = cache.Get(charset);
  if (cd == IconvCache::kNone) return false;
  const size_t start = out->size();
  out->resize(start + bytes.size() * 2 + 16);
  size_t used = start;
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write
  size_t in_left = bytes.size();
  auto room = [&](size_t need) {
    if (out->size() - used < need) out->resize(out->size() * 2 + need);
  };
  while (true) {
    char* op = out->data() + used;
    size_t out_left = out->size() - used;
    const size_t r = in_left == 0 ? iconv(cd, nullptr, nullptr, &op, &out_left)  // flush state
                                  : iconv(cd, &in, &in_left, &op, &out_left);
    used = static_cast<size_t>(op - out->data());
    if (r != static_cast<size_t>(-1)) {
      if (in_left == 0) {
        // Flush any shift state of stateful charsets, then stop.
        char* fp = out->data() + used;
        size_t fl = out->size() - used;
        if (iconv(cd, nullptr, nullptr, &fp, &fl) != static_cast<size_t>(-1))
          used = static_cast<size_t>(fp - out->data());
        break;
      }
      continue;
    }
    if (errno == E2BIG) {
      room(64);
      continue;
    }
    if (errno != EILSEQ && errno != EINVAL) break;
    room(4);
    used += EncodeUtf8(kReplacementChar, out->data() + used);
    if (errno == EINVAL) break;  // cut off by the end
    ++in;
    --in_left;
    if (in_left == 0) break;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  out->resize(used);
  return true;
}

std::string_view DecodeBody(std::string_view raw, std::string_view declared, bool is_html,
                            std::string* scratch) {
  size_t bom_len = 0;
  std::string_view bom = SniffBom(raw, &bom_len);
  std::string charset;
  if (!bom.empty()) {
    raw.remove_prefix(bom_len);
    charset = bom;
  }
  if (charset.empty() && !declared.empty())
    charset = CanonicalCharset(CharsetFromContentType(declared));
  if (charset == "UTF-8") return raw;
  if (!charset.empty()) {
    scratch->clear();
    if (DecodeToUtf8(raw, charset, scratch)) return *scratch;
  }
  if (is_html) {
    charset = CanonicalCharset(FindMetaCharset(raw));
    if (charset == "UTF-8") return raw;
    if (!charset.empty()) {
      scratch->clear();
      if (DecodeToUtf8(raw, charset, scratch)) return *scratch;
    }
  }
  if (IsUtf8AllowingTruncatedTail(raw)) return raw;
  charset = DetectCharset(raw);
  if (charset == "UTF-8") return raw;
  scratch->clear();
  if (!charset.empty() && !IsSingleByteGuess(charset) && DecodeToUtf8(raw, charset, scratch))
    return *scratch;
  // uchardet guesses a single-byte charset for short Chinese text ("\xB6\xC4\xB2\xA9", GBK
  // 赌博, reads as ISO-8859-7): prefer GB18030 when it decodes the bytes without an error.
  scratch->clear();
  if (DecodeToUtf8(raw, "GB18030", scratch) && scratch->find("\xEF\xBF\xBD") == std::string::npos)
    return *scratch;
  scratch->clear();
  if (!charset.empty() && DecodeToUtf8(raw, charset, scratch)) return *scratch;
  scratch->clear();
  if (DecodeToUtf8(raw, "GB18030", scratch)) return *scratch;
  return raw;
}

}  // namespace netward::filter
