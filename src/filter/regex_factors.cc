// src/filter/regex_factors.cc: the factor extractor (regex_factors.h).
//
// A recursive-descent reader of the regex subset that computes, for every part: its widths in
// bytes, its exact set (every string it matches, when there are at most max_factors of them)
// and its best factor set. Anything it does not know fails the whole regex (not gated).
#include "filter/regex_factors.h"

#include <hs.h>

#include <algorithm>

namespace netward::filter {
namespace {

constexpr uint64_t kInf = RegexFactors::kUnbounded;
constexpr int kMaxDepth = 64;        // nested groups
constexpr uint64_t kMaxCopies = 16;  // copies of a quantified part expanded into a sequence
constexpr size_t kGoodLength = 32;   // a cross product this long is not lengthened further
constexpr uint64_t kMaxRepeat = 65535;
constexpr uint64_t kCharMaxBytes = 4;  // one UTF-8 character

using Set = std::vector<std::string>;  // sorted, distinct

uint64_t AddW(uint64_t a, uint64_t b) {
  if (a == kInf || b == kInf || a + b >= kInf / 2) return kInf;
  return a + b;
}
uint64_t MulW(uint64_t a, uint64_t k) {
  if (k == 0) return 0;
  if (a == kInf || a > (kInf / 2) / k) return kInf;
  return a * k;
}

size_t MinLen(const Set& s) {
  size_t m = SIZE_MAX;
  for (const std::string& x : s) m = std::min(m, x.size());
  return s.empty() ? 0 : m;
}

void Normalize(Set* s) {
  std::sort(s->begin(), s->end());
  s->erase(std::unique(s->begin(), s->end()), s->end());
}

// What is known about one part of a regex.
struct Info {
  uint64_t min_w = 0, max_w = 0;
  bool has_exact = false;
  Set exact;  // every string the part matches
  bool has_factors = false;
  Set factors;  // every match contains one
};

Info Literal(std::string bytes) {
  Info i;
  i.min_w = i.max_w = bytes.size();
  i.has_exact = true;
  i.exact = {std::move(bytes)};
  return i;
}
Info AnyChar() {
  Info i;
  i.min_w = 1;
  i.max_w = kCharMaxBytes;
  return i;
}
Info Opaque(uint64_t min_w, uint64_t max_w) {
  Info i;
  i.min_w = min_w;
  i.max_w = max_w;
  return i;
}

class Extractor {
 public:
  Extractor(std::string_view re, const RegexFactorOptions& options)
      : re_(re),
        limit_(std::max<size_t>(1, options.max_factors)),
        min_len_(std::max<size_t>(1, options.min_factor_bytes)) {}

  bool Run(Info* out) {
    if (!ParseAlt(0, out)) return false;
    if (pos_ != re_.size()) return Fail("unbalanced ')'");
    return true;
  }
  const std::string& error() const { return error_; }
  // Whether `a` is a better factor set than `b` (both valid).
  bool Better(const Set& a, const Set& b) const {
    const size_t la = MinLen(a), lb = MinLen(b);
    const bool ma = la >= min_len_, mb = lb >= min_len_;
    if (ma != mb) return ma;
    if (ma) return a.size() != b.size() ? a.size() < b.size() : la > lb;
    return la != lb ? la > lb : a.size() < b.size();
  }
  size_t min_len() const { return min_len_; }
  size_t limit() const { return limit_; }

 private:
  bool Fail(const std::string& why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  bool AtEnd() const { return pos_ >= re_.size(); }
  char Peek() const { return re_[pos_]; }

  bool Valid(const Set& s) const { return !s.empty() && s.size() <= limit_ && MinLen(s) > 0; }
  void Consider(const Set& cand, Info* info) const {
    if (!Valid(cand)) return;
    if (!info->has_factors || Better(cand, info->factors)) {
      info->factors = cand;
      info->has_factors = true;
    }
  }
  // a x b into *out; false if it would hold more than the limit.
  bool Cross(const Set& a, const Set& b, Set* out) const {
    if (a.size() * b.size() > limit_) return false;
    out->clear();
    for (const std::string& x : a) {
      for (const std::string& y : b) out->push_back(x + y);
    }
    Normalize(out);
    return true;
  }
  // a x b, except that strings of a already min_len_ long stay as they are (each is a whole
  // match of the parts before b, so a match through it contains it); false if over the limit.
  bool Extend(const Set& a, const Set& b, Set* out) const {
    size_t n = 0;
    for (const std::string& x : a) n += x.size() >= min_len_ ? 1 : b.size();
    if (n > limit_) return false;
    out->clear();
    for (const std::string& x : a) {
      if (x.size() >= min_len_) {
        out->push_back(x);
        continue;
      }
      for (const std::string& y : b) out->push_back(x + y);
    }
    Normalize(out);
    return true;
  }
  // An atom's own best factor set: its exact set, when it has one.
  void Finish(Info* info) const {
    if (info->has_exact) Consider(info->exact, info);
  }

  // alternation := sequence ('|' sequence)*
  bool ParseAlt(int depth, Info* out) {
    if (depth > kMaxDepth) return Fail("groups nested too deep");
    std::vector<Info> alts(1);
    if (!ParseSeq(depth, &alts.back())) return false;
    while (!AtEnd() && Peek() == '|') {
      ++pos_;
      alts.emplace_back();
      if (!ParseSeq(depth, &alts.back())) return false;
    }
    if (alts.size() == 1) {
      *out = std::move(alts[0]);
      return true;
    }
    Info r;
    r.min_w = kInf;
    bool all_exact = true, all_factors = true;
    Set exact, factors;
    for (const Info& a : alts) {
      r.min_w = std::min(r.min_w, a.min_w);
      r.max_w = std::max(r.max_w, a.max_w);
      all_exact = all_exact && a.has_exact;
      all_factors = all_factors && a.has_factors;
      if (all_exact) exact.insert(exact.end(), a.exact.begin(), a.exact.end());
      if (all_factors) factors.insert(factors.end(), a.factors.begin(), a.factors.end());
    }
    if (all_exact) {
      Normalize(&exact);
      if (exact.size() <= limit_) {
        r.has_exact = true;
        r.exact = std::move(exact);
      }
    }
    if (all_factors) {
      Normalize(&factors);
      Consider(factors, &r);
    }
    Finish(&r);
    *out = std::move(r);
    return true;
  }

  // sequence := (atom quantifier?)*, up to '|', ')' or the end.
  bool ParseSeq(int depth, Info* out) {
    std::vector<Info> items;
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      Info atom;
      if (!ParseAtom(depth, &atom)) return false;
      uint64_t lo = 1, hi = 1;
      if (!ParseQuantifier(&lo, &hi)) return false;
      if (lo == 1 && hi == 1) {
        items.push_back(std::move(atom));
        continue;
      }
      if (hi == 0) {  // x{0}: matches the empty string only
        items.push_back(Literal(""));
        continue;
      }
      const uint64_t copies = std::min(lo, kMaxCopies);
      for (uint64_t c = 0; c < copies; ++c) items.push_back(atom);
      if (lo > copies) {
        items.push_back(Opaque(MulW(atom.min_w, lo - copies), MulW(atom.max_w, lo - copies)));
      }
      if (hi == kInf) {
        items.push_back(Opaque(0, atom.max_w == 0 ? 0 : kInf));
      } else if (hi > lo) {
        const uint64_t extra = hi - lo;
        if (extra <= kMaxCopies) {
          Info opt = Opaque(0, atom.max_w);
          if (atom.has_exact && atom.exact.size() + 1 <= limit_) {
            opt.has_exact = true;
            opt.exact = atom.exact;
            opt.exact.emplace_back();
            Normalize(&opt.exact);
          }
          for (uint64_t c = 0; c < extra; ++c) items.push_back(opt);
        } else {
          items.push_back(Opaque(0, MulW(atom.max_w, extra)));
        }
      }
    }
    Concat(items, out);
    return true;
  }

  void Concat(std::vector<Info>& raw, Info* out) const {
    // Adjacent single-string parts (a literal run) into one.
    std::vector<Info> items;
    for (Info& i : raw) {
      if (!items.empty() && i.has_exact && i.exact.size() == 1 && items.back().has_exact &&
          items.back().exact.size() == 1) {
        Info& b = items.back();
        b.exact[0] += i.exact[0];
        b.min_w = AddW(b.min_w, i.min_w);
        b.max_w = AddW(b.max_w, i.max_w);
        b.has_factors = false;
        b.factors.clear();
        Finish(&b);
      } else {
        items.push_back(std::move(i));
      }
    }
    Info r;
    if (items.empty()) {
      r = Literal("");
      *out = std::move(r);
      return;
    }
    bool all_exact = true;
    for (const Info& i : items) {
      r.min_w = AddW(r.min_w, i.min_w);
      r.max_w = AddW(r.max_w, i.max_w);
      all_exact = all_exact && i.has_exact;
      if (i.has_factors) Consider(i.factors, &r);
    }
    // Cross products of runs of parts with exact sets: whole (strings up to kGoodLength long),
    // and lengthening only the strings still shorter than min_len_ (fewer strings: (abcdefgh|ab)
    // then \d gives abcdefgh and ab0 ... ab9, not abcdefgh0 ... abcdefgh9 as well).
    Set full, lazy, next;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].has_exact) continue;
      full = lazy = {std::string()};
      bool full_ok = true;
      for (size_t j = i; j < items.size() && items[j].has_exact; ++j) {
        if (full_ok && (full_ok = Cross(full, items[j].exact, &next))) {
          full.swap(next);
          Consider(full, &r);
          if (MinLen(full) >= kGoodLength) full_ok = false;
        }
        if (!Extend(lazy, items[j].exact, &next)) break;
        lazy.swap(next);
        Consider(lazy, &r);
        if (!full_ok && MinLen(lazy) >= min_len_) break;  // neither changes any more
      }
    }
    if (all_exact) {
      Set whole = {std::string()};
      bool ok = true;
      for (const Info& i : items) {
        if (!Cross(whole, i.exact, &next)) {
          ok = false;
          break;
        }
        whole.swap(next);
      }
      if (ok) {
        r.has_exact = true;
        r.exact = std::move(whole);
        Finish(&r);
      }
    }
    *out = std::move(r);
  }

  static bool IsQuantStart(char c) { return c == '*' || c == '+' || c == '?' || c == '{'; }

  // Reads an optional quantifier: *lo, *hi (kInf: no limit); false on what it refuses.
  bool ParseQuantifier(uint64_t* lo, uint64_t* hi) {
    if (AtEnd() || !IsQuantStart(Peek())) return true;
    const char c = Peek();
    if (c == '*') {
      *lo = 0, *hi = kInf, ++pos_;
    } else if (c == '+') {
      *lo = 1, *hi = kInf, ++pos_;
    } else if (c == '?') {
      *lo = 0, *hi = 1, ++pos_;
    } else {
      size_t p = pos_ + 1;
      auto number = [&](uint64_t* v) {
        size_t start = p;
        *v = 0;
        while (p < re_.size() && re_[p] >= '0' && re_[p] <= '9' && p - start < 6) {
          *v = *v * 10 + static_cast<uint64_t>(re_[p] - '0');
          ++p;
        }
        return p > start;
      };
      if (!number(lo)) return Fail("'{' that is not a quantifier");
      if (p < re_.size() && re_[p] == '}') {
        *hi = *lo;
      } else if (p < re_.size() && re_[p] == ',') {
        ++p;
        if (p < re_.size() && re_[p] == '}') {
          *hi = kInf;
        } else if (!number(hi)) {
          return Fail("'{' that is not a quantifier");
        }
      } else {
        return Fail("'{' that is not a quantifier");
      }
      if (p >= re_.size() || re_[p] != '}') return Fail("'{' that is not a quantifier");
      pos_ = p + 1;
      if (*lo > kMaxRepeat || (*hi != kInf && (*hi > kMaxRepeat || *hi < *lo))) {
        return Fail("bad repeat counts");
      }
    }
    if (!AtEnd() && Peek() == '?') ++pos_;  // lazy: the same strings match
    if (!AtEnd() && IsQuantStart(Peek())) return Fail("possessive or repeated quantifier");
    return true;
  }

  // One UTF-8 character at pos_ into *out (advances); false if invalid.
  bool ReadChar(std::string* out) {
    const unsigned char c = static_cast<unsigned char>(re_[pos_]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || pos_ + len > re_.size()) return Fail("invalid UTF-8");
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(re_[pos_ + k]) & 0xc0) != 0x80) {
        return Fail("invalid UTF-8");
      }
    }
    // Overlong forms and surrogates: Hyperscan refuses them; so does this reader.
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < len; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(re_[pos_ + k]) & 0x3f);
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return Fail("invalid UTF-8");
    }
    out->assign(re_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // After a backslash (pos_ at the escaped character). *byte set for a one-byte character;
  // *klass: 'd' for \d, 'a' for a character of unknown bytes (\D \s \S).
  bool ParseEscape(bool in_class, int* byte, char* klass) {
    if (AtEnd()) return Fail("trailing backslash");
    const char c = Peek();
    ++pos_;
    *byte = -1;
    *klass = 0;
    switch (c) {
      case 'd':
        *klass = 'd';
        return true;
      case 'D':
      case 's':
      case 'S':
        *klass = 'a';
        return true;
      case 't':
        *byte = '\t';
        return true;
      case 'n':
        *byte = '\n';
        return true;
      case 'r':
        *byte = '\r';
        return true;
      case 'f':
        *byte = '\f';
        return true;
      case 'e':
        *byte = 0x1b;
        return true;
      case 'a':
        *byte = 0x07;
        return true;
      case 'x': {
        if (pos_ + 2 > re_.size() || Hex(re_[pos_]) < 0 || Hex(re_[pos_ + 1]) < 0) {
          return Fail("\\x without two hex digits");
        }
        const int v = Hex(re_[pos_]) * 16 + Hex(re_[pos_ + 1]);
        if (v >= 0x80) return Fail("\\x of 0x80 or more (a code point, not a byte)");
        pos_ += 2;
        *byte = v;
        return true;
      }
      default:
        break;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      *byte = c;  // escaped punctuation stands for itself
      return true;
    }
    (void)in_class;
    return Fail(std::string("escape \\") + (u < 0x80 ? std::string(1, c) : std::string("?")) +
                " is not understood");
  }

  static void AddDigits(Set* s) {
    for (char d = '0'; d <= '9'; ++d) s->emplace_back(1, d);
  }

  bool ParseClass(Info* out) {  // pos_ just after '['
    bool negated = false, wide = false;
    Set members;
    if (!AtEnd() && Peek() == '^') negated = true, ++pos_;
    bool first = true;
    while (true) {
      if (AtEnd()) return Fail("unterminated class");
      char c = Peek();
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      // One class item: its character (as bytes) or a class escape.
      std::string ch;
      if (c == '[' && pos_ + 1 < re_.size() &&
          (re_[pos_ + 1] == ':' || re_[pos_ + 1] == '.' || re_[pos_ + 1] == '=')) {
        return Fail("POSIX class");
      }
      if (c == '\\') {
        ++pos_;
        int byte;
        char klass;
        if (!AtEnd() && Peek() == 'b') return Fail("\\b in a class");
        if (!ParseEscape(true, &byte, &klass)) return false;
        if (klass == 'd') {
          AddDigits(&members);
          continue;
        }
        if (klass) {
          wide = true;
          continue;
        }
        ch.assign(1, static_cast<char>(byte));
      } else if (!ReadChar(&ch)) {
        return false;
      }
      // A range?
      if (pos_ + 1 < re_.size() && Peek() == '-' && re_[pos_ + 1] != ']') {
        ++pos_;
        std::string hi;
        if (Peek() == '\\') {
          ++pos_;
          int byte;
          char klass;
          if (!AtEnd() && Peek() == 'b') return Fail("\\b in a class");
          if (!ParseEscape(true, &byte, &klass)) return false;
          if (klass) return Fail("class escape as a range end");
          hi.assign(1, static_cast<char>(byte));
        } else if (Peek() == '[') {
          return Fail("'[' as a range end");
        } else if (!ReadChar(&hi)) {
          return false;
        }
        if (ch.size() == 1 && hi.size() == 1) {
          if (ch[0] > hi[0]) return Fail("range out of order");
          for (int b = ch[0]; b <= hi[0]; ++b) members.emplace_back(1, static_cast<char>(b));
        } else {
          if (ch > hi && ch.size() >= hi.size()) return Fail("range out of order");
          wide = true;  // a range of non-ASCII characters: one character, bytes not listed
        }
        continue;
      }
      members.push_back(std::move(ch));
    }
    Normalize(&members);
    if (negated || wide || members.size() > limit_) {
      *out = AnyChar();
      if (!negated && !wide) {
        out->min_w = MinLen(members);
        out->max_w = 0;
        for (const std::string& m : members) out->max_w = std::max<uint64_t>(out->max_w, m.size());
      }
      return true;
    }
    if (members.empty()) return Fail("empty class");
    Info r;
    r.min_w = MinLen(members);
    for (const std::string& m : members) r.max_w = std::max<uint64_t>(r.max_w, m.size());
    r.has_exact = true;
    r.exact = std::move(members);
    Finish(&r);
    *out = std::move(r);
    return true;
  }

  bool ParseAtom(int depth, Info* out) {
    const char c = Peek();
    switch (c) {
      case '(': {
        ++pos_;
        if (!AtEnd() && Peek() == '?') {
          if (pos_ + 1 < re_.size() && re_[pos_ + 1] == ':') {
            pos_ += 2;
          } else {
            return Fail("(?...) group (flags, lookaround or other)");
          }
        }
        if (!ParseAlt(depth + 1, out)) return false;
        if (AtEnd() || Peek() != ')') return Fail("unterminated group");
        ++pos_;
        return true;
      }
      case '[':
        ++pos_;
        return ParseClass(out);
      case '.':
        ++pos_;
        *out = AnyChar();
        return true;
      case '^':
      case '$':
        return Fail("anchor");
      case '*':
      case '+':
      case '?':
      case '{':
        return Fail("quantifier with nothing before it");
      case '\\': {
        ++pos_;
        if (!AtEnd() && std::string_view("bBAzZGwWpPQEkgRXCKNhHvV0123456789").find(Peek()) !=
                            std::string_view::npos) {
          return Fail(std::string("escape \\") + Peek() + " is not understood");
        }
        int byte;
        char klass;
        if (!ParseEscape(false, &byte, &klass)) return false;
        if (klass == 'd') {
          Info r;
          r.min_w = r.max_w = 1;
          r.has_exact = true;
          AddDigits(&r.exact);
          Finish(&r);
          *out = std::move(r);
        } else if (klass) {
          *out = AnyChar();
        } else {
          *out = Literal(std::string(1, static_cast<char>(byte)));
          Finish(out);
        }
        return true;
      }
      default: {
        std::string ch;
        if (!ReadChar(&ch)) return false;
        *out = Literal(std::move(ch));
        Finish(out);
        return true;
      }
    }
  }

  std::string_view re_;
  size_t pos_ = 0;
  size_t limit_;
  size_t min_len_;
  std::string error_;
};

}  // namespace

RegexFactors ExtractRegexFactors(std::string_view regex, unsigned hs_flags,
                                 const RegexFactorOptions& options) {
  RegexFactors out;
  if (!(hs_flags & HS_FLAG_UTF8) || (hs_flags & ~(HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH))) {
    out.why_not = "flags other than UTF-8 and single-match";
    return out;
  }
  if (regex.find('\0') != std::string_view::npos) {
    // Hyperscan reads the pattern as a C string, up to the first NUL.
    out.why_not = "a NUL byte";
    return out;
  }
  Extractor ex(regex, options);
  Info info;
  if (!ex.Run(&info)) {
    out.why_not = ex.error();
    return out;
  }
  out.max_width = info.max_w;
  if (!info.has_factors) {
    out.why_not = "no literal that every match contains";
    return out;
  }
  if (MinLen(info.factors) < ex.min_len()) {
    out.why_not = "its literals are shorter than " + std::to_string(ex.min_len()) + " bytes";
    out.factors = std::move(info.factors);
    return out;
  }
  out.gated = true;
  out.factors = std::move(info.factors);
  return out;
}

}  // namespace netward::filter
