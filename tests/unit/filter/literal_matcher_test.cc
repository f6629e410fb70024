// Tests of filter/literal_matcher.h against a plain search.
#include "filter/literal_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
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

// Keywords of 8 bytes or more are keyed on 8 bytes, shorter ones on K; the text is sampled every
// S bytes: mixes of both, only one kind, shortest lengths 4 to 11 (S 1 to 4, K 4 to 8), texts
// shorter than 8 bytes, and keywords sharing their last 8 bytes.
TEST(LiteralMatcherTest, ShortAndLongKeywordsAgreeWithAPlainSearch) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 60; ++round) {
    const std::string alphabet = round % 3 == 0 ? "ab" : "abc\xe4\xb8\x80";
    auto random_string = [&](size_t len) {
      std::string s;
      for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
      return s;
    };
    // 0: both, 1: long only, 2: short only, 3-5: 6, 7 or 11 bytes or more (sampled scans)
    const int kind = round % 6;
    std::vector<std::string> lits;
    std::vector<bool> every;
    std::set<std::string> unique;
    while (lits.size() < 30) {
      size_t len = kind == 1   ? 8 + rng() % 12
                   : kind == 2 ? 4 + rng() % 4
                   : kind == 3 ? 6 + rng() % 10
                   : kind == 4 ? 7 + rng() % 6
                   : kind == 5 ? 11 + rng() % 10
                               : 4 + rng() % 16;
      std::string l = random_string(len);
      if (lits.size() % 5 == 4 && !lits.back().empty() && lits.back().size() >= 8) {
        l = random_string(1 + rng() % 3) + lits.back().substr(lits.back().size() - 8);
      }
      if (!unique.insert(l).second) continue;
      lits.push_back(l);
      every.push_back(rng() % 2 == 0);
    }
    LiteralMatcher m;
    for (uint32_t id = 0; id < lits.size(); ++id) m.Add(lits[id], id, every[id]);
    m.Build();
    size_t shortest = SIZE_MAX;
    for (const std::string& l : lits) shortest = std::min(shortest, l.size());
    const size_t step = std::clamp<size_t>(shortest - 4, 1, 4);
    ASSERT_EQ(m.sample_step(), step);
    ASSERT_EQ(m.key_length(), std::min<size_t>(8, shortest - step + 1));
    std::vector<uint32_t> seen;
    uint32_t epoch = 0;
    for (int t = 0; t < 8; ++t) {
      // Texts made of keyword pieces and random bytes, some shorter than 8 bytes.
      std::string text;
      const size_t want_len = t < 2 ? rng() % 9 : rng() % 400;
      while (text.size() < want_len) {
        if (rng() % 3 == 0) {
          text += lits[rng() % lits.size()];
        } else {
          text += random_string(1 + rng() % 6);
        }
      }
      if (t < 2) text.resize(want_len);
      Hits got = Scan(m, text, &seen, &epoch);
      Hits want = Naive(lits, every, text);
      auto by_end = [](auto a, auto b) {
        return a.second != b.second ? a.second < b.second : a.first < b.first;
      };
      // Scan reports in order of end.
      ASSERT_TRUE(std::is_sorted(got.begin(), got.end(),
                                 [](auto a, auto b) { return a.second < b.second; }));
      std::sort(got.begin(), got.end(), by_end);
      std::sort(want.begin(), want.end(), by_end);
      ASSERT_EQ(got, want) << "round " << round << " text " << text;
    }
  }
}

// The AVX-512 first test (where the CPU has it) and the scalar one give the same hits: keywords of
// every length 4 to 40 (shortest 4 to 11: S 1 to 4), planted at the text's start and end and at
// every alignment, in texts of 0 to 700 bytes scanned from each of 8 offsets; both agree with a
// plain search. On a CPU without AVX-512 both runs take the scalar path.
TEST(LiteralMatcherTest, SimdAndScalarPathsAgree) {
  std::mt19937_64 rng(23);
  for (int round = 0; round < 16; ++round) {
    const std::string alphabet = round % 2 ? "abc\xe4\xb8\x80" : "abcdefghij";
    auto random_string = [&](size_t len) {
      std::string s;
      for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
      return s;
    };
    const size_t shortest = 4 + round % 8;
    std::vector<std::string> lits;
    std::vector<bool> every;
    std::set<std::string> unique;
    for (size_t len = shortest; len <= 40; ++len) {
      for (int copies = 0; copies < 2; ++copies) {
        std::string l = random_string(len);
        if (!unique.insert(l).second) continue;
        lits.push_back(l);
        every.push_back(rng() % 2 == 0);
      }
    }
    LiteralMatcher simd, scalar;
    for (uint32_t id = 0; id < lits.size(); ++id) {
      simd.Add(lits[id], id, every[id]);
      scalar.Add(lits[id], id, every[id]);
    }
    simd.Build();
    scalar.Build();
    scalar.UseSimdForTesting(false);
    ASSERT_FALSE(scalar.simd());
    std::vector<uint32_t> seen;
    uint32_t epoch = 0;
    for (int t = 0; t < 12; ++t) {
      const size_t len = t == 0 ? rng() % 64 : rng() % 700;
      std::string text = random_string(len);
      for (int k = 0; k < 6 && !text.empty(); ++k) {  // planted at random offsets
        const std::string& l = lits[rng() % lits.size()];
        const size_t at = rng() % text.size();
        text.replace(at, std::min(l.size(), text.size() - at), l);
      }
      const std::string& head = lits[rng() % lits.size()];
      const std::string& tail = lits[rng() % lits.size()];
      text = head + text + tail;  // at both ends
      for (size_t offset = 0; offset < 8 && offset < text.size(); ++offset) {
        const std::string part = text.substr(offset);
        Hits a = Scan(simd, part, &seen, &epoch);
        Hits b = Scan(scalar, part, &seen, &epoch);
        ASSERT_EQ(a, b) << "round " << round << " offset " << offset << " text " << part;
        Hits want = Naive(lits, every, part);
        auto by_end = [](auto x, auto y) {
          return x.second != y.second ? x.second < y.second : x.first < y.first;
        };
        std::sort(a.begin(), a.end(), by_end);
        std::sort(want.begin(), want.end(), by_end);
        ASSERT_EQ(a, want) << "round " << round << " offset " << offset;
      }
    }
  }
}

// ScanPadded reads up to kScanPadding bytes past the text: whatever they hold, it reports
// exactly what Scan does. The padding here completes keywords the text ends with the start of,
// and holds whole keywords, for every text length up to 300 (every tail length, steps 1 to 4).
TEST(LiteralMatcherTest, PaddedScanReportsNothingFromThePadding) {
  std::mt19937_64 rng(31);
  for (size_t shortest = 4; shortest <= 8; ++shortest) {
    const std::string alphabet = "abcd";
    auto random_string = [&](size_t len) {
      std::string s;
      for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
      return s;
    };
    std::vector<std::string> lits;
    std::vector<bool> every;
    std::set<std::string> unique;
    for (size_t len = shortest; len <= 24; ++len) {
      for (int copies = 0; copies < 3; ++copies) {
        std::string l = random_string(len);
        if (!unique.insert(l).second) continue;
        lits.push_back(l);
        every.push_back(rng() % 2 == 0);
      }
    }
    LiteralMatcher m;
    for (uint32_t id = 0; id < lits.size(); ++id) m.Add(lits[id], id, every[id]);
    m.Build();
    ASSERT_EQ(m.sample_step(), std::clamp<size_t>(shortest - 4, 1, 4));
    std::vector<uint32_t> seen;
    uint32_t epoch = 0;
    for (size_t len = 0; len <= 300; ++len) {
      std::string text = random_string(len);
      const std::string& cut = lits[rng() % lits.size()];  // ends the text, completed after it
      const size_t split = 1 + rng() % (cut.size() - 1);
      if (len >= split) text.replace(len - split, split, cut.substr(0, split));
      std::string buffer = text + cut.substr(split);
      while (buffer.size() < len + LiteralMatcher::kScanPadding)
        buffer += lits[rng() % lits.size()];
      Hits padded;
      m.ScanPadded(std::string_view(buffer.data(), len), &seen, &epoch,
                   [&](uint32_t id, uint32_t end) {
                     padded.push_back({id, end});
                     return true;
                   });
      ASSERT_EQ(padded, Scan(m, text, &seen, &epoch)) << "shortest " << shortest << " len " << len;
      Hits want = Naive(lits, every, text);
      auto by_end = [](auto x, auto y) {
        return x.second != y.second ? x.second < y.second : x.first < y.first;
      };
      std::sort(padded.begin(), padded.end(), by_end);
      std::sort(want.begin(), want.end(), by_end);
      ASSERT_EQ(padded, want) << "shortest " << shortest << " len " << len;
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
