#include "record/table_encoder.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace netward::record {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

TEST(TableEncoderTest, DisplayWidthCountsWideCharactersTwice) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("中文"), 4u);
  EXPECT_EQ(DisplayWidth("ｆｕｌｌ"), 8u);          // fullwidth Latin
  EXPECT_EQ(DisplayWidth("한국"), 4u);              // Hangul
  EXPECT_EQ(DisplayWidth("\xf0\x9f\x98\x80"), 2u);  // emoji
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1u);         // e + combining acute
  EXPECT_EQ(DisplayWidth("é…"), 2u);
}

TEST(TableEncoderTest, AlignsColumnsByDisplayWidth) {
  TableWriter t({"account", "bytes", "host"});
  t.AddRow({"张三", "12", "www.example.com"});
  t.AddRow({"bob", "123456", "中国.cn"});
  auto lines = Lines(t.Render());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "account   bytes  host");
  EXPECT_EQ(lines[1], "-------  ------  ---------------");
  EXPECT_EQ(lines[2], "张三         12  www.example.com");
  EXPECT_EQ(lines[3], "bob      123456  中国.cn");
  // Every line has the same display width up to its last column's start.
  for (const auto& l : lines) EXPECT_NE(l.back(), ' ');
}

TEST(TableEncoderTest, TruncatesWideCellsWithAnEllipsis) {
  TableWriter t({"a"}, 10);
  t.AddRow({"0123456789abc"});
  t.AddRow({"中文中文中文中文"});  // 16 columns
  t.AddRow({"0123456789"});        // exactly 10: kept
  auto lines = Lines(t.Render());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[2], "012345678…");
  EXPECT_EQ(lines[3], "中文中文…");  // 8 columns + ellipsis: a 9th column would split a character
  EXPECT_EQ(lines[4], "0123456789");
  EXPECT_EQ(DisplayWidth(lines[2]), 10u);
}

TEST(TableEncoderTest, NeverPrintsControlCharactersOrInvalidUtf8) {
  TableWriter t({"x\ty"});
  t.AddRow({"a\nb\x1b[2J\xff"});
  t.AddRow({});  // missing cells are empty
  std::string out = t.Render();
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "x\\ty");
  EXPECT_EQ(lines[2], "a\\nb\\x1b[2J\\xff");
  EXPECT_EQ(lines[3], "");
}

TEST(TableEncoderTest, RecordCellsFollowTheHeaders) {
  DnsRecord r;
  r.ts = 1700000000123456LL;
  r.src_ip = *IpAddress::Parse("10.0.0.1");
  r.query = "a\tb";
  r.answers = {"1.2.3.4", "5.6.7.8"};
  r.ttls = {60, 120};
  auto headers = TableHeaders(StreamId::kDns);
  auto cells = RecordCells(r, "S01");
  ASSERT_EQ(headers.size(), cells.size());
  EXPECT_EQ(headers.front(), "ts");
  EXPECT_EQ(headers.back(), "site");
  EXPECT_EQ(cells[0], "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(cells[1], "10.0.0.1");
  EXPECT_EQ(cells[7], "a\\tb");
  EXPECT_EQ(cells[10], "1.2.3.4, 5.6.7.8");
  EXPECT_EQ(cells[11], "60, 120");
  EXPECT_EQ(cells[12], "::");  // nat_ip (identity enrichment), unset
  EXPECT_EQ(cells.back(), "S01");
  DnsRecord empty;
  EXPECT_EQ(RecordCells(empty, "")[0], "");  // unknown time
  TableWriter t(headers);
  t.AddRow(cells);
  EXPECT_EQ(t.rows(), 1u);
  EXPECT_NE(t.Render().find("2023-11-14T22:13:20.123456Z"), std::string::npos);
}

TEST(TableEncoderTest, JsonLinesConvertByStream) {
  std::vector<std::string> cells;
  ASSERT_TRUE(
      JsonLineToCells(StreamId::kLogin, R"({"account":"张三","nas_port":7,"site":"S"})", &cells)
          .ok());
  ASSERT_EQ(cells.size(), TableHeaders(StreamId::kLogin).size());
  const std::vector<std::string> headers = TableHeaders(StreamId::kLogin);
  auto cell = [&](std::string_view name) {
    for (size_t i = 0; i < headers.size(); ++i)
      if (headers[i] == name) return cells[i];
    ADD_FAILURE() << "no column " << name;
    return std::string();
  };
  EXPECT_EQ(cell("account"), "张三");
  EXPECT_EQ(cell("nas_port"), "7");
  EXPECT_EQ(cells.back(), "S");
  EXPECT_FALSE(JsonLineToCells(StreamId::kLogin, "{", &cells).ok());
}

TEST(TableEncoderTest, WriteReportsFailure) {
  TableWriter t({"a"});
  t.AddRow({"1"});
  std::FILE* f = std::fopen("/dev/full", "w");
  if (!f) GTEST_SKIP() << "no /dev/full";
  Status s = t.Write(f);
  std::fclose(f);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace netward::record
