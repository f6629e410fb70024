// src/filter/normalize_fold.cc: width/case folding and separator removal (normalize_fold.h).
#include "filter/normalize_fold.h"

#include <array>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "filter/normalize_html.h"
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

namespace {

// Fast paths for runs of ASCII, the bulk of web text: each gives the bytes the one-character
// loop would (tests/unit/filter/normalize_steps_test.cc compares them on random inputs).
// Process ASCII bytes from s[*i] on while at least a whole block is left; on return s[*i] is
// not ASCII, fewer than a block's bytes are left, or fewer than 64 bytes of room are left before
// `end` (the caller grows *out and calls again).

// CJK ideographs U+4000..U+9FFF (lead bytes E4..E9, no overlong or surrogate forms), the bulk
// of Chinese text: no folding, never separators; decoded here without DecodeUtf8.
inline bool IsCjkAt(const unsigned char* s, size_t i, size_t n) {
  return n - i >= 3 && s[i] >= 0xE4 && s[i] <= 0xE9 && (s[i + 1] & 0xC0) == 0x80 &&
         (s[i + 2] & 0xC0) == 0x80;
}
// Copies the ideograph at s + i (IsCjkAt) to p; returns whether T2S may change it.
inline bool CopyCjk(const unsigned char* s, size_t i, char* p, MayChangeBits may_change) {
  const char32_t cjk = (char32_t{s[i] & 0x0Fu} << 12) | (char32_t{s[i + 1] & 0x3Fu} << 6) |
                       char32_t{s[i + 2] & 0x3Fu};
  p[0] = static_cast<char>(s[i]);
  p[1] = static_cast<char>(s[i + 1]);
  p[2] = static_cast<char>(s[i + 2]);
  return may_change.Test(cjk);
}

// 8 bytes at a time: one test for "all ASCII", then the table per byte without branches.
void FoldAsciiSwar(const unsigned char* s, size_t n, size_t* i, const char* ascii, char** p,
                   const char* end) {
  size_t k = *i;
  char* q = *p;
  while (n - k >= 8 && end - q >= 64) {
    uint64_t w;
    __builtin_memcpy(&w, s + k, 8);
    if (w & 0x8080808080808080ull) break;
    for (int b = 0; b < 8; ++b) {
      const char m = ascii[s[k + b]];
      *q = m;
      q += (m != 0);
    }
    k += 8;
  }
  *i = k;
  *p = q;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NW_FOLD_AVX512 1
#define NW_FOLD_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))

// The first `take` (<= 64) bytes of `x`, all ASCII, lower-cased, only letters and digits kept
// when `remove_separators` (else all but NUL), but for the bytes set in `drop`, stored packed at
// `out` (64 bytes written); returns how many were kept.
NW_FOLD_TARGET inline __attribute__((always_inline)) size_t FoldAsciiBlock(__m512i x, size_t take,
                                                                           bool remove_separators,
                                                                           char* out,
                                                                           uint64_t drop = 0) {
  const __m512i a_upper = _mm512_set1_epi8('A'), a_lower = _mm512_set1_epi8('a');
  const __m512i zero = _mm512_set1_epi8('0'), n26 = _mm512_set1_epi8(26);
  const __m512i n10 = _mm512_set1_epi8(10), n32 = _mm512_set1_epi8(32);
  const __mmask64 upper = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(x, a_upper), n26);
  const __m512i y = _mm512_mask_add_epi8(x, upper, x, n32);
  __mmask64 keep;
  if (remove_separators) {
    keep = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(y, a_lower), n26) |
           _mm512_cmplt_epu8_mask(_mm512_sub_epi8(y, zero), n10);
  } else {
    keep = _mm512_test_epi8_mask(y, y);  // all but NUL
  }
  if (take < 64) keep &= (uint64_t{1} << take) - 1;
  keep &= ~drop;
  _mm512_storeu_si512(out, _mm512_maskz_compress_epi8(keep, y));
  return static_cast<size_t>(__builtin_popcountll(keep));
}

// 64 bytes at a time: lower-case A-Z, keep the bytes the table keeps (alphanumerics, or
// everything but NUL), compress them together, store 64 bytes and advance by how many were kept.
// A block with non-ASCII bytes is done up to the first of them.
NW_FOLD_TARGET void FoldAsciiAvx512(const unsigned char* s, size_t n, size_t* i,
                                    bool remove_separators, char** p, const char* end) {
  size_t k = *i;
  char* q = *p;
  while (n - k >= 64 && end - q >= 64) {
    const __m512i x = _mm512_loadu_si512(s + k);
    const __mmask64 high = _mm512_movepi8_mask(x);
    const unsigned take = high ? static_cast<unsigned>(__builtin_ctzll(high)) : 64;
    if (take == 0) break;
    q += FoldAsciiBlock(x, take, remove_separators, q);
    k += take;
    if (take < 64) break;
  }
  *i = k;
  *p = q;
}

// Bits lo..hi (inclusive, hi < 64) set.
inline uint64_t BitRange(unsigned lo, unsigned hi) {
  return (hi == 63 ? ~uint64_t{0} : (uint64_t{2} << hi) - 1) & ~((uint64_t{1} << lo) - 1);
}

// The bulk of markup, "<name>" and "</name>" without attributes, wholly inside the block `x`
// (`valid` its bytes), taken here without leaving the block: the bytes of such tags from the
// block's start up to the first other special byte (`others`: non-ASCII, '&') or other markup
// (a comment, attributes, a tag cut by the block's end, a start tag of 5 or 6 letters, which
// may be <script> or <style>). Only where separators are removed: a tag's space (the one
// StripHtmlMarkupAt emits for block tags) is then dropped too, so leaving the tag out whole
// writes what StripHtmlMarkupAt would. Returns the mask of those tags' bytes.
NW_FOLD_TARGET inline __attribute__((always_inline)) uint64_t SimpleTagsInBlock(__m512i x,
                                                                                uint64_t lts,
                                                                                uint64_t valid,
                                                                                uint64_t others) {
  const uint64_t gts = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('>')) & valid;
  if (gts == 0) return 0;
  const __m512i folded = _mm512_or_si512(x, _mm512_set1_epi8(0x20));
  const uint64_t alpha =
      _mm512_cmplt_epu8_mask(_mm512_sub_epi8(folded, _mm512_set1_epi8('a')), _mm512_set1_epi8(26));
  const uint64_t digit =
      _mm512_cmplt_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8('0')), _mm512_set1_epi8(10));
  const uint64_t name = alpha | digit | _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('-'));
  const uint64_t slash = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('/'));
  uint64_t drop = 0;
  for (uint64_t l = lts; l != 0; l &= l - 1) {
    const unsigned a = static_cast<unsigned>(__builtin_ctzll(l));
    if (a >= 62 || (others & ((uint64_t{1} << a) - 1)) != 0) break;
    const uint64_t after = gts >> (a + 1);
    if (after == 0) break;  // ends in a later block
    const unsigned b = a + 1 + static_cast<unsigned>(__builtin_ctzll(after));  // the '>'
    const bool closing = (slash >> (a + 1)) & 1;
    const unsigned c0 = a + 1 + (closing ? 1u : 0u);  // the name's first byte
    if (c0 >= b || !((alpha >> c0) & 1)) break;
    const uint64_t name_bits = BitRange(c0, b - 1);
    if ((name & name_bits) != name_bits) break;
    if (!closing && (b - c0 == 5 || b - c0 == 6)) break;  // maybe <script> or <style>
    drop |= BitRange(a, b);
  }
  return drop;
}

bool HaveAvx512Fold() {
  static const bool have = __builtin_cpu_supports("avx512f") &&
                           __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512vbmi2");
  return have;
}
#endif

}  // namespace

namespace internal {

bool FoldPathAvailable(FoldPath path) {
#ifdef NW_FOLD_AVX512
  if (path == FoldPath::kAvx512) return HaveAvx512Fold();
#else
  if (path == FoldPath::kAvx512) return false;
#endif
  return true;
}

namespace {

// FoldTextWith, appending after the first `keep` bytes of *out.
bool FoldAppend(FoldPath path, std::string_view in, bool remove_separators,
                MayChangeBits may_change, std::string* out, size_t keep) {
  if (path == FoldPath::kAuto) {
    path = FoldPathAvailable(FoldPath::kAvx512) ? FoldPath::kAvx512 : FoldPath::kSwar;
  } else if (!FoldPathAvailable(path)) {
    path = FoldPath::kSwar;
  }
  const char* ascii = remove_separators ? kAsciiDrop.data() : kAsciiKeep.data();
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  // Room for the input, plus 64 spare bytes for a block store (the fast paths never write more
  // bytes than they read, but a block store writes 64).
  out->resize(keep + n + 64);
  char* base = out->data();
  char* p = base + keep;
  char* end = base + out->size();
  auto room = [&]() {
    while (end - p < 64) Grow(out, &base, &p, &end);
  };
  bool hit = false;
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      if (path == FoldPath::kAvx512) {
#ifdef NW_FOLD_AVX512
        if (n - i >= 64) {
          FoldAsciiAvx512(s, n, &i, remove_separators, &p, end);
          room();
          continue;
        }
#endif
      } else if (path == FoldPath::kSwar && n - i >= 8) {
        const size_t before = i;
        FoldAsciiSwar(s, n, &i, ascii, &p, end);
        room();
        if (i != before) continue;
      }
      // Each ASCII byte writes at most one byte.
      const char m = ascii[c];
      *p = m;
      p += (m != 0);
      ++i;
    } else {
      if (path != FoldPath::kScalar && IsCjkAt(s, i, n)) {
        hit |= CopyCjk(s, i, p, may_change);
        p += 3;
        i += 3;
        room();
        continue;
      }
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
        room();
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
    room();
  }
  out->resize(static_cast<size_t>(p - base));
  return hit;
}

}  // namespace

bool FoldTextWith(FoldPath path, std::string_view in, bool remove_separators,
                  MayChangeBits may_change, std::string* out) {
  return FoldAppend(path, in, remove_separators, may_change, out, 0);
}

namespace {

// StripHtml + FoldText the two-pass way, from html[from] on (a text position: not inside
// markup), appended to the first `keep` bytes of *out.
bool StripThenFold(std::string_view html, size_t from, bool remove_separators,
                   MayChangeBits may_change, std::string* out, size_t keep) {
  thread_local std::string stripped;
  StripHtml(html.substr(from), &stripped);
  const bool hit = FoldAppend(FoldPath::kAuto, stripped, remove_separators, may_change, out, keep);
  if (stripped.capacity() > (4u << 20)) std::string().swap(stripped);
  return hit;
}

#ifdef NW_FOLD_AVX512
// The one pass: 64 bytes at a time, the bytes before the first '<', '&' or non-ASCII byte are
// folded and compressed as in FoldAsciiAvx512; markup goes through StripHtmlMarkupAt, entities
// through DecodeHtmlEntity, and each valid UTF-8 character through the one-character fold. The
// output equals FoldText(StripHtml(html)) because every character the two-pass way would decode
// is decoded here from the same bytes: StripHtml copies text bytes unchanged and writes whole
// characters for entities, so as long as the text's sequences are valid they reach FoldText
// whole. At the first invalid or truncated sequence (or a literal U+FFFD) the rest goes the
// two-pass way, from that position (which is in text, so StripHtml restarts there exactly).
NW_FOLD_TARGET bool StripHtmlAndFoldAvx512(std::string_view html, bool remove_separators,
                                           MayChangeBits may_change, std::string* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(html.data());
  const size_t n = html.size();
  const char* ascii = remove_separators ? kAsciiDrop.data() : kAsciiKeep.data();
  out->resize(n + 64);
  char* base = out->data();
  char* p = base;
  char* end = base + out->size();
  bool hit = false;
  auto put_ascii = [&](unsigned char c) {
    const char m = ascii[c];
    *p = m;
    p += (m != 0);
  };
  auto put = [&](char32_t cp) {
    cp = FoldCase(FoldWidth(cp));
    if (cp < 0x80) {
      put_ascii(static_cast<unsigned char>(cp));
    } else if (!remove_separators || !IsSeparator(cp)) {
      hit |= may_change.Test(cp);
      p += EncodeUtf8(cp, p);
    }
  };
  const __m512i lt = _mm512_set1_epi8('<'), amp = _mm512_set1_epi8('&');
  size_t i = 0;
  while (i < n) {
    while (end - p < 64) Grow(out, &base, &p, &end);
    // The text bytes before the next special one, up to 64.
    const __mmask64 valid = n - i >= 64 ? ~__mmask64{0} : (__mmask64{1} << (n - i)) - 1;
    const __m512i x = _mm512_maskz_loadu_epi8(valid, s + i);
    const uint64_t others = (_mm512_movepi8_mask(x) | _mm512_cmpeq_epi8_mask(x, amp)) & valid;
    const uint64_t lts = _mm512_cmpeq_epi8_mask(x, lt) & valid;
    // Simple tags inside the block are left out here (SimpleTagsInBlock), the rest below.
    // (Only when a '<' comes before the first other special byte: a block of Chinese text is
    // loaded once per character, and a tag after the first of them is taken in a later load.)
    const uint64_t tags = remove_separators && (lts & ((others & (0 - others)) - 1)) != 0
                              ? SimpleTagsInBlock(x, lts, valid, others)
                              : 0;
    const uint64_t special = (others | lts) & ~tags;
    const size_t avail = n - i >= 64 ? 64 : n - i;
    const size_t take = special ? static_cast<size_t>(__builtin_ctzll(special)) : avail;
    if (take > 0) {
      p += FoldAsciiBlock(x, take, remove_separators, p, tags);
      i += take;
      if (take == avail) continue;
    }
    const unsigned char c = s[i];
    if (c == '<') {
      char emit = 0;
      i = StripHtmlMarkupAt(html, i, &emit);
      if (emit != 0) put_ascii(static_cast<unsigned char>(emit));
    } else if (c == '&') {
      char32_t cp;
      const size_t used = DecodeHtmlEntity(html.substr(i), &cp);
      if (used == 0) {
        put_ascii('&');
        ++i;
      } else {
        put(cp);
        i += used;
      }
    } else if (IsCjkAt(s, i, n)) {
      // A run of CJK ideographs is copied here, up to 21 (63 bytes: the room the loop's top
      // made) before the next load, rather than one per load.
      int k = 0;
      do {
        hit |= CopyCjk(s, i, p, may_change);
        p += 3;
        i += 3;
      } while (++k < 21 && IsCjkAt(s, i, n));
    } else {
      size_t len;
      const char32_t cp = DecodeUtf8(s + i, n - i, &len);
      if (cp == kReplacementChar) {
        out->resize(static_cast<size_t>(p - base));
        return StripThenFold(html, i, remove_separators, may_change, out, out->size()) || hit;
      }
      put(cp);
      i += len;
    }
  }
  out->resize(static_cast<size_t>(p - base));
  return hit;
}
#endif

}  // namespace

bool StripHtmlAndFoldWith(bool one_pass, std::string_view html, bool remove_separators,
                          MayChangeBits may_change, std::string* out) {
#ifdef NW_FOLD_AVX512
  if (one_pass && HaveAvx512Fold()) {
    return StripHtmlAndFoldAvx512(html, remove_separators, may_change, out);
  }
#else
  (void)one_pass;
#endif
  return StripThenFold(html, 0, remove_separators, may_change, out, 0);
}

}  // namespace internal

bool FoldText(std::string_view in, bool remove_separators, MayChangeBits may_change,
              std::string* out) {
  return internal::FoldTextWith(internal::FoldPath::kAuto, in, remove_separators, may_change, out);
}

bool StripHtmlAndFold(std::string_view html, bool remove_separators, MayChangeBits may_change,
                      std::string* out) {
  return internal::StripHtmlAndFoldWith(true, html, remove_separators, may_change, out);
}

}  // namespace netward::filter
