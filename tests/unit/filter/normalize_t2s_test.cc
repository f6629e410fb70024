// tests/unit/filter/normalize_t2s_test.cc: the OpenCC t2s wrapper (src/filter/normalize_t2s.h),
// above all that its may-change set is complete: text without those code points is exactly what
// OpenCC returns, so skipping OpenCC for it changes nothing.
#include "filter/normalize_t2s.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "filter/normalize_utf8.h"

namespace netward::filter {
namespace {

constexpr const char* kConfig = "/usr/share/opencc/t2s.json";

TEST(NormalizeT2s, MissingConfigIsInvalidArgument) {
  auto c = T2sConverter::Create("/nonexistent/t2s.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("/nonexistent/t2s.json"), std::string::npos);
}

TEST(NormalizeT2s, ConvertsTraditional) {
  auto c = T2sConverter::Create(kConfig);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::string s = "賭博網站，中國的互聯網發展。乾隆皇帝";
  (*c)->Convert(&s);
  EXPECT_EQ(s, "赌博网站，中国的互联网发展。乾隆皇帝");  // 乾隆 is a phrase: 乾 stays
  const MayChangeBits bits = (*c)->may_change();
  EXPECT_TRUE(bits.Test(U'賭'));
  EXPECT_TRUE(bits.Test(U'國'));
  EXPECT_FALSE(bits.Test(U'赌'));
  EXPECT_FALSE(bits.Test(U'中'));
  EXPECT_FALSE(bits.Test(U'a'));
  EXPECT_GT((*c)->may_change_count(), 2000u);
  EXPECT_LT((*c)->may_change_count(), 10000u);
}

TEST(NormalizeT2s, TextWithoutMayChangeCodePointsIsLeftAlone) {
  auto c = T2sConverter::Create(kConfig);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const MayChangeBits bits = (*c)->may_change();
  // Every CJK code point outside the set, one per line and all run together (so that phrases
  // could match across neighbours): OpenCC must return the same text.
  std::string lines, joined;
  size_t count = 0;
  for (char32_t cp = 0x3400; cp < 0x30000; ++cp) {
    if ((cp >= 0xA000 && cp < 0xF900) || (cp >= 0xFB00 && cp < 0x20000)) continue;
    if (bits.Test(cp)) continue;
    AppendUtf8(cp, &lines);
    lines.push_back('\n');
    AppendUtf8(cp, &joined);
    ++count;
  }
  ASSERT_GT(count, 50000u);
  std::string converted = lines;
  (*c)->ConvertWithOpenCC(&converted);
  EXPECT_TRUE(converted == lines) << "a code point outside the set was changed";
  converted = joined;
  (*c)->ConvertWithOpenCC(&converted);
  EXPECT_TRUE(converted == joined);
}

TEST(NormalizeT2s, OwnTablesGiveOpenCCsResult) {
  auto c = T2sConverter::Create(kConfig);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE((*c)->uses_own_tables());
  const MayChangeBits bits = (*c)->may_change();
  // Random text over the may-change code points and common characters, so that phrases of
  // both dictionaries occur, next to each other and overlapping.
  std::vector<char32_t> pool;
  for (char32_t cp = 0x3400; cp < 0x30000; ++cp)
    if (bits.Test(cp)) pool.push_back(cp);
  const std::u32string common =
      U"的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
      U"对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头"
      U"面公同三已老从动两长知民样现";
  pool.insert(pool.end(), common.begin(), common.end());
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string text;
    const int len = 1 + static_cast<int>(rng() % 400);
    for (int k = 0; k < len; ++k) AppendUtf8(pool[rng() % pool.size()], &text);
    std::string mine = text, theirs = text;
    (*c)->Convert(&mine);
    (*c)->ConvertWithOpenCC(&theirs);
    ASSERT_EQ(mine, theirs) << "round " << round << " input " << text;
  }
  for (std::string text : {"乾隆皇帝乾燥", "中國的互聯網發展很快，我們今天討論一下網站的內容。",
                           "臺灣獨立，法輪功，六四事件", "abc 123 ｆｕｌｌ", ""}) {
    std::string theirs = text;
    (*c)->Convert(&text);
    (*c)->ConvertWithOpenCC(&theirs);
    EXPECT_EQ(text, theirs);
  }
}

}  // namespace
}  // namespace netward::filter
