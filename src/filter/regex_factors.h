// src/filter/regex_factors.h: literal factors of a regex, so the rule engine scans for a regex
// only around the places where it can match (rule_engine.cc, docs/rules.md "How matching works").
//
// A factor set of a regex is a set of byte strings such that every match of the regex contains
// at least one of them. ExtractRegexFactors reads the regex subset bundles use: literal
// characters (UTF-8), escapes of punctuation, \t \n \r \f \e \a, \xHH below 0x80, \d \D \s \S,
// `.`, classes [...] (ranges, negation, the escapes above), groups (...) and (?:...),
// alternation, and the quantifiers ? * + {m} {m,} {m,n} (lazy forms too). Concatenation takes
// the best factor set of its parts, or the cross product of adjacent parts whose every match is
// one of a few strings (a literal run, a small class like [0-9] or \d, a small alternation);
// alternation takes the union of its alternatives' sets; a part under a quantifier with minimum
// 0 gives no factor. Anything else (anchors ^ $ \A \z, \b \B, lookaround, backreferences, other
// (?...) groups, \w \W (they need Unicode word classes), POSIX classes, \p, \Q, \x{...} or \xHH
// of 0x80 or more, a literal `{` that is not a quantifier, invalid UTF-8, a NUL byte, flags
// other than UTF-8 and single-match) makes the regex ungated: the engine then scans for it in
// every text, as it always did, so results never change.
//
// The texts and the patterns are in the same normalized form, so factors are compared
// byte-exact. The maximum match width is in bytes (a character `.` counts 4); kUnbounded when
// some part repeats without limit (* + {m,}): the engine then scans the whole text when a factor
// occurs, rather than a window around the factor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netward::filter {

struct RegexFactorOptions {
  // Factors shorter than this are not accepted (the literal matcher's speed depends on its
  // shortest key, literal_matcher.h); at least 1.
  size_t min_factor_bytes = 6;
  // A factor set larger than this is not accepted (expanding classes multiplies the count).
  size_t max_factors = 256;
};

struct RegexFactors {
  static constexpr uint64_t kUnbounded = UINT64_MAX;
  bool gated = false;                // factors found, every one at least min_factor_bytes long
  std::vector<std::string> factors;  // sorted, distinct; every match contains one of them
  uint64_t max_width = 0;            // bytes a match spans at most, or kUnbounded
  std::string why_not;               // when !gated: what is not understood or why no factor
};

// `hs_flags` are the Hyperscan flags the regex is compiled with (rule_bundle_internal.h
// RegexFlags): only HS_FLAG_UTF8 and HS_FLAG_SINGLEMATCH are understood. Never fails: a regex
// it cannot read (or does not know to be valid) comes back !gated with the reason.
RegexFactors ExtractRegexFactors(std::string_view regex, unsigned hs_flags,
                                 const RegexFactorOptions& options = {});

}  // namespace netward::filter
