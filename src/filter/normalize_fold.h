// src/filter/normalize_fold.h: width and case folding and separator removal, steps 5 of the
// normalizer (normalizer.h), done in one pass over UTF-8 text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace netward::filter {

// Full-width forms to their ordinary ones: U+FF01..U+FF5E -> U+0021..U+007E, U+3000 -> U+0020,
// U+FFE0..U+FFE6 -> ¢ £ ¬ ¯ ¦ ¥ ₩. Everything else unchanged (half-width katakana too).
char32_t FoldWidth(char32_t cp);

// Simple (one-to-one) lower-casing: ASCII, Latin-1, Latin Extended-A, Latin Extended Additional
// (Vietnamese), Greek (final sigma -> σ), Cyrillic, and the Kelvin/Ångström/Ohm signs, ẞ, ſ, µ.
// Other scripts unchanged. No locale rules (Turkish dotless ı stays ı; İ -> i).
char32_t FoldCase(char32_t cp);

// The characters that OpenCC t2s may change: a bit per code point below kMayChangeLimit.
inline constexpr char32_t kMayChangeLimit = 0x30000;
struct MayChangeBits {
  const uint64_t* bits = nullptr;  // kMayChangeLimit / 64 words, or null for "none"
  bool Test(char32_t cp) const {
    return bits != nullptr && cp < kMayChangeLimit && ((bits[cp >> 6] >> (cp & 63)) & 1);
  }
};

// Replaces *out with `in` decoded as UTF-8 (invalid and truncated sequences -> U+FFFD), each
// character passed through FoldWidth then FoldCase, and dropped if remove_separators and
// IsSeparator (normalize_separators.h); NUL is always dropped. Returns true if a kept
// character is set in `may_change`. Linear time; allocates only when *out must grow. Runs of
// ASCII are done 64 bytes at a time where the CPU has AVX-512 VBMI2 (checked once), else 8 at a
// time; the output is the same byte for byte.
bool FoldText(std::string_view in, bool remove_separators, MayChangeBits may_change,
              std::string* out);

// FoldText(StripHtml(html)) (normalize_html.h), byte for byte and with the same return value,
// in one pass where the CPU has AVX-512 VBMI2: text between markup is folded 64 bytes at a time
// straight into *out, markup and entities are handled where they occur, and no intermediate copy
// is made. From the first invalid UTF-8 sequence on (if any), the rest is done in two passes.
// `html` is UTF-8 (possibly invalid). Linear time; allocates only when *out must grow.
bool StripHtmlAndFold(std::string_view html, bool remove_separators, MayChangeBits may_change,
                      std::string* out);

namespace internal {
// For tests and benches: FoldText with a chosen path for ASCII runs (all but kScalar also take
// a shortcut for CJK ideographs). kScalar is the plain one-character loop the others must agree
// with; kAuto is what FoldText uses.
enum class FoldPath { kAuto, kScalar, kSwar, kAvx512 };
bool FoldPathAvailable(FoldPath path);  // kAvx512: this CPU and build have it
// An unavailable path falls back to kSwar.
bool FoldTextWith(FoldPath path, std::string_view in, bool remove_separators,
                  MayChangeBits may_change, std::string* out);
// StripHtmlAndFold; one_pass = false does it in two passes (StripHtml, then FoldText) anywhere.
bool StripHtmlAndFoldWith(bool one_pass, std::string_view html, bool remove_separators,
                          MayChangeBits may_change, std::string* out);
}  // namespace internal

}  // namespace netward::filter
