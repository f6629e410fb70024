#include "record/json_decoder.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>
#include <optional>
#include <type_traits>

#include "record/json_encoder.h"
#include "record/json_text.h"

namespace netward::record {
namespace {

using namespace json_text;  // NOLINT: the value-text primitives of this file

// A value quoted for an error message: JSON-escaped, cut after 64 bytes.
std::string Quote(std::string_view v) {
  std::string out;
  detail::AppendJsonString(v.substr(0, 64), &out);
  if (v.size() > 64) out.insert(out.size() - 1, "...");
  return out;
}

// Number text for an error message, cut after 64 bytes.
std::string Cut(std::string_view text) {
  return text.size() > 64 ? std::string(text.substr(0, 64)) + "..." : std::string(text);
}

void Reset(std::string* v) { v->clear(); }
template <typename T>
void Reset(std::vector<T>* v) {
  v->clear();
}
template <typename T>
void Reset(T* v) {
  *v = T{};
}

// A cursor over one line. Value parsers return false after storing the error; canonical_ goes
// false as soon as the text differs from what the encoder would write.
class Parser {
 public:
  explicit Parser(std::string_view line)
      : begin_(line.data()), p_(line.data()), end_(line.data() + line.size()) {}

  bool canonical_ = true;
  std::string_view field_;  // the field whose value is being read, for messages
  long elem_ = -1;          // index within a list value, for messages

  Status TakeError() { return std::move(error_); }
  NW_ALWAYS_INLINE bool At(char c) const { return p_ < end_ && *p_ == c; }
  NW_ALWAYS_INLINE bool TryConsume(char c) {
    if (!At(c)) return false;
    ++p_;
    return true;
  }
  bool Expect(char c, const char* what) { return TryConsume(c) || Fail(what + Found()); }

  NW_ALWAYS_INLINE void SkipWs() {
    if (p_ < end_ && IsWs(*p_)) {
      canonical_ = false;
      do ++p_;
      while (p_ < end_ && IsWs(*p_));
    }
  }

  // The trailing part after '}': nothing or one '\n' is canonical, other whitespace is allowed.
  bool Tail() {
    if (p_ == end_ || (*p_ == '\n' && p_ + 1 == end_)) return true;
    SkipWs();
    return p_ == end_ || Fail("unexpected text after the object" + Found());
  }

  // Consumes `"name":` and returns true if that is exactly what comes next (no escapes, no
  // whitespace); false, consuming nothing, otherwise.
  NW_ALWAYS_INLINE bool MatchToken(const KeyToken& t) {
    if (end_ - p_ >= 24) {
      uint64_t diff = (Load64(p_) ^ t.word[0]) & t.mask[0];
      diff |= (Load64(p_ + 8) ^ t.word[1]) & t.mask[1];
      if (t.len > 16) diff |= (Load64(p_ + 16) ^ t.word[2]) & t.mask[2];
      if (diff) return false;
    } else {
      if (static_cast<size_t>(end_ - p_) < t.len) return false;
      for (size_t i = 0; i < t.len; ++i) {
        size_t shift = ByteShift(i % 8);
        if (static_cast<unsigned char>(p_[i]) != ((t.word[i / 8] >> shift) & 0xFF)) return false;
      }
    }
    p_ += t.len;
    return true;
  }

  // At '"': decodes a key into scratch_.
  bool Key(std::string_view* key) {
    if (!String(&scratch_)) return false;
    *key = scratch_;
    return true;
  }

  bool Fail(const std::string& what) {
    std::string col = "column " + std::to_string(p_ - begin_ + 1);
    if (field_.empty()) {
      error_ = Status::InvalidArgument(col, what);
    } else {
      error_ = Status::InvalidArgument(FieldName(), col + ": " + what);
    }
    return false;
  }
  bool FieldFail(const std::string& what) {
    error_ = Status::InvalidArgument(FieldName(), what);
    return false;
  }
  std::string FieldName() const {
    std::string where = "field " + std::string(field_);
    if (elem_ >= 0) where += "[" + std::to_string(elem_) + "]";
    return where;
  }
  // ", found 'x'" for the byte at the cursor.
  std::string Found() const {
    if (p_ >= end_) return ", found end of line";
    unsigned char c = static_cast<unsigned char>(*p_);
    if (c >= 0x20 && c < 0x7f) return std::string(", found '") + static_cast<char>(c) + "'";
    return std::string(", found byte 0x") + kHex[c >> 4] + kHex[c & 15];
  }

  // The value at the cursor is not of the expected kind: say what it is instead.
  bool WrongType(const char* expected) {
    if (p_ >= end_) return Fail("expected a value, found end of line");
    const char* got = nullptr;
    std::string_view rest(p_, static_cast<size_t>(end_ - p_));
    switch (*p_) {
      case '"':
        got = "a string";
        break;
      case '[':
        got = "an array";
        break;
      case '{':
        got = "an object";
        break;
      default:
        if (*p_ == '-' || IsDigit(*p_)) got = "a number";
        if (rest.starts_with("true") || rest.starts_with("false")) got = "a boolean";
        if (rest.starts_with("null")) got = "null";
    }
    if (!got) return Fail("expected a value" + Found());
    return FieldFail(std::string("expected ") + expected + ", got " + got);
  }

  // At '"': decodes a JSON string into *out.
  NW_ALWAYS_INLINE bool String(std::string* out) {
    const char* start = ++p_;
    const char* q = ScanPlain(start, end_);
    out->clear();
    out->append(start, static_cast<size_t>(q - start));
    p_ = q;
    if (q < end_ && *q == '"') {
      ++p_;
      return true;
    }
    return StringRest(out);
  }

  NW_ALWAYS_INLINE bool Value(std::string* v) {
    return At('"') ? String(v) : WrongType("a string");
  }

  bool Value(TimestampUs* v) {
    if (!At('"')) return WrongType("a string (ISO-8601 time)");
    if (end_ - p_ >= 29 && p_[28] == '"' && ParseCanonicalTime(p_ + 1, v) && *v != 0) {
      p_ += 29;
      return true;
    }
    if (end_ - p_ >= 2 && p_[1] == '"') {  // "": unknown, the encoder's form of 0
      *v = 0;
      p_ += 2;
      return true;
    }
    canonical_ = false;
    if (!String(&scratch_)) return false;
    if (scratch_.empty()) {
      *v = 0;
      return true;
    }
    auto t = ParseIso8601(scratch_);
    if (!t) {
      return FieldFail("bad time " + Quote(scratch_) +
                       " (expected ISO-8601 like 2026-11-22T10:04:05.123456Z)");
    }
    *v = *t;
    return true;
  }

  bool Value(IpAddress* v) {
    if (!At('"')) return WrongType("a string (IP address)");
    const char* s = p_ + 1;
    if (const char* after = ParseCanonicalV4(s, end_, v)) {
      p_ = after;
      return true;
    }
    if (end_ - p_ >= 4 && p_[1] == ':' && p_[2] == ':' && p_[3] == '"') {  // unset, as encoded
      *v = IpAddress{};
      p_ += 4;
      return true;
    }
    // Other plain text up to the closing quote: IPv6 (own parser), else whatever inet_pton takes.
    const char* q = ParsePlainV6(s, end_, v);
    if (!q) {
      q = s;
      const char* limit = end_ - s > 64 ? s + 64 : end_;
      while (q < limit && IsIpChar(*q)) ++q;
      std::optional<IpAddress> ip;
      if (q < end_ && *q == '"' && q > s) ip = IpAddress::Parse(std::string_view(s, q - s));
      if (ip) {
        *v = *ip;
      } else {
        q = nullptr;
      }
    }
    if (q) {  // a valid address between the quotes: canonical if it is the encoder's text
      const size_t n = static_cast<size_t>(q - s);
      char buf[kMaxIpTextLength + 4];
      size_t len = v->is_v4() ? v->Format(buf) : FormatV6(*v, buf);
      if (len != n || std::memcmp(buf, s, n) != 0) canonical_ = false;
      p_ = q + 1;
      return true;
    }
    // Escapes, "", or not an address.
    canonical_ = false;
    if (!String(&scratch_)) return false;
    if (scratch_.empty()) {
      *v = IpAddress{};
      return true;
    }
    auto ip = IpAddress::Parse(scratch_);
    if (!ip) return FieldFail("bad IP address " + Quote(scratch_));
    *v = *ip;
    return true;
  }

  NW_ALWAYS_INLINE bool Value(uint16_t* v) {
    uint64_t x;
    if (!Unsigned(0xFFFF, &x)) return false;
    *v = static_cast<uint16_t>(x);
    return true;
  }
  NW_ALWAYS_INLINE bool Value(uint32_t* v) {
    uint64_t x;
    if (!Unsigned(0xFFFFFFFF, &x)) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  NW_ALWAYS_INLINE bool Value(uint64_t* v) { return Unsigned(UINT64_MAX, v); }

  template <typename T>
  bool Value(std::vector<T>* v) {
    constexpr bool kStrings = std::is_same_v<T, std::string>;
    if (!At('[')) return WrongType(kStrings ? "an array of strings" : "an array of integers");
    ++p_;
    SkipWs();
    size_t n = 0;
    if (!TryConsume(']')) {
      for (;;) {
        elem_ = static_cast<long>(n);
        if (n == v->size()) v->emplace_back();
        if (!Value(&(*v)[n])) return false;
        ++n;
        SkipWs();
        if (TryConsume(',')) {
          SkipWs();
          continue;
        }
        elem_ = -1;
        if (TryConsume(']')) break;
        return Fail("expected ',' or ']'" + Found());
      }
    }
    elem_ = -1;
    v->resize(n);
    return true;
  }

 private:
  // Inside a string, after its first run of plain bytes: escapes, UTF-8, more runs.
  bool StringRest(std::string* out) {
    for (;;) {
      if (p_ >= end_) return Fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!Escape(out)) return false;
      } else if (c < 0x20) {
        return Fail(std::string("control character 0x") + kHex[c >> 4] + kHex[c & 15] +
                    " in a string (must be escaped)");
      } else if (c >= 0x80) {
        size_t len = detail::Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p_),
                                                static_cast<size_t>(end_ - p_));
        if (len == 0) return Fail("invalid UTF-8");
        out->append(p_, len);
        p_ += len;
      } else {
        const char* q = ScanPlain(p_, end_);
        out->append(p_, static_cast<size_t>(q - p_));
        p_ = q;
      }
    }
  }

  bool Hex4(const char* s, uint32_t* cp) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s[i];
      uint32_t d;
      if (IsDigit(c)) {
        d = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      v = v << 4 | d;
    }
    *cp = v;
    return true;
  }

  // At '\\'. Canonical escapes are the encoder's: \" \\ \n \r \t and \u00xx (lower-case hex) for
  // the other control characters.
  bool Escape(std::string* out) {
    if (end_ - p_ < 2) return Fail("unterminated escape");
    char e = p_[1];
    switch (e) {
      case '"':
      case '\\':
        out->push_back(e);
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case '/':
        out->push_back('/');
        canonical_ = false;
        break;
      case 'b':
        out->push_back('\b');
        canonical_ = false;
        break;
      case 'f':
        out->push_back('\f');
        canonical_ = false;
        break;
      case 'u':
        return UnicodeEscape(out);
      default:
        return Fail("bad escape \\" + Quote(std::string_view(p_ + 1, 1)));
    }
    p_ += 2;
    return true;
  }

  bool UnicodeEscape(std::string* out) {
    uint32_t cp;
    if (end_ - p_ < 6 || !Hex4(p_ + 2, &cp)) return Fail("bad \\u escape (needs 4 hex digits)");
    const bool control = cp < 0x20 && cp != '\n' && cp != '\r' && cp != '\t';
    if (!control || p_[2] != '0' || p_[3] != '0' || p_[4] != kHex[cp >> 4] ||
        p_[5] != kHex[cp & 15]) {
      canonical_ = false;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("bad \\u escape: unpaired low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low;
      if (end_ - p_ < 12 || p_[6] != '\\' || p_[7] != 'u' || !Hex4(p_ + 8, &low) || low < 0xDC00 ||
          low > 0xDFFF) {
        return Fail("bad \\u escape: high surrogate without a low one");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      p_ += 6;
    }
    AppendUtf8(cp, out);
    p_ += 6;
    return true;
  }

  // A JSON number that must be a plain integer in 0..max. "-0" is read as 0 (not canonical).
  NW_ALWAYS_INLINE bool Unsigned(uint64_t max, uint64_t* v) {
    if constexpr (std::endian::native == std::endian::little) {
      // Up to 7 digits from one 8-byte load, without a branch per digit (lengths vary).
      if (end_ - p_ >= 8) {
        const uint64_t t = Load64(p_) ^ 0x3030303030303030ULL;  // digits become 0..9
        const uint64_t non_digit = ((t + 0x7676767676767676ULL) | t) & 0x8080808080808080ULL;
        const int len = std::countr_zero(non_digit) / 8;  // exact for the lowest non-digit
        const char next = p_[len & 7];
        if (len >= 1 && len <= 7 && (len == 1 || t & 0xFF) && next != '.' && next != 'e' &&
            next != 'E') {
          uint64_t x = t << (64 - 8 * len);  // the digits, most significant first, zeros before
          x = ((x & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
          x = ((x & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
          x = ((x & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
          if (x <= max) {
            *v = x;
            p_ += len;
            return true;
          }
        }
      }
    }
    const char* q = p_;
    if (q < end_ && IsDigit(*q)) {  // fast: up to 19 digits cannot overflow
      uint64_t x = static_cast<uint64_t>(*q++ - '0');
      if (x != 0) {
        const char* limit = end_ - q > 18 ? q + 18 : end_;
        while (q < limit && IsDigit(*q)) x = x * 10 + static_cast<uint64_t>(*q++ - '0');
      }
      if ((q == end_ || (!IsDigit(*q) && *q != '.' && *q != 'e' && *q != 'E')) && x <= max) {
        *v = x;
        p_ = q;
        return true;
      }
    }
    return UnsignedSlow(max, v);
  }

  bool UnsignedSlow(uint64_t max, uint64_t* v) {
    if (p_ >= end_ || !(IsDigit(*p_) || *p_ == '-')) return WrongType("an integer");
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ >= end_ || !IsDigit(*p_)) return Fail("bad number" + Found());
    uint64_t x = 0;
    bool overflow = false;
    if (*p_ == '0') {
      ++p_;
      if (p_ < end_ && IsDigit(*p_)) return Fail("bad number: leading zero");
    } else {
      while (p_ < end_ && IsDigit(*p_)) {
        overflow |= __builtin_mul_overflow(x, 10u, &x) ||
                    __builtin_add_overflow(x, static_cast<uint64_t>(*p_ - '0'), &x);
        ++p_;
      }
    }
    bool integral = true;
    if (TryConsume('.')) {
      integral = false;
      if (p_ >= end_ || !IsDigit(*p_)) return Fail("bad number: no digit after '.'");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !IsDigit(*p_)) return Fail("bad number: no digit in the exponent");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    std::string_view text(start, static_cast<size_t>(p_ - start));
    if (!integral) return FieldFail(Cut(text) + " is not an integer");
    if (negative && x == 0 && !overflow) {
      canonical_ = false;
    } else if (negative || overflow || x > max) {
      return FieldFail(Cut(text) + " is out of range 0.." + std::to_string(max));
    }
    *v = x;
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  Status error_;
  std::string scratch_;  // keys, and the text of times and addresses off the fast path
};

// Per stream: each field's name, value parser and reset, in schema order (the general path).
template <typename R>
struct FieldEntry {
  std::string_view name;
  bool (*parse)(Parser&, R*);
  void (*reset)(R*);
};
// And the fast path: the members in schema order, as the encoder writes them, unrolled so that
// each key is compared against constants and each value parsed by its own type's code.
// Run() stops at the first key that differs or the first member not followed by ','; it sets
// `*done` to the number of members read (the fields, then site) and `*after_value` to whether
// the cursor sits after a value (else after a ',' or the '{'). False on a bad value.
template <typename R>
struct Fields;
#define NW_DEC_FIELD(Type, fname, doc)                                      \
  FieldEntry<R>{#fname, [](Parser& p, R* r) { return p.Value(&r->fname); }, \
                [](R* r) { Reset(&r->fname); }},
#define NW_FAST_FIELD(Type, fname, doc)                                  \
  {                                                                      \
    static constexpr KeyToken kToken = MakeToken(#fname);                \
    if (!p.MatchToken(kToken)) return Stop(i, false, done, after_value); \
    p.SkipWs();                                                          \
    p.field_ = std::string_view(#fname, sizeof(#fname) - 1);             \
    if (!p.Value(&r->fname)) return false;                               \
    ++i;                                                                 \
    if (!p.TryConsume(',')) return Stop(i, true, done, after_value);     \
  }
#define NW_DEC_STREAM(Name, sname, FIELDS)                                                 \
  template <>                                                                              \
  struct Fields<Name##Record> {                                                            \
    using R = Name##Record;                                                                \
    static constexpr FieldEntry<R> kList[] = {FIELDS(NW_DEC_FIELD)};                       \
    static bool Run(Parser& p, R* r, std::string* site, size_t* done, bool* after_value) { \
      size_t i = 0;                                                                        \
      FIELDS(NW_FAST_FIELD)                                                                \
      if (!p.MatchToken(kSiteToken)) return Stop(i, false, done, after_value);             \
      p.SkipWs();                                                                          \
      p.field_ = "site";                                                                   \
      if (!p.Value(site)) return false;                                                    \
      return Stop(i + 1, true, done, after_value);                                         \
    }                                                                                      \
  };
bool Stop(size_t i, bool after, size_t* done, bool* after_value) {
  *done = i;
  *after_value = after;
  return true;
}
NW_STREAMS(NW_DEC_STREAM)
#undef NW_DEC_STREAM
#undef NW_FAST_FIELD
#undef NW_DEC_FIELD

}  // namespace

template <typename R>
Status DecodeJsonLine(std::string_view line, R* record, std::string* site, bool* canonical) {
  constexpr auto& fields = Fields<R>::kList;
  constexpr size_t n = std::size(fields);
  static_assert(n < 64, "the seen-mask is one uint64_t");
  if (canonical) *canonical = false;
  Parser p(line);
  std::string site_scratch;
  std::string* site_out = site ? site : &site_scratch;
  uint64_t seen = 0;
  bool site_seen = false;
  size_t expect = 0;  // canonical key order: fields 0..n-1, then site (n)

  p.SkipWs();
  if (!p.Expect('{', "expected '{'")) return p.TakeError();
  p.SkipWs();
  if (p.TryConsume('}')) goto end;
  {
    // Members in schema order, as the encoder writes them.
    size_t done;
    bool after_value;
    if (!Fields<R>::Run(p, record, site_out, &done, &after_value)) return p.TakeError();
    seen = done >= n ? (uint64_t{1} << n) - 1 : (uint64_t{1} << done) - 1;
    site_seen = done > n;
    expect = done;
    p.field_ = {};
    if (after_value) goto separator;
    p.SkipWs();  // the fast path stops before whitespace after a ','
  }
  // Whatever the fast path did not take: any order, whitespace, escaped keys.
  for (;;) {
    {
      p.canonical_ = false;  // the fast path stopped at this key: not the encoder's next one
      if (!p.At('"')) {
        p.Fail("expected '\"' (a field name)" + p.Found());
        return p.TakeError();
      }
      std::string_view key;
      if (!p.Key(&key)) return p.TakeError();
      size_t idx = 0;
      while (idx < n && fields[idx].name != key) ++idx;
      if (idx == n && key != "site") {
        return Status::InvalidArgument("unknown field " + Quote(key) + " for stream " +
                                       std::string(StreamName(R::kStream)));
      }
      p.SkipWs();
      if (!p.Expect(':', "expected ':'")) return p.TakeError();
      const bool duplicate = idx < n ? (seen >> idx) & 1 : site_seen;
      if (duplicate) {
        return Status::InvalidArgument("duplicate field " +
                                       Quote(idx < n ? fields[idx].name : "site"));
      }
      if (idx != expect) p.canonical_ = false;
      expect = idx + 1;
      p.SkipWs();
      if (idx < n) {
        seen |= uint64_t{1} << idx;
        p.field_ = fields[idx].name;
        if (!fields[idx].parse(p, record)) return p.TakeError();
      } else {
        site_seen = true;
        p.field_ = "site";
        if (!p.Value(site_out)) return p.TakeError();
      }
      p.field_ = {};
    }
  separator:
    if (p.TryConsume(',')) {
      p.SkipWs();
      continue;
    }
    p.SkipWs();
    if (p.TryConsume(',')) {
      p.SkipWs();
      continue;
    }
    if (p.TryConsume('}')) break;
    p.Fail("expected ',' or '}'" + p.Found());
    return p.TakeError();
  }
end:
  if (!p.Tail()) return p.TakeError();

  constexpr uint64_t kAll = (uint64_t{1} << n) - 1;
  if (seen != kAll || !site_seen) {
    p.canonical_ = false;
    for (size_t i = 0; i < n; ++i) {
      if (!((seen >> i) & 1)) fields[i].reset(record);
    }
    if (!site_seen) site_out->clear();
  }
  if (canonical) *canonical = p.canonical_;
  return Status::OK();
}

#define NW_DEC_INSTANTIATE(Name, sname, FIELDS)                                               \
  template Status DecodeJsonLine<Name##Record>(std::string_view, Name##Record*, std::string*, \
                                               bool*);
NW_STREAMS(NW_DEC_INSTANTIATE)
#undef NW_DEC_INSTANTIATE

namespace {
template <typename R>
Status Canonicalize(std::string_view line, std::string* out, bool* canonical) {
  thread_local R record;
  thread_local std::string site;
  bool canon = false;
  Status s = DecodeJsonLine(line, &record, &site, &canon);
  if (!s.ok()) return s;
  if (canonical) *canonical = canon;
  if (canon) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    out->append(line);
    out->push_back('\n');
  } else {
    EncodeJsonLine(record, site, out);
  }
  return s;
}
}  // namespace

Status CanonicalizeJsonLine(StreamId stream, std::string_view line, std::string* out,
                            bool* canonical) {
  switch (stream) {
#define NW_CANON_CASE(Name, sname, FIELDS) \
  case StreamId::k##Name:                  \
    return Canonicalize<Name##Record>(line, out, canonical);
    NW_STREAMS(NW_CANON_CASE)
#undef NW_CANON_CASE
  }
  return Status::InvalidArgument("stream", "unknown stream id");
}

}  // namespace netward::record
