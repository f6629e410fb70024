// src/filter/normalize_percent.h: URL percent-decoding, the `is_url` step of the normalizer
// (normalizer.h). Runs before charset decoding: "%B6%C4" is GBK bytes, "%E8%B5%8C" UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace netward::filter {

// Appends the decoded form of `in` to *out, in one pass (a double-encoded "%2541" becomes
// "%41", not "A"):
//   "%XX" (hex, either case) -> that byte;
//   "%uXXXX" (the old IIS/JavaScript escape() form) -> the code point as UTF-8, a surrogate
//     pair "%uD83D%uDE00" as one code point, a lone surrogate as U+FFFD;
//   '+' -> ' ' when plus_as_space (form data and query strings);
//   a '%' not followed by a valid escape is kept as it is.
void PercentDecode(std::string_view in, bool plus_as_space, std::string* out);

}  // namespace netward::filter
