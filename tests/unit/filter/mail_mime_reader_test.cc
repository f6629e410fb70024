// Tests of filter/mail_mime_reader.h: MIME structure of mail bodies, parts decoded.
#include "filter/mail_mime_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace netward::filter {
namespace {

struct Collected : MailMimeReader::Sink {
  struct Part {
    std::string content_type;
    std::string text;
  };
  std::vector<Part> parts;
  void OnPartStart(const MailMimeReader::Part& part) override {
    parts.push_back({std::string(part.content_type), {}});
  }
  void OnPartBytes(std::string_view decoded) override {
    ASSERT_FALSE(parts.empty());
    parts.back().text.append(decoded);
  }
};

// Feeds a message as the SMTP analyzer does: header lines, then each body line and "\r\n".
void Feed(MailMimeReader& r, Collected& c, const std::string& message) {
  size_t pos = 0;
  bool body = false;
  while (pos < message.size()) {
    size_t end = message.find('\n', pos);
    if (end == std::string::npos) end = message.size();
    std::string line = message.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = end + 1;
    if (!body) {
      if (line.empty()) {
        body = true;
        continue;
      }
      r.HeaderLine(line, &c);
      continue;
    }
    r.BodyPiece(line, &c);
    r.BodyPiece("\r\n", &c);
  }
}

TEST(MailMimeReaderTest, PlainMessageIsPassedThrough) {
  MailMimeReader r;
  Collected c;
  Feed(r, c, "Subject: hi\nFrom: a@example.org\n\nline one\nline two\n");
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].content_type, "text/plain");
  EXPECT_EQ(c.parts[0].text, "line one\nline two\n");
}

TEST(MailMimeReaderTest, SinglePartBase64FromTheTopHeader) {
  MailMimeReader r;
  Collected c;
  // "欢迎来到赌博网站" in UTF-8, base64, broken over lines in the middle of a 4-character group.
  Feed(r, c,
       "Content-Type: text/plain;\n charset=\"utf-8\"\nContent-Transfer-Encoding: base64\n\n"
       "5qyi6L+O5p2l5Yiw6LWM5Y2a\n572R56uZ\n");
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].content_type, "text/plain; charset=\"utf-8\"");
  EXPECT_EQ(c.parts[0].text, "欢迎来到赌博网站");
}

TEST(MailMimeReaderTest, Base64GroupSplitAcrossLines) {
  MailMimeReader r;
  Collected c;
  // base64("hello world") = aGVsbG8gd29ybGQ= split as "aGVsb" / "G8gd29ybGQ="
  Feed(r, c, "Content-Transfer-Encoding: base64\n\naGVsb\nG8gd29ybGQ=\n");
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].text, "hello world");
}

TEST(MailMimeReaderTest, MultipartAlternativeNestedInMixedWithAnAttachment) {
  MailMimeReader r;
  Collected c;
  Feed(r, c,
       "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
       "This is the preamble, not shown to readers.\n"
       "--outer\n"
       "Content-Type: multipart/alternative; boundary=inner\n\n"
       "--inner\n"
       "Content-Type: text/plain; charset=utf-8\n"
       "Content-Transfer-Encoding: quoted-printable\n\n"
       "caf=C3=A9 and a very long line that is=\n"
       " softly broken\n"
       "--inner\n"
       "Content-Type: text/html; charset=gbk\n"
       "Content-Transfer-Encoding: base64\n\n"
       "PGI+tME8L2I+\n"  // "<b>" + GBK bytes b4 c1 + "</b>"
       "--inner--\n"
       "--outer\n"
       "Content-Type: image/png\n"
       "Content-Transfer-Encoding: base64\n\n"
       "iVBORw0KGgo=\n"
       "--outer--\n"
       "epilogue\n");
  ASSERT_EQ(c.parts.size(), 2u);
  EXPECT_EQ(c.parts[0].content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(c.parts[0].text, "café and a very long line that is softly broken\n");
  EXPECT_EQ(c.parts[1].content_type, "text/html; charset=gbk");
  EXPECT_EQ(c.parts[1].text, std::string("<b>\xb4\xc1</b>"));
}

TEST(MailMimeReaderTest, AttachedMessageIsReadToo) {
  MailMimeReader r;
  Collected c;
  Feed(r, c,
       "Content-Type: multipart/mixed; boundary=b1\n\n"
       "--b1\n"
       "Content-Type: message/rfc822\n\n"
       "Subject: inner\n"
       "Content-Transfer-Encoding: base64\n\n"
       "aW5uZXIgdGV4dA==\n"
       "--b1--\n");
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].text, "inner text");
}

TEST(MailMimeReaderTest, NextMessageStartsAfresh) {
  MailMimeReader r;
  Collected c;
  Feed(r, c, "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: image/gif\n\nGIF\n");
  EXPECT_TRUE(c.parts.empty());
  Feed(r, c, "Subject: second\n\nplain again\n");
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].text, "plain again\n");
}

TEST(MailMimeReaderTest, BrokenStructureIsReadAsText) {
  MailMimeReader r;
  Collected c;
  // multipart without a boundary, then nesting deeper than the limit: never a crash.
  Feed(r, c, "Content-Type: multipart/mixed\n\nsome text\n");
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].text, "some text\n");
  MailMimeReader deep;
  Collected d;
  std::string m = "Content-Type: multipart/mixed; boundary=b0\n\n";
  for (int i = 1; i < 20; ++i) {
    m += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=b" +
         std::to_string(i) + "\n\n";
  }
  m += "--b19\n\ntext\n";
  Feed(deep, d, m);
  SUCCEED();
}

}  // namespace
}  // namespace netward::filter
