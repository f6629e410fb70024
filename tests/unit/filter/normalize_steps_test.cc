// tests/unit/filter/normalize_steps_test.cc: each normalizer step on its own (src/filter/
// normalize_*.h, charset.h), with real-world-looking (made-up) input.
#include <gtest/gtest.h>

#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "filter/charset.h"
#include "filter/normalize_fold.h"
#include "filter/normalize_html.h"
#include "filter/normalize_mime.h"
#include "filter/normalize_percent.h"
#include "filter/normalize_separators.h"
#include "filter/normalize_utf8.h"

namespace netward::filter {
namespace {

std::string Base64(std::string_view in) {
  std::string out;
  DecodeBase64(in, &out);
  return out;
}
std::string Qp(std::string_view in) {
  std::string out;
  DecodeQuotedPrintable(in, &out);
  return out;
}
std::string Percent(std::string_view in, bool plus = true) {
  std::string out;
  PercentDecode(in, plus, &out);
  return out;
}
std::string Html(std::string_view in) {
  std::string out;
  StripHtml(in, &out);
  return out;
}
std::string Fold(std::string_view in, bool remove_separators = true) {
  std::string out;
  FoldText(in, remove_separators, MayChangeBits{}, &out);
  return out;
}
std::string Decode(std::string_view bytes, std::string_view charset) {
  std::string out;
  EXPECT_TRUE(DecodeToUtf8(bytes, charset, &out));
  return out;
}

// --- MIME -----------------------------------------------------------------------------------

TEST(NormalizeMime, TransferEncodingNames) {
  EXPECT_EQ(ParseTransferEncoding("base64"), TransferEncoding::kBase64);
  EXPECT_EQ(ParseTransferEncoding(" Base64 "), TransferEncoding::kBase64);
  EXPECT_EQ(ParseTransferEncoding("Quoted-Printable"), TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(ParseTransferEncoding("8bit"), TransferEncoding::kNone);
  EXPECT_EQ(ParseTransferEncoding(""), TransferEncoding::kNone);
}

TEST(NormalizeMime, Base64WithLineBreaksAndPadding) {
  // "Meet me at the casino tonight." wrapped at 20 columns, as mail bodies are.
  EXPECT_EQ(Base64("TWVldCBtZSBhdCB0aGUg\r\nY2FzaW5vIHRvbmlnaHQu\r\n"),
            "Meet me at the casino tonight.");
  EXPECT_EQ(Base64("5Lit5paH"), "中文");
  EXPECT_EQ(Base64("YQ=="), "a");
  EXPECT_EQ(Base64("YWI="), "ab");
  EXPECT_EQ(Base64("YWI"), "ab");  // padding missing
  EXPECT_EQ(Base64("Y"), "");      // a lone sextet is not a byte
  EXPECT_EQ(Base64("Y W\x01J*j"), "abc");
  EXPECT_EQ(Base64("YQ==YWJj"), "a");  // stops at '='
  EXPECT_EQ(Base64(""), "");
}

TEST(NormalizeMime, QuotedPrintable) {
  EXPECT_EQ(Qp("caf=C3=A9 ouvert =E8=B5=8C=E5=8D=9A"), "café ouvert 赌博");
  EXPECT_EQ(Qp("a long line that is wr=\r\napped here and=\nhere"),
            "a long line that is wrapped here andhere");
  EXPECT_EQ(Qp("soft break with blanks=  \r\nok"), "soft break with blanksok");
  EXPECT_EQ(Qp("2+2=4 and =ZZ"), "2+2=4 and =ZZ");
  EXPECT_EQ(Qp("lower =e8=b5=8c"), "lower 赌");
  EXPECT_EQ(Qp("ends with ="), "ends with ");
  EXPECT_EQ(Qp("=4"), "=4");
}

// --- percent ---------------------------------------------------------------------------------

TEST(NormalizePercent, Decodes) {
  EXPECT_EQ(Percent("/search?q=%E8%B5%8C%E5%8D%9A+online"), "/search?q=赌博 online");
  EXPECT_EQ(Percent("a+b", /*plus=*/false), "a+b");
  EXPECT_EQ(Percent("%b6%c4%B2%A9"), "\xB6\xC4\xB2\xA9");  // GBK bytes, left to step 3
  EXPECT_EQ(Percent("100% sure %zz %4"), "100% sure %zz %4");
  EXPECT_EQ(Percent("%2541"), "%41");  // one pass only
  EXPECT_EQ(Percent("%00x"), std::string("\0x", 2));
}

TEST(NormalizePercent, PercentU) {
  EXPECT_EQ(Percent("%u8D4C%u535A"), "赌博");
  EXPECT_EQ(Percent("%uD83D%uDE00"), "\U0001F600");
  EXPECT_EQ(Percent("%uD83Dx"), "\uFFFDx");  // lone high surrogate
  EXPECT_EQ(Percent("%uDE00"), "\uFFFD");
  EXPECT_EQ(Percent("%u12"), "%u12");
}

// --- UTF-8 -----------------------------------------------------------------------------------

TEST(NormalizeUtf8, Validity) {
  EXPECT_TRUE(IsUtf8AllowingTruncatedTail(""));
  EXPECT_TRUE(IsUtf8AllowingTruncatedTail("plain ascii text, long enough for the block path"));
  EXPECT_TRUE(IsUtf8AllowingTruncatedTail("中文 and \U0001F600 \uFFFD"));
  EXPECT_TRUE(IsUtf8AllowingTruncatedTail("中 cut off: \xE8\xB5"));  // truncated tail
  EXPECT_TRUE(IsUtf8AllowingTruncatedTail("é cut off: \xF0\x9F\x98"));
  EXPECT_FALSE(IsUtf8AllowingTruncatedTail("cut off: \xE8\xB5"));  // no UTF-8 before: Latin-1?
  EXPECT_FALSE(IsUtf8AllowingTruncatedTail("caf\xE9"));
  EXPECT_FALSE(IsUtf8AllowingTruncatedTail("\xE8\xB5 in the middle"));
  EXPECT_FALSE(IsUtf8AllowingTruncatedTail("\xB6\xC4\xB2\xA9"));  // GBK
  EXPECT_FALSE(IsUtf8AllowingTruncatedTail("overlong \xC0\xAF"));
  EXPECT_FALSE(IsUtf8AllowingTruncatedTail("surrogate \xED\xA0\x80"));
  EXPECT_FALSE(IsUtf8AllowingTruncatedTail("too big \xF4\x90\x80\x80"));
  EXPECT_FALSE(IsUtf8AllowingTruncatedTail("\xFF"));
  EXPECT_TRUE(IsUtf8AllowingTruncatedTail("ü tail \xC3"));  // cut off after its lead byte
}

// --- charset ---------------------------------------------------------------------------------

TEST(Charset, CanonicalNames) {
  EXPECT_EQ(CanonicalCharset("gb2312"), "GB18030");
  EXPECT_EQ(CanonicalCharset("GBK"), "GB18030");
  EXPECT_EQ(CanonicalCharset("\"x-gbk\""), "GB18030");
  EXPECT_EQ(CanonicalCharset("Big5"), "BIG5-HKSCS");
  EXPECT_EQ(CanonicalCharset("UTF8"), "UTF-8");
  EXPECT_EQ(CanonicalCharset("ISO-8859-1"), "WINDOWS-1252");
  EXPECT_EQ(CanonicalCharset("shift_jis"), "SHIFT_JIS");
  EXPECT_EQ(CanonicalCharset(""), "");
  EXPECT_EQ(CanonicalCharset("utf-8; rm -rf"), "");
}

TEST(Charset, FromContentTypeAndMeta) {
  EXPECT_EQ(CharsetFromContentType("text/html; charset=GBK"), "GBK");
  EXPECT_EQ(CharsetFromContentType("text/html;Charset = \"big5\" ; x=y"), "big5");
  EXPECT_EQ(CharsetFromContentType("text/plain"), "");
  EXPECT_EQ(CharsetFromContentType("gb2312"), "gb2312");
  EXPECT_EQ(FindMetaCharset("<html><head><META CHARSET='gbk'><title>x</title>"), "gbk");
  EXPECT_EQ(FindMetaCharset("<meta http-equiv=\"Content-Type\" content=\"text/html; "
                            "charset=gb2312\" />"),
            "gb2312");
  EXPECT_EQ(FindMetaCharset("<meta name=\"keywords\" content=\"a\"><p>charset=gbk</p>"), "");
  EXPECT_EQ(FindMetaCharset(std::string(5000, ' ') + "<meta charset=gbk>"), "");
}

TEST(Charset, Bom) {
  size_t len = 0;
  EXPECT_EQ(SniffBom("\xEF\xBB\xBFhi", &len), "UTF-8");
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(SniffBom("\xFF\xFEh\0", &len), "UTF-16LE");
  EXPECT_EQ(SniffBom("hi", &len), "");
  EXPECT_EQ(len, 0u);
}

TEST(Charset, DecodesGbkBig5AndLatin1) {
  EXPECT_EQ(Decode("\xB6\xC4\xB2\xA9\xCD\xF8\xD5\xBE", "GB18030"), "赌博网站");
  EXPECT_EQ(Decode("\xBD\xE4\xB3\xD5\xBA\xF4\xAF\xB8", "BIG5-HKSCS"), "賭博網站");
  EXPECT_EQ(Decode("\xBB\x4F\xC6\x57", "BIG5-HKSCS"), "臺灣");
  EXPECT_EQ(Decode("caf\xE9 \x80", "WINDOWS-1252"), "café €");
  std::string out;
  EXPECT_FALSE(DecodeToUtf8("abc", "NO-SUCH-CHARSET", &out));
  EXPECT_EQ(out, "");
}

TEST(Charset, InvalidAndTruncatedBytesBecomeReplacement) {
  // 0xFF is never valid in GBK; 0x81 0x20 is a bad pair whose 0x20 survives as a space.
  EXPECT_EQ(Decode("\xB6\xC4\xFF\xB2\xA9", "GB18030"), "赌\uFFFD博");
  EXPECT_EQ(Decode("a\x81 b", "GB18030"), "a\uFFFD b");
  EXPECT_EQ(Decode("\xB6\xC4\xB2", "GB18030"), "赌\uFFFD");  // cut off
  EXPECT_EQ(Decode("\xBD\xE4\xB3", "BIG5-HKSCS"), "賭\uFFFD");
  EXPECT_EQ(Decode("", "GB18030"), "");
}

TEST(Charset, DecodeBodyChoosesCharset) {
  std::string scratch;
  const std::string gbk = "<p>\xB6\xC4\xB2\xA9</p>";
  EXPECT_EQ(DecodeBody(gbk, "text/html; charset=gb2312", true, &scratch), "<p>赌博</p>");
  const std::string meta = "<meta charset=\"gbk\"><p>\xB6\xC4\xB2\xA9</p>";
  EXPECT_EQ(DecodeBody(meta, "", true, &scratch), "<meta charset=\"gbk\"><p>赌博</p>");
  const std::string big5 = "<meta charset=\"big5\"><p>\xBD\xE4\xB3\xD5</p>";
  EXPECT_EQ(DecodeBody(big5, "", true, &scratch), "<meta charset=\"big5\"><p>賭博</p>");
  EXPECT_EQ(DecodeBody(big5, "", false, &scratch).find("賭博"), std::string_view::npos)
      << "meta is only looked at for HTML";
  // Declared wins over meta; an unknown declared charset falls back to meta.
  EXPECT_EQ(DecodeBody(meta, "utf-8", true, &scratch), meta);
  for (const char* label : {"UTF-8", "Utf8", "utf8", " utf-8", "\"utf-8\"", "unicode-1-1-utf-8"})
    EXPECT_EQ(DecodeBody(meta, label, true, &scratch).data(), meta.data()) << label;
  for (const char* label : {"utf-16", "utf-7", "utf", "utf-88"})
    EXPECT_NE(DecodeBody(meta, label, true, &scratch), meta) << label << " is not UTF-8";
  EXPECT_EQ(DecodeBody(meta, "x-no-such", true, &scratch), "<meta charset=\"gbk\"><p>赌博</p>");
  // UTF-8 is taken as it is, without a copy.
  const std::string utf8 = "plain 中文";
  EXPECT_EQ(DecodeBody(utf8, "", false, &scratch).data(), utf8.data());
  // A BOM wins and is removed.
  EXPECT_EQ(DecodeBody("\xEF\xBB\xBF"
                       "abc",
                       "gbk", false, &scratch),
            "abc");
}

TEST(Charset, ShortUndeclaredTexts) {
  std::string scratch;
  // uchardet alone reads these four GBK bytes as ISO-8859-7.
  EXPECT_EQ(DecodeBody("\xB6\xC4\xB2\xA9", "", false, &scratch), "赌博");
  EXPECT_EQ(DecodeBody("\xB7\xA8\xC2\xD6\xB9\xA6 abc", "", false, &scratch), "法轮功 abc");
  // Latin-1 that is not valid GB18030 keeps uchardet's single-byte guess.
  EXPECT_EQ(DecodeBody("caf\xE9 au lait", "", false, &scratch).substr(0, 3), "caf");
  EXPECT_EQ(DecodeBody("caf\xE9 au lait", "", false, &scratch).find("\uFFFD"),
            std::string_view::npos);
}

TEST(Charset, DetectsUndeclaredGbkAndBig5) {
  const std::string gbk =
      "\xD6\xD0\xB9\xFA\xB5\xC4\xBB\xA5\xC1\xAA\xCD\xF8\xB7\xA2\xD5\xB9\xBA\xDC\xBF\xEC\xA3\xAC"
      "\xCE\xD2\xC3\xC7\xBD\xF1\xCC\xEC\xCC\xD6\xC2\xDB\xD2\xBB\xCF\xC2\xCD\xF8\xD5\xBE\xB5\xC4"
      "\xC4\xDA\xC8\xDD\xBA\xCD\xB9\xDC\xC0\xED\xB7\xBD\xB7\xA8\xA1\xA3";
  std::string scratch;
  const std::string_view text = DecodeBody(gbk, "", false, &scratch);
  EXPECT_EQ(text, "中国的互联网发展很快，我们今天讨论一下网站的内容和管理方法。");
  const std::string big5 =
      "\xA4\xA4\xB0\xEA\xAA\xBA\xA4\xAC\xC1\x70\xBA\xF4\xB5\x6F\xAE\x69\xAB\xDC\xA7\xD6\xA1\x41"
      "\xA7\xDA\xAD\xCC\xA4\xB5\xA4\xD1\xB0\x51\xBD\xD7\xA4\x40\xA4\x55\xBA\xF4\xAF\xB8\xAA\xBA"
      "\xA4\xBA\xAE\x65\xA9\x4D\xBA\xDE\xB2\x7A\xA4\xE8\xAA\x6B\xA1\x43";
  EXPECT_EQ(DecodeBody(big5, "", false, &scratch),
            "中國的互聯網發展很快，我們今天討論一下網站的內容和管理方法。");
}

// --- HTML ------------------------------------------------------------------------------------

TEST(NormalizeHtml, Entities) {
  char32_t cp = 0;
  EXPECT_EQ(DecodeHtmlEntity("&#21338;x", &cp), 8u);
  EXPECT_EQ(cp, U'博');
  EXPECT_EQ(DecodeHtmlEntity("&#x535a;", &cp), 8u);
  EXPECT_EQ(cp, U'博');
  EXPECT_EQ(DecodeHtmlEntity("&#X535A", &cp), 7u);  // ';' optional
  EXPECT_EQ(DecodeHtmlEntity("&amp;", &cp), 5u);
  EXPECT_EQ(cp, U'&');
  EXPECT_EQ(DecodeHtmlEntity("&nbsp ", &cp), 5u);
  EXPECT_EQ(cp, 0xA0u);
  EXPECT_EQ(DecodeHtmlEntity("&Eacute;", &cp), 8u);
  EXPECT_EQ(cp, 0xC9u);
  EXPECT_EQ(DecodeHtmlEntity("&eacute;", &cp), 8u);
  EXPECT_EQ(cp, 0xE9u);
  EXPECT_EQ(DecodeHtmlEntity("&#150;", &cp), 6u);
  EXPECT_EQ(cp, 0x2013u);
  EXPECT_EQ(DecodeHtmlEntity("&#0;", &cp), 4u);
  EXPECT_EQ(cp, 0xFFFDu);
  EXPECT_EQ(DecodeHtmlEntity("&#xD800;", &cp), 8u);
  EXPECT_EQ(cp, 0xFFFDu);
  EXPECT_EQ(DecodeHtmlEntity("&#99999999999999999999;", &cp), 23u);
  EXPECT_EQ(cp, 0xFFFDu);
  EXPECT_EQ(DecodeHtmlEntity("&nosuch;", &cp), 0u);
  EXPECT_EQ(DecodeHtmlEntity("&eacute", &cp), 0u);  // needs ';'
  EXPECT_EQ(DecodeHtmlEntity("&#;", &cp), 0u);
  EXPECT_EQ(DecodeHtmlEntity("&", &cp), 0u);
}

// Inline tags leave no space (the documented list, any case); other tags, including names that
// share a prefix with an inline one, leave one.
TEST(NormalizeHtml, InlineTagsLeaveNoSpace) {
  for (const char* tag : {"a",    "b",     "i",   "u",   "s",   "em",     "strong", "span",
                          "font", "small", "big", "sub", "sup", "mark",   "abbr",   "code",
                          "q",    "del",   "ins", "wbr", "tt",  "STRONG", "Span",   "TT"}) {
    const std::string t(tag);
    EXPECT_EQ(Html("x<" + t + ">y</" + t + ">z"), "xyz") << tag;
  }
  for (const char* tag : {"p", "div", "br", "li", "td", "ab", "bb", "spans", "strongs", "st", "e",
                          "table", "section", "blockquote", "em1"}) {
    const std::string t(tag);
    EXPECT_EQ(Html("x<" + t + ">y"), "x y") << tag;
  }
}

TEST(NormalizeHtml, StripsTagsCommentsScripts) {
  EXPECT_EQ(Html("<b>赌</b>博"), "赌博");
  EXPECT_EQ(Html("赌&#21338;"), "赌博");
  EXPECT_EQ(Html("<p>one</p><p>two</p>"), " one  two ");
  EXPECT_EQ(Html("a<!-- hidden 赌博 -->b"), "ab");
  EXPECT_EQ(Html("<!DOCTYPE html><html lang=\"zh\">x</html>"), " x ");
  EXPECT_EQ(Html("<script type=\"text/javascript\">var s = '<b>赌博</b>';</script>ok"), " ok");
  EXPECT_EQ(Html("<STYLE>.x{color:red}</Style >ok"), " ok");
  EXPECT_EQ(Html("<a href=\"/x?a=1&b=2\" title='a > b'>link</a>"), "link");
  EXPECT_EQ(Html("1 < 2 && 3 > 2"), "1 < 2 && 3 > 2");
  EXPECT_EQ(Html("x &lt;b&gt; y"), "x <b> y");  // decoded, not a tag
  EXPECT_EQ(Html("text then <div class=\"cut"), "text then  ");
  EXPECT_EQ(Html("text then <!-- cut"), "text then ");
  EXPECT_EQ(Html("<script>never closed 赌博"), " ");
  EXPECT_EQ(Html(""), "");
}

// --- width, case, separators -----------------------------------------------------------------

TEST(NormalizeFold, Width) {
  EXPECT_EQ(FoldWidth(U'ｆ'), U'f');
  EXPECT_EQ(FoldWidth(U'Ａ'), U'A');
  EXPECT_EQ(FoldWidth(U'！'), U'!');
  EXPECT_EQ(FoldWidth(U'～'), U'~');
  EXPECT_EQ(FoldWidth(0x3000), U' ');
  EXPECT_EQ(FoldWidth(U'￥'), U'¥');
  EXPECT_EQ(FoldWidth(U'赌'), U'赌');
  EXPECT_EQ(FoldWidth(U'ｱ'), U'ｱ');  // half-width katakana: not handled
}

TEST(NormalizeFold, Case) {
  EXPECT_EQ(FoldCase(U'F'), U'f');
  EXPECT_EQ(FoldCase(U'É'), U'é');
  EXPECT_EQ(FoldCase(U'×'), U'×');
  EXPECT_EQ(FoldCase(U'Ł'), U'ł');
  EXPECT_EQ(FoldCase(U'Ÿ'), U'ÿ');
  EXPECT_EQ(FoldCase(U'Σ'), U'σ');
  EXPECT_EQ(FoldCase(U'ς'), U'σ');
  EXPECT_EQ(FoldCase(U'Ά'), U'ά');
  EXPECT_EQ(FoldCase(U'Д'), U'д');
  EXPECT_EQ(FoldCase(U'Ё'), U'ё');
  EXPECT_EQ(FoldCase(U'Ệ'), U'ệ');
  EXPECT_EQ(FoldCase(0x212A), U'k');
  EXPECT_EQ(FoldCase(U'ẞ'), U'ß');
  EXPECT_EQ(FoldCase(U'赌'), U'赌');
}

TEST(NormalizeSeparators, Set) {
  for (char32_t cp : {U' ',
                      U'.',
                      U'-',
                      U'\t',
                      U'\0',
                      U'$',
                      U'~',
                      char32_t{0xA0},
                      char32_t{0xAD},
                      char32_t{0x200B},
                      char32_t{0x200C},
                      char32_t{0x200D},
                      char32_t{0x2060},
                      char32_t{0xFEFF},
                      U'。',
                      U'、',
                      U'「',
                      U'》',
                      U'・',
                      U'·',
                      U'…',
                      U'—',
                      U'★',
                      U'→',
                      U'\U0001F4B0',
                      U'︰',
                      U'﹐',
                      char32_t{0xFE0F},
                      char32_t{0xE0041}})
    EXPECT_TRUE(IsSeparator(cp)) << std::hex << static_cast<uint32_t>(cp);
  for (char32_t cp : {U'a', U'Z', U'0', U'赌', U'é', U'σ', U'д', U'々', U'〇', U'가', U'ア', U'ا',
                      U'¥', U'€', U'①', U'\uFFFD', U'\U00020000'})
    EXPECT_FALSE(IsSeparator(cp)) << std::hex << static_cast<uint32_t>(cp);
}

TEST(NormalizeFold, TextPass) {
  EXPECT_EQ(Fold("赌 . 博"), "赌博");
  EXPECT_EQ(Fold("赌\u200b博"), "赌博");
  EXPECT_EQ(Fold("ｆａｌｕｎ"), "falun");
  EXPECT_EQ(Fold("ＦＡＬＵＮ　ＧＯＮＧ"), "falungong");
  EXPECT_EQ(Fold("Hello, World!"), "helloworld");
  EXPECT_EQ(Fold("Hello, World!", false), "hello, world!");
  EXPECT_EQ(Fold("ＦＡＬＵＮ　ＧＯＮＧ", false), "falun gong");
  EXPECT_EQ(Fold("Ελληνικά Русский Tiếng Việt"), "ελληνικάрусскийtiếngviệt");
  EXPECT_EQ(Fold("bad \xFF byte"), "bad\uFFFDbyte");
  EXPECT_EQ(Fold("cut \xE8\xB5"), "cut\uFFFD");
  EXPECT_EQ(Fold(std::string("nul\0inside", 10), false), "nulinside");
  EXPECT_EQ(Fold(""), "");
  // Growth: every invalid byte becomes three.
  EXPECT_EQ(Fold(std::string(1000, '\xFF')).size(), 3000u);
}

TEST(NormalizeFold, ReportsMayChange) {
  std::vector<uint64_t> bits(kMayChangeLimit / 64, 0);
  bits[U'賭' >> 6] |= uint64_t{1} << (U'賭' & 63);
  std::string out;
  EXPECT_TRUE(FoldText("x 賭博", true, MayChangeBits{bits.data()}, &out));
  EXPECT_FALSE(FoldText("x 赌博", true, MayChangeBits{bits.data()}, &out));
  EXPECT_FALSE(FoldText("x 賭博", true, MayChangeBits{}, &out));
}

// The validator's shortcuts (8 ASCII bytes at a time, runs of 3-byte sequences) against a plain
// one-character walk, on random mixes of valid, invalid and cut-off sequences.
TEST(NormalizeUtf8, ValidatorMatchesAPlainWalkOnRandomInputs) {
  auto plain = [](std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    bool multibyte_seen = false;
    for (size_t i = 0; i < n;) {
      size_t len;
      if (p[i] < 0x80) {
        ++i;
        continue;
      }
      if (DecodeUtf8(p + i, n - i, &len) == kReplacementChar) {
        const bool real = len == 3 && p[i] == 0xEF && p[i + 1] == 0xBF && p[i + 2] == 0xBD;
        if (!real && i + len < n) return false;
        if (!real) {
          const unsigned c = p[i];
          const size_t want = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
          return want > n - i && multibyte_seen;
        }
      }
      multibyte_seen = true;
      i += len;
    }
    return true;
  };
  static const char* const kPieces[] = {"a",
                                        "0",
                                        " ",
                                        "\xe4\xb8\xad",
                                        "\xe9\xbe\x99",
                                        "\xe1\x80\x80",
                                        "\xec\xbf\xbf",
                                        "\xed\xa0\x80",
                                        "\xe0\x80\x80",
                                        "\xef\xbf\xbd",
                                        "\xc3\xa9",
                                        "\xf0\x9f\x98\x80",
                                        "\xe8\xb5",
                                        "\xe8",
                                        "\xff",
                                        "\x80",
                                        "\xc3",
                                        "\xf0\x9f\x98"};
  std::mt19937_64 rng(9);
  int valid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const size_t pieces = rng() % 40;
    for (size_t k = 0; k < pieces; ++k) {
      // Mostly valid CJK and ASCII, so that long valid runs and late errors both occur.
      const size_t r = rng() % 100;
      s += r < 45 ? kPieces[3 + rng() % 2] : r < 80 ? kPieces[rng() % 3] : kPieces[rng() % 18];
    }
    const bool want = plain(s);
    valid += want;
    ASSERT_EQ(IsUtf8AllowingTruncatedTail(s), want) << "round " << round;
  }
  EXPECT_GT(valid, 1000);  // both outcomes are exercised
  EXPECT_LT(valid, 19000);
}

// The ASCII fast paths (8 and 64 bytes at a time) give byte for byte what the one-character loop
// gives, on random mixes of ASCII runs of every length, CJK, full-width and Latin letters,
// invalid and cut-off sequences, NUL, with both separator settings. AVX-512 is compared only on
// CPUs that have it (reported).
TEST(NormalizeFold, FastPathsMatchTheCharacterLoopOnRandomInputs) {
  std::vector<uint64_t> bits(kMayChangeLimit / 64, 0);
  for (char32_t cp : {U'賭', U'國', U'Ａ', U'é'}) bits[cp >> 6] |= uint64_t{1} << (cp & 63);
  const MayChangeBits may_change{bits.data()};
  using internal::FoldPath;
  std::vector<FoldPath> paths = {FoldPath::kAuto, FoldPath::kSwar};
  if (internal::FoldPathAvailable(FoldPath::kAvx512)) {
    paths.push_back(FoldPath::kAvx512);
  } else {
    std::printf("note: this CPU lacks AVX-512 VBMI2; only the 8-byte path is compared\n");
  }
  static const char* const kPieces[] = {
      "\xe8\xb3\xad", "\xe5\x8d\x9a", "\xe5\x9c\x8b",  // 賭 博 國 (CJK)
      "\xe4\xb8\x80", "\xe9\xbf\xbf", "\xe3\x90\x80",  // U+4E00, U+9FFF, U+3400
      "\xef\xbc\xa1", "\xe3\x80\x80",                  // Ａ (full-width), ideographic space
      "\xc3\x89",     "\xce\xa3",     "\xe2\x84\xaa",  // É Σ Kelvin
      "\xe2\x80\x8b",                                  // zero-width space
      "\xff",         "\xe8\xb3",     "\xc3",         "\x80",  // invalid, cut off
  };
  std::mt19937_64 rng(5);
  std::string in, want, got;
  for (int round = 0; round < 3000; ++round) {
    in.clear();
    const size_t target = rng() % (round % 10 == 0 ? 3000 : 300);
    while (in.size() < target) {
      if (rng() % 3 == 0) {
        in += kPieces[rng() % std::size(kPieces)];
        continue;
      }
      // An ASCII run: letters of both cases, digits, spaces, punctuation, now and then NUL.
      const size_t run = rng() % (rng() % 4 == 0 ? 200 : 20);
      for (size_t k = 0; k < run; ++k) {
        const uint64_t r = rng() % 100;
        char c = r < 40   ? static_cast<char>('a' + rng() % 26)
                 : r < 60 ? static_cast<char>('A' + rng() % 26)
                 : r < 70 ? static_cast<char>('0' + rng() % 10)
                 : r < 99 ? static_cast<char>(0x01 + rng() % 0x7f)
                          : '\0';
        in.push_back(c);
      }
    }
    for (bool remove : {true, false}) {
      const bool want_hit =
          internal::FoldTextWith(FoldPath::kScalar, in, remove, may_change, &want);
      for (FoldPath path : paths) {
        got = "stale";
        const bool hit = internal::FoldTextWith(path, in, remove, may_change, &got);
        ASSERT_EQ(got, want) << "round " << round << " path " << static_cast<int>(path)
                             << " remove " << remove;
        ASSERT_EQ(hit, want_hit) << "round " << round;
      }
    }
  }
}

// Output longer than the input (invalid bytes become U+FFFD, three bytes) followed by long ASCII
// runs: the fast paths must grow the output before each block.
TEST(NormalizeFold, FastPathsGrowTheOutputBeforeABlock) {
  std::string in(500, '\xff');
  in += std::string(5000, 'A');
  in += std::string(300, '\xff');
  in += std::string(700, 'b');
  std::string want, got;
  using internal::FoldPath;
  internal::FoldTextWith(FoldPath::kScalar, in, true, MayChangeBits{}, &want);
  EXPECT_EQ(want.size(), 1500u + 5000u + 900u + 700u);
  for (FoldPath path : {FoldPath::kAuto, FoldPath::kSwar, FoldPath::kAvx512}) {
    internal::FoldTextWith(path, in, true, MayChangeBits{}, &got);
    EXPECT_EQ(got, want) << static_cast<int>(path);
  }
}

// The one-pass HTML normalization (StripHtmlAndFold) against StripHtml then the plain character
// loop of FoldText, on random mixes of markup, entities, CJK, full-width, invalid and cut-off
// UTF-8 (also split by tags) and ASCII runs, cut anywhere.
TEST(NormalizeFold, StripHtmlAndFoldMatchesTwoPasses) {
  std::vector<uint64_t> bits(kMayChangeLimit / 64, 0);
  for (char32_t cp : {U'賭', U'國', U'Ａ', U'é'}) bits[cp >> 6] |= uint64_t{1} << (cp & 63);
  const MayChangeBits may_change{bits.data()};
  if (!internal::FoldPathAvailable(internal::FoldPath::kAvx512)) {
    std::printf("note: this CPU lacks AVX-512 VBMI2; StripHtmlAndFold runs in two passes\n");
  }
  static const char* const kPieces[] = {
      "<p>",
      "</p>\n",
      "<b>",
      "</B>",
      "<span class=\"x\">",
      "<a href='a>b' title=\"<\">",
      "<br/>",
      "<script>var a = '<p>x</p>';</script>",
      "<STYLE>p{}</style >",
      "<!-- c -->",
      "<!doctype html>",
      "<?xml?>",
      "<",
      "< p>",
      "<3",
      "</",
      "<!--",
      "<scr",
      "<script>",
      "&amp;",
      "&#21338;",
      "&#x8CED;",
      "&lt",
      "&gt;",
      "&bogus;",
      "&",
      "&#",
      "&#x",
      "&#0;",
      "&#150;",
      "&nbsp",
      "&ETH;",
      "&zwj;",
      "&#xFF21;",
      "&#12288;",
      "\xe8\xb3\xad",
      "\xe5\x8d\x9a",
      "\xe5\x9c\x8b",  // 賭 博 國 (CJK)
      "\xe4\xb8\x80",
      "\xe9\xbf\xbf",
      "\xe3\x90\x80",  // U+4E00, U+9FFF, U+3400
      "\xef\xbc\xa1",
      "\xe3\x80\x80",  // Ａ (full-width), ideographic space
      "\xc3\x89",
      "\xce\xa3",
      "\xe2\x84\xaa",  // É Σ Kelvin
      "\xe2\x80\x8b",
      "\xef\xbf\xbd",
      "\xf0\x9f\x98\x80",  // ZWSP, U+FFFD, emoji
      "\xff",
      "\xe8\xb3",
      "\xc3",
      "\x80",  // invalid, cut off
      "\xe8<b>\xb3\xad",
      "\xe8</i>\xb3\xad",  // a character split by a tag
      // Tags the one pass leaves out inside a 64-byte block, and near misses it must not.
      "<div>",
      "</DIV>",
      "<h1>",
      "<my-tag>",
      "<a1b2c3d4e5f6>",
      "<table>",
      "<strong>",
      "<Script>",
      "</script>",
      "<style>",
      "<>",
      "</>",
      "<1>",
      "<-x>",
      "<p >",
      "<p\n>",
      "<<p>>",
      "<p>&amp;<p>",
      "<p>\xe8\xb3\xad<p>",
  };
  std::mt19937_64 rng(11);
  std::string in, stripped, want, got;
  for (int round = 0; round < 4000; ++round) {
    in.clear();
    const size_t target = rng() % (round % 10 == 0 ? 3000 : 300);
    const bool ascii_only = round % 3 == 0;  // most of the one-pass path, no fallback
    while (in.size() < target) {
      if (rng() % 3 == 0) {
        const char* piece = kPieces[rng() % std::size(kPieces)];
        if (ascii_only && static_cast<unsigned char>(piece[0]) >= 0x80) continue;
        in += piece;
        continue;
      }
      const size_t run = rng() % (rng() % 4 == 0 ? 200 : 20);
      for (size_t k = 0; k < run; ++k) {
        const uint64_t r = rng() % 100;
        char c = r < 40   ? static_cast<char>('a' + rng() % 26)
                 : r < 60 ? static_cast<char>('A' + rng() % 26)
                 : r < 70 ? static_cast<char>('0' + rng() % 10)
                 : r < 99 ? static_cast<char>(0x01 + rng() % 0x7f)
                          : '\0';
        in.push_back(c);
      }
    }
    // Every cut of the first 70 bytes, as the probe's body windows start anywhere.
    const std::string_view text = std::string_view(in).substr(rng() % 70 % (in.size() + 1));
    for (bool remove : {true, false}) {
      StripHtml(text, &stripped);
      const bool want_hit =
          internal::FoldTextWith(internal::FoldPath::kScalar, stripped, remove, may_change, &want);
      got = "stale";
      const bool hit = StripHtmlAndFold(text, remove, may_change, &got);
      ASSERT_EQ(got, want) << "round " << round << " remove " << remove << " in " << text;
      ASSERT_EQ(hit, want_hit) << "round " << round;
      got = "stale";
      EXPECT_EQ(internal::StripHtmlAndFoldWith(false, text, remove, may_change, &got), want_hit);
      ASSERT_EQ(got, want) << "round " << round;
    }
  }
}

TEST(NormalizeFold, StripHtmlAndFoldExamples) {
  std::string out;
  StripHtmlAndFold("<p>Ca<b>SI</b>no &amp; 赌&#21338; <script>x</script>ＡＢ</p>", true, {}, &out);
  EXPECT_EQ(out, "casino赌博ab");
  StripHtmlAndFold("<p>Ca<b>SI</b>no &amp; x</p>", false, {}, &out);
  EXPECT_EQ(out, " casino & x ");
  // A long ASCII text with a tag at every block boundary, and output growth after invalid bytes.
  std::string in;
  for (int k = 0; k < 200; ++k) in += std::string(61, 'A') + "<i>";
  in += std::string(100, '\xff') + std::string(3000, 'B');
  StripHtmlAndFold(in, true, {}, &out);
  std::string want(200 * 61, 'a');
  for (int k = 0; k < 100; ++k) want += "\xef\xbf\xbd";  // U+FFFD per invalid byte
  want += std::string(3000, 'b');
  EXPECT_EQ(out, want);
}

}  // namespace
}  // namespace netward::filter
