// The regex factor extractor (src/filter/regex_factors.h): what it finds, what it refuses, and
// that it is sound (every match Hyperscan reports has a factor within max_width bytes before its
// end) on random regexes.
#include "filter/regex_factors.h"

#include <gtest/gtest.h>
#include <hs.h>

#include <chrono>
#include <string>
#include <vector>

#include "factor_cover.h"
#include "filter/rule_bundle_internal.h"
#include "regex_gen.h"

namespace netward::filter {
namespace {

constexpr unsigned kFlags = HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH;

RegexFactors Extract(const std::string& re, size_t min_bytes = 6, size_t max_factors = 256) {
  RegexFactorOptions o;
  o.min_factor_bytes = min_bytes;
  o.max_factors = max_factors;
  return ExtractRegexFactors(re, RegexFlags(re), o);
}

TEST(RegexFactorsTest, LiteralBeforeDigits) {
  RegexFactors f = Extract("abcdefg[0-9]{4,8}");
  ASSERT_TRUE(f.gated) << f.why_not;
  EXPECT_EQ(f.factors, std::vector<std::string>{"abcdefg"});
  EXPECT_EQ(f.max_width, 7u + 8u);
}

TEST(RegexFactorsTest, ShortLiteralIsLengthenedWithDigits) {
  RegexFactors f = Extract("abcd[0-9]{4,8}");
  ASSERT_TRUE(f.gated) << f.why_not;
  ASSERT_EQ(f.factors.size(), 100u);
  EXPECT_EQ(f.factors.front(), "abcd00");
  EXPECT_EQ(f.factors.back(), "abcd99");
  // With room for only 50 strings, no factor of 6 bytes: not gated, and says why.
  RegexFactors g = Extract("abcd[0-9]{4,8}", 6, 50);
  EXPECT_FALSE(g.gated);
  EXPECT_NE(g.why_not.find("shorter than 6"), std::string::npos) << g.why_not;
}

TEST(RegexFactorsTest, ChineseGap) {
  RegexFactors f = Extract("赌博.{0,6}色情");
  ASSERT_TRUE(f.gated) << f.why_not;
  ASSERT_EQ(f.factors.size(), 1u);
  EXPECT_TRUE(f.factors[0] == "赌博" || f.factors[0] == "色情");
  EXPECT_EQ(f.max_width, 6u + 6 * 4 + 6);
}

TEST(RegexFactorsTest, AlternationIsAUnion) {
  RegexFactors f = Extract("(abcdef|ghijkl)\\d{3}xyz");
  ASSERT_TRUE(f.gated) << f.why_not;
  EXPECT_EQ(f.factors, (std::vector<std::string>{"abcdef", "ghijkl"}));
  EXPECT_EQ(f.max_width, 6u + 3 + 3);
  // Short alternatives are lengthened by the digits after them.
  RegexFactors g = Extract("(abcd|efghi)\\d{3}xy");
  ASSERT_TRUE(g.gated) << g.why_not;
  for (const std::string& s : g.factors) EXPECT_GE(s.size(), 6u) << s;
  EXPECT_LE(g.factors.size(), 256u);
  // One alternative without a long literal ungates the whole regex.
  EXPECT_FALSE(Extract("abcdefgh|x").gated);
}

TEST(RegexFactorsTest, OptionalPartsAndUnboundedWidth) {
  RegexFactors f = Extract("colou?r", 5);
  ASSERT_TRUE(f.gated) << f.why_not;
  EXPECT_EQ(f.factors, (std::vector<std::string>{"color", "colour"}));
  EXPECT_EQ(f.max_width, 6u);
  RegexFactors g = Extract("abc.*defghi");
  ASSERT_TRUE(g.gated) << g.why_not;
  EXPECT_EQ(g.factors, std::vector<std::string>{"defghi"});
  EXPECT_EQ(g.max_width, RegexFactors::kUnbounded);
  EXPECT_FALSE(Extract("(abcdefgh)?x").gated);  // optional: no factor
  EXPECT_FALSE(Extract("(abcdefgh)*x").gated);
  RegexFactors h = Extract("(?:abc){2}");
  ASSERT_TRUE(h.gated) << h.why_not;
  EXPECT_EQ(h.factors, std::vector<std::string>{"abcabc"});
}

// The examples of docs/rules.md "Regex gating".
TEST(RegexFactorsTest, DocumentedExamples) {
  EXPECT_EQ(Extract("gambling\\d{4,8}").factors, std::vector<std::string>{"gambling"});
  RegexFactors zh = Extract("赌博.{0,6}网站");
  ASSERT_TRUE(zh.gated);
  EXPECT_EQ(zh.factors.size(), 1u);
  EXPECT_EQ(Extract("(casino|roulette)\\d{3}").factors,
            (std::vector<std::string>{"casino", "roulette"}));
  RegexFactors bets = Extract("bets[0-9]{4}");
  ASSERT_TRUE(bets.gated);
  EXPECT_EQ(bets.factors.size(), 100u);
  EXPECT_EQ(bets.factors.front(), "bets00");
  EXPECT_FALSE(Extract("casino|\\d+").gated);
  EXPECT_FALSE(Extract("bet[0-9]{4}").gated);  // 1000 strings of 6 bytes: too many
}

TEST(RegexFactorsTest, RefusesWhatItDoesNotRead) {
  for (const char* re :
       {"^abcdefgh",        "abcdefgh$",       "\\babcdefgh",    "abcdefgh\\B",
        "(?i)abcdefgh",     "(?=abc)abcdefgh", "(a)\\1abcdefgh", "\\w+abcdefgh",
        "abcdefgh{",        "abcdefgh\\x{41}", "abcdefgh\\xe4",  "[[:alpha:]]abcdefgh",
        "abcdefgh\\p{Han}", "abcdefgh\\Qx\\E", "abcdefgh\\h",    "(abcdefgh",
        "abcdefgh)",        "a++abcdefgh",     "*abcdefgh",      "abcdefgh\\",
        "abc[def"}) {
    RegexFactors f = Extract(re);
    EXPECT_FALSE(f.gated) << re;
    EXPECT_FALSE(f.why_not.empty()) << re;
  }
  // Hyperscan stops reading a pattern at a NUL byte (found by fuzz_regex_factors).
  EXPECT_FALSE(Extract(std::string("colou?r\0\0\0\0\0\0", 13), 1).gated);
  // Flags other than UTF-8 and single match (caseless here) are refused too.
  EXPECT_FALSE(ExtractRegexFactors("abcdefgh", kFlags | HS_FLAG_CASELESS).gated);
  EXPECT_FALSE(ExtractRegexFactors("abcdefgh", HS_FLAG_SINGLEMATCH).gated);
}

TEST(RegexFactorsTest, EscapesAndClasses) {
  RegexFactors f = Extract("a\\.b\\-c\\x61\\t[x]", 1);
  ASSERT_TRUE(f.gated) << f.why_not;
  EXPECT_EQ(f.factors, std::vector<std::string>{"a.b-ca\tx"});
  RegexFactors g = Extract("[^a]bcdefgh[\\s]");
  ASSERT_TRUE(g.gated) << g.why_not;
  EXPECT_EQ(g.factors, std::vector<std::string>{"bcdefgh"});
  EXPECT_EQ(g.max_width, 4u + 7 + 4);
}

// Hyperscan's own matches: for every end offset of a match, some factor occurs within the
// max_width bytes before it (so the engine's window around that factor holds the match).
void CheckSound(const std::string& re, const RegexFactors& f, const std::string& text) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile(re.c_str(), HS_FLAG_UTF8, HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
    hs_free_compile_error(error);
    return;  // Hyperscan refuses it (e.g. only the empty string): the engine never sees it
  }
  hs_scratch_t* scratch = nullptr;
  ASSERT_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
  std::vector<size_t> ends;
  hs_scan(
      db, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
      [](unsigned, unsigned long long, unsigned long long to, unsigned, void* ctx) {
        static_cast<std::vector<size_t>*>(ctx)->push_back(static_cast<size_t>(to));
        return 0;
      },
      &ends);
  for (size_t end : ends) {
    const bool found = testing::FactorCovers(f, text, end);
    EXPECT_TRUE(found) << "regex " << re << " text " << text << " match ending at " << end;
    if (!found) break;
  }
  hs_free_scratch(scratch);
  hs_free_database(db);
}

TEST(RegexFactorsTest, SoundOnRandomRegexes) {
  testing::RegexGen gen(20261123);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  size_t gated = 0, refused = 0, checked = 0;
  for (int i = 0; i < 3000 && std::chrono::steady_clock::now() < deadline; ++i) {
    const std::string re = gen.Regex();
    RegexFactors f = Extract(re, 1 + gen.Pick(6), 1 + gen.Pick(64));
    if (!f.gated) {
      ++refused;
      continue;
    }
    ++gated;
    for (int t = 0; t < 8; ++t) {
      CheckSound(re, f, gen.Text(60));
      ++checked;
    }
    if (HasFailure()) return;
  }
  EXPECT_GT(gated, 100u);
  EXPECT_GT(refused, 50u);
  RecordProperty("gated", static_cast<int>(gated));
  RecordProperty("texts", static_cast<int>(checked));
}

}  // namespace
}  // namespace netward::filter
