// tests/unit/filter/normalizer_test.cc: the whole normalization pipeline (src/filter/
// normalizer.h): real-looking pages in GBK, Big5 and UTF-8, evasions, broken input, size.
#include "filter/normalizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "filter/normalize_utf8.h"

namespace netward::filter {
namespace {

class NormalizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto n = Normalizer::Create();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(n).value().release();
  }
  static void TearDownTestSuite() {
    delete normalizer_;
    normalizer_ = nullptr;
  }
  static std::string Norm(std::string_view raw, NormalizeOptions o = {}) {
    std::string out;
    normalizer_->Normalize(raw, o, &out);
    return out;
  }
  static std::string Html(std::string_view raw, std::string_view charset = {}) {
    NormalizeOptions o;
    o.is_html = true;
    o.declared_charset = charset;
    return Norm(raw, o);
  }
  static Normalizer* normalizer_;
};
Normalizer* NormalizerTest::normalizer_ = nullptr;

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    size_t len;
    char32_t cp = DecodeUtf8(p + i, s.size() - i, &len);
    if (cp == kReplacementChar && !(len == 3 && s.substr(i, 3) == "\uFFFD")) return false;
    i += len;
  }
  return true;
}

TEST_F(NormalizerTest, GbkPageWithMetaCharset) {
  // A made-up forum page, GB2312/GBK-encoded, charset only in <meta>, keyword split by a tag,
  // an entity and a full-width space.
  const std::string page =
      "<!DOCTYPE html>\r\n<html><head>\r\n"
      "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">\r\n"
      "<title>\xC9\xE7\xC7\xF8\xC2\xDB\xCC\xB3</title>\r\n"  // 社区论坛
      "<script>var ad = '\xB6\xC4\xB2\xA9';</script>\r\n"
      "<style>body { font-family: \"\xCB\xCE\xCC\xE5\"; }</style>\r\n"  // 宋体
      "</head><body>\r\n"
      "<div class=\"post\"><p>\xD4\xDA\xCF\xDF<b>\xB6\xC4</b>&#21338;\xA1\xA1"  // 在线<b>赌</b>&#21338;　
      "\xCD\xF8\xD5\xBE\xA3\xA1</p></div>\r\n"                                  // 网站！
      "<!-- \xB7\xA8\xC2\xD6 -->\r\n"
      "</body></html>\r\n";
  EXPECT_EQ(Html(page), "社区论坛在线赌博网站");
  // The same page with the charset in the Content-Type header.
  EXPECT_EQ(Html(page, "text/html; charset=GB2312"), "社区论坛在线赌博网站");
}

TEST_F(NormalizerTest, Big5TextToSimplified) {
  // 賭博網站 in Big5 -> 赌博网站.
  NormalizeOptions o;
  o.declared_charset = "big5";
  EXPECT_EQ(Norm("\xBD\xE4\xB3\xD5\xBA\xF4\xAF\xB8", o), "赌博网站");
  // Traditional UTF-8 text gets the same.
  EXPECT_EQ(Norm("賭博網站"), "赌博网站");
  EXPECT_EQ(Norm("臺灣 法輪功"), "台湾法轮功");
}

TEST_F(NormalizerTest, MixedSeparatorsAndWidth) {
  EXPECT_EQ(Norm("赌 . 博"), "赌博");
  EXPECT_EQ(Norm("赌\u200b博"), "赌博");
  EXPECT_EQ(Norm("赌\u00ad博\ufeff"), "赌博");
  EXPECT_EQ(Norm("ｆａｌｕｎ"), "falun");
  EXPECT_EQ(Norm("F-a_L.u n"), "falun");
  EXPECT_EQ(Norm("赌、博。★"), "赌博");
  NormalizeOptions keep;
  keep.remove_separators = false;
  EXPECT_EQ(Norm("ＦａＬＵＮ 赌 . 博", keep), "falun 赌 . 博");
}

TEST_F(NormalizerTest, UrlAndMime) {
  NormalizeOptions url;
  url.is_url = true;
  EXPECT_EQ(Norm("/s?wd=%E8%B3%AD%E5%8D%9A+Online", url), "swd赌博online");
  EXPECT_EQ(Norm("/s?wd=%B6%C4%B2%A9%CD%F8%D5%BE%B5%C4%C4%DA%C8%DD", url), "swd赌博网站的内容");
  NormalizeOptions b64;
  b64.mime_transfer_encoding = "base64";
  b64.declared_charset = "gb2312";
  EXPECT_EQ(Norm("tsSyqQ==", b64), "赌博");  // base64 of GBK 赌博
  NormalizeOptions qp;
  qp.mime_transfer_encoding = "quoted-printable";
  qp.declared_charset = "text/plain; charset=utf-8";
  qp.is_html = true;
  EXPECT_EQ(Norm("<p>=E8=B5=8C=\r\n=E5=8D=9A</p>", qp), "赌博");
}

TEST_F(NormalizerTest, BrokenInputStillValidUtf8) {
  EXPECT_EQ(Norm(""), "");
  EXPECT_EQ(Html(""), "");
  const std::vector<std::string> inputs = {
      "\xFF\xFE\xFD",
      "ok \xE8\xB5",                   // UTF-8 cut off at the end
      "\xB6\xC4\xB2",                  // GBK cut off at the end
      "<p>\xB6\xC4\xB2\xA9 \xFF</p>",  // GBK with a bad byte
      "&#xD800;&#0;&#1114112;",        // bad numeric references
      std::string("a\0b\0c", 5),
      "\xEF\xBB\xBF\xEF\xBB",  // BOM, then a cut-off character
      "\xFF\xFE"
      "a",  // UTF-16LE BOM and an odd byte
  };
  for (const std::string& in : inputs) {
    for (bool html : {false, true}) {
      NormalizeOptions o;
      o.is_html = html;
      const std::string out = Norm(in, o);
      EXPECT_TRUE(ValidUtf8(out)) << "input " << ::testing::PrintToString(in);
    }
  }
  EXPECT_EQ(Norm("好 ok \xE8\xB5"), "好ok\uFFFD");
  NormalizeOptions gbk;
  gbk.declared_charset = "gbk";
  EXPECT_EQ(Norm("\xB6\xC4\xB2", gbk), "赌\uFFFD");
}

TEST_F(NormalizerTest, KeywordStaysSubstring) {
  const std::vector<std::string> keywords = {"赌博",       "Falun Gong", "法輪功",  "六四 事件",
                                             "ＶＰＮ翻墙", "Ελλάδα",     "臺灣獨立"};
  const std::vector<std::string> contexts = {"今天我们讨论{}的问题。",
                                             "<p>see: {}!</p>",
                                             "前文{}後文",
                                             "x{}y",
                                             "繁體中文的文章裡面提到{}了",
                                             "{}",
                                             "ＡＢＣ　{}　ｄｅｆ"};
  for (const std::string& kw : keywords) {
    const std::string nk = Norm(kw);
    ASSERT_FALSE(nk.empty());
    for (const std::string& ctx : contexts) {
      std::string text = ctx;
      text.replace(text.find("{}"), 2, kw);
      NormalizeOptions o;
      o.is_html = ctx.find('<') != std::string::npos;
      EXPECT_NE(Norm(text, o).find(nk), std::string::npos)
          << "keyword " << kw << " -> " << nk << " not in " << Norm(text, o);
    }
  }
}

TEST_F(NormalizerTest, HugeInputIsLinear) {
  // 8 MB of mixed Chinese/English HTML, and 8 MB of traditional text (the OpenCC path).
  std::string html;
  while (html.size() < (8u << 20))
    html +=
        "<div class=\"row\"><a href=\"/t/123\">Thread title</a> 网站的内容和管理方法 "
        "&amp; more&nbsp;text</div>\n";
  std::string trad;
  while (trad.size() < (8u << 20)) trad += "中國的互聯網發展很快，我們今天討論一下網站的內容。";
  NormalizeOptions o;
  o.is_html = true;
  std::string out;
  auto t0 = std::chrono::steady_clock::now();
  normalizer_->Normalize(html, o, &out);
  const double html_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_FALSE(out.empty());
  t0 = std::chrono::steady_clock::now();
  normalizer_->Normalize(trad, {}, &out);
  const double trad_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(out.substr(0, 12), "中国的互");
  // Bounds ~50x today's times (a loaded 2-core CI machine must never trip them); quadratic
  // behaviour on 8 MB would take hours.
  EXPECT_LT(html_s, 10.0);
  EXPECT_LT(trad_s, 20.0);
  RecordProperty("html_8mb_ms", static_cast<int>(html_s * 1000));
  RecordProperty("traditional_8mb_ms", static_cast<int>(trad_s * 1000));
  // 8 MB of GBK with no declared charset: detection and iconv.
  std::string gbk;
  while (gbk.size() < (8u << 20))
    gbk += "\xD6\xD0\xB9\xFA\xB5\xC4\xBB\xA5\xC1\xAA\xCD\xF8 abc \xB6\xC4\xB2\xA9 ";
  t0 = std::chrono::steady_clock::now();
  normalizer_->Normalize(gbk, {}, &out);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
  EXPECT_EQ(out.substr(0, 27), "中国的互联网abc赌博");
  // A pathological shape: many unclosed '<' and '&'.
  std::string weird(8u << 20, '<');
  for (size_t i = 1; i < weird.size(); i += 2) weird[i] = '&';
  t0 = std::chrono::steady_clock::now();
  normalizer_->Normalize(weird, o, &out);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
}

TEST_F(NormalizerTest, ThreadsShareOneNormalizer) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      NormalizeOptions gbk;
      gbk.declared_charset = "gbk";
      gbk.is_html = true;
      std::string out;
      for (int i = 0; i < 200; ++i) {
        normalizer_->Normalize("<b>\xB6\xC4</b>\xB2\xA9", gbk, &out);
        if (out != "赌博") return;
        normalizer_->Normalize("賭博 ｆａｌｕｎ", {}, &out);
        if (out != "赌博falun") return;
      }
      ok[t] = 1;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, std::vector<int>(4, 1));
}

}  // namespace
}  // namespace netward::filter
