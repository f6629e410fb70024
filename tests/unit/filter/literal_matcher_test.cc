// Tests of filter/literal_matcher.h against a plain search.
#include "filter/literal_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace netward::filter {
namespace {

using Hits = std::vector<std::pair<uint32_t, uint32_t>>;  // (id, end)

Hits Naive(const std::vector<std::string>& lits, const std::vector<bool>& every,
           const std::string& text) {
  Hits out;
  std::vector<bool> reported(lits.size(), false);
  for (size_t end = 1; end <= text.size(); ++end) {
    for (uint32_t id = 0; id < lits.size(); ++id) {
      const std::string& l = lits[id];
      if (l.size() > end || text.compare(end - l.size(), l.size(), l) != 0) continue;
      if (!every[id] && reported[id]) continue;
      reported[id] = true;
      out.push_back({id, static_cast<uint32_t>(end)});
    }
  }
  return out;
}

Hits Scan(const LiteralMatcher& m, const std::string& text, std::vector<uint32_t>* seen,
          uint32_t* epoch) {
  Hits out;
  m.Scan(text, seen, epoch, [&](uint32_t id, uint32_t end) {
    out.push_back({id, end});
    return true;
  });
  return out;
}

TEST(LiteralMatcherTest, AgreesWithAPlainSearchOnRandomTexts) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 30; ++round) {
    // A small alphabet makes overlaps, shared suffixes and repeats common.
    const std::string alphabet = round % 2 ? "ab" : "abcd\xe4\xb8\x80";
    auto random_string = [&](size_t len) {
      std::string s;
      for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
      return s;
    };
    std::vector<std::string> lits;
    std::vector<bool> every;
    std::set<std::string> unique;
    while (lits.size() < 40) {
      std::string l = random_string(4 + rng() % 6);
      if (!unique.insert(l).second) continue;
      lits.push_back(l);
      every.push_back(rng() % 3 == 0);
    }
    LiteralMatcher m;
    for (uint32_t id = 0; id < lits.size(); ++id) m.Add(lits[id], id, every[id]);
    m.Build();
    std::vector<uint32_t> seen;
    uint32_t epoch = 0;
    for (int t = 0; t < 5; ++t) {  // the same scratch across scans: first-only resets per scan
      const std::string text = random_string(rng() % 300);
      Hits got = Scan(m, text, &seen, &epoch);
      Hits want = Naive(lits, every, text);
      std::sort(got.begin(), got.end(), [](auto a, auto b) {
        return a.second != b.second ? a.second < b.second : a.first < b.first;
      });
      std::sort(want.begin(), want.end(), [](auto a, auto b) {
        return a.second != b.second ? a.second < b.second : a.first < b.first;
      });
      ASSERT_EQ(got, want) << "round " << round << " text " << text;
    }
  }
}

TEST(LiteralMatcherTest, ShortLiteralsAreRefusedAndEmptyMatcherFindsNothing) {
  LiteralMatcher m;
  m.Add("abc", 0, true);  // shorter than kMinLength: left to Hyperscan by the engine
  m.Build();
  EXPECT_TRUE(m.empty());
  std::vector<uint32_t> seen;
  uint32_t epoch = 0;
  EXPECT_TRUE(Scan(m, "abcabcabc", &seen, &epoch).empty());
}

TEST(LiteralMatcherTest, StopsWhenTheCallbackSaysSo) {
  LiteralMatcher m;
  m.Add("aaaa", 3, true);
  m.Build();
  std::vector<uint32_t> seen;
  uint32_t epoch = 0;
  int calls = 0;
  m.Scan(std::string(100, 'a'), &seen, &epoch, [&](uint32_t, uint32_t) { return ++calls < 5; });
  EXPECT_EQ(calls, 5);
}

}  // namespace
}  // namespace netward::filter
