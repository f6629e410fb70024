// tests/unit/filter/factor_cover.h: the soundness property of regex factors
// (filter/regex_factors.h), shared by regex_factors_test.cc and fuzz_regex_factors.cc.
#pragma once

#include <string>
#include <string_view>

#include "filter/regex_factors.h"

namespace netward::filter::testing {

// True if a match ending at `end` in `text` has one of the factors within the regex's maximum
// width before its end: what gating needs to find it.
inline bool FactorCovers(const RegexFactors& f, std::string_view text, size_t end) {
  const size_t from =
      f.max_width == RegexFactors::kUnbounded || f.max_width > end ? 0 : end - f.max_width;
  for (const std::string& factor : f.factors) {
    const size_t p = text.find(factor, from);  // the first occurrence ends soonest
    if (p != std::string_view::npos && p + factor.size() <= end) return true;
  }
  return false;
}

}  // namespace netward::filter::testing
