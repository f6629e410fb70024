// src/filter/normalize_separators.h: which characters the normalizer drops as separators (step 5
// of normalizer.h), so that "赌 . 博", "赌\u200b博" and "赌★博" all read "赌博". Letters, digits
// and marks of every script are kept.
#pragma once

namespace netward::filter {

// True for: every ASCII character that is not a letter or digit (blanks, controls,
// punctuation, symbols); C1 controls, NBSP, soft hyphen and the Latin-1 punctuation
// (¡ § « ¶ · » ¿); general punctuation U+2000..U+206F (spaces, zero-width characters
// U+200B..U+200D, bidi controls, dashes, quotes, word joiner U+2060); supplemental punctuation
// U+2E00..U+2E7F; CJK punctuation in U+3000..U+303F (not the letters and numerals 々 〆 〇
// 〡..〩 〱..〵 〸..〼); the katakana middle dot; vertical, compatibility and small forms
// U+FE10..U+FE6F; variation selectors; U+FEFF; half-width CJK punctuation U+FF5F..U+FF65;
// symbols: arrows, math operators, technical, box drawing, shapes, dingbats (U+2190..U+23FF,
// U+2400..U+245F, U+2500..U+27FF, U+2900..U+2BFF), combining marks for symbols U+20D0..U+20FF,
// emoji and pictographs (U+1F000..U+1F0FF, U+1F200..U+1FAFF), tag characters U+E0000..U+E007F.
// Kept (not separators): letters, digits, combining letter marks, currency signs, letterlike
// and enclosed alphanumerics (① Ⓐ), U+FFFD.
bool IsSeparator(char32_t cp);

}  // namespace netward::filter
