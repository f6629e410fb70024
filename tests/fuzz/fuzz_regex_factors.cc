// tests/fuzz/fuzz_regex_factors.cc: the regex factor extractor (src/filter/regex_factors.h) on
// arbitrary patterns, and its soundness against Hyperscan on arbitrary texts.
// Input: the pattern up to the first '\n', then one byte of options (low 3 bits + 1: the
// shortest factor accepted; the next 5 bits: at most 4 * (x + 1) factors), then the text.
// Checked: the extractor never crashes or hangs; a gated result has sorted, distinct factors of
// at least that length and no more than that many; and when Hyperscan compiles the pattern (as
// the engine does, UTF-8), every end offset of a match in a valid UTF-8 text has one of the
// factors within max_width bytes before it, which is what the engine's windows rely on.
// The Hyperscan half is skipped for patterns with large counted repeats (counted_repeats.h).
#include <hs.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/filter/factor_cover.h"
#include "counted_repeats.h"
#include "filter/regex_factors.h"

using namespace netward::filter;

namespace {

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  if (nl == std::string_view::npos || nl + 1 >= input.size()) return 0;
  const std::string re(input.substr(0, nl));
  const uint8_t opt = static_cast<uint8_t>(input[nl + 1]);
  const std::string_view text = input.substr(nl + 2);
  if (re.size() > 512) return 0;  // Hyperscan's compile time grows fast; bundles allow 1024

  RegexFactorOptions options;
  options.min_factor_bytes = 1 + (opt & 7);
  options.max_factors = 4 * (1 + (opt >> 3));
  const RegexFactors f = ExtractRegexFactors(re, HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH, options);
  if (!f.gated) return 0;
  if (f.factors.empty() || f.factors.size() > options.max_factors ||
      !std::is_sorted(f.factors.begin(), f.factors.end()) ||
      std::adjacent_find(f.factors.begin(), f.factors.end()) != f.factors.end()) {
    __builtin_trap();
  }
  for (const std::string& s : f.factors) {
    if (s.size() < options.min_factor_bytes) __builtin_trap();
  }

  if (!ValidUtf8(text)) return 0;  // a UTF-8 database on invalid UTF-8 is undefined
  if (!netward::fuzz::SmallCountedRepeats(re)) return 0;  // Hyperscan's compile time
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile(re.c_str(), HS_FLAG_UTF8, HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
    hs_free_compile_error(error);
    return 0;  // the bundle loader refuses what Hyperscan refuses
  }
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) __builtin_trap();
  std::vector<size_t> ends;
  hs_scan(
      db, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
      [](unsigned, unsigned long long, unsigned long long to, unsigned, void* ctx) {
        auto* e = static_cast<std::vector<size_t>*>(ctx);
        e->push_back(static_cast<size_t>(to));
        return e->size() >= 4096 ? 1 : 0;
      },
      &ends);
  for (size_t end : ends) {
    // A match the gated engine could miss.
    if (!netward::filter::testing::FactorCovers(f, text, end)) __builtin_trap();
  }
  hs_free_scratch(scratch);
  hs_free_database(db);
  return 0;
}
