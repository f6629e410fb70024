#include "record/csv_encoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace netward::record {
namespace {

// A small RFC 4180 reader (quoted cells, doubled quotes, CR/LF inside quotes), to check that
// what the encoder writes parses back to the intended cells.
std::vector<std::vector<std::string>> ParseCsv(std::string_view text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        cell.push_back(c);
      }
    } else if (c == '"' && cell.empty() && !quoted) {
      in_quotes = quoted = true;
    } else if (c == ',' || c == '\n') {
      rows.back().push_back(cell);
      cell.clear();
      quoted = false;
      if (c == '\n') rows.emplace_back();
    } else {
      cell.push_back(c);
    }
  }
  rows.pop_back();  // after the last '\n'
  return rows;
}

TEST(CsvEncoderTest, HeaderIsTheFieldsInSchemaOrderThenSite) {
  EXPECT_EQ(CsvHeader(StreamId::kFtp),
            "ts,src_ip,src_port,dst_ip,dst_port,user,command,arg,reply_code,reply_msg,site\n");
  EXPECT_EQ(CsvHeader(StreamId::kMaintenance), "ts,component,action,actor,object,detail,site\n");
  std::string session = CsvHeader(StreamId::kSession);
  EXPECT_NE(session.find(",src_port,nat_ip,nat_port,dst_ip,"), std::string::npos) << session;
  EXPECT_NE(session.find(",mac,account,calling_id,app,"), std::string::npos) << session;
}

TEST(CsvEncoderTest, EncodesEveryKindOfValue) {
  DnsRecord r;
  r.ts = 1700000000123456LL;
  r.src_ip = *IpAddress::Parse("10.0.0.1");
  r.src_port = 65535;
  r.dst_ip = *IpAddress::Parse("2001:db8::53");
  r.query = "例子.测试";
  r.answers = {"1.2.3.4", "a.example"};
  r.ttls = {60, 4294967295u};
  std::string out;
  EncodeCsvLine(r, "S01", &out);
  EXPECT_EQ(out,
            "2023-11-14T22:13:20.123456Z,10.0.0.1,65535,2001:db8::53,0,,0,例子.测试,,,"
            "\"1.2.3.4;a.example\",\"60;4294967295\",::,0,,,,S01\n");
  // Time 0 is empty, as "" in JSON; an empty list is an empty cell.
  DnsRecord empty;
  out.clear();
  EncodeCsvLine(empty, "", &out);
  EXPECT_EQ(out, ",::,0,::,0,,0,,,,,,::,0,,,,\n");
}

TEST(CsvEncoderTest, QuotesAndEscapesStrings) {
  FtpRecord r;
  r.user = "a,b";
  r.command = "say \"hi\"";
  r.arg = "line1\r\nline2\tend";
  r.reply_msg = "bad\xff\x01\x1b[31m\x7f ok";
  std::string out;
  EncodeCsvLine(r, "x;y", &out);
  auto rows = ParseCsv(out);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), 11u);
  EXPECT_EQ(rows[0][5], "a,b");
  EXPECT_EQ(rows[0][6], "say \"hi\"");
  EXPECT_EQ(rows[0][7], "line1\r\nline2\tend");
  // No raw escape or control byte reaches the output; invalid UTF-8 as in the JSON encoder.
  EXPECT_EQ(rows[0][9], "bad\\xff\\x01\\x1b[31m\\x7f ok");
  EXPECT_EQ(rows[0][10], "x;y");
  EXPECT_NE(out.find("\"say \"\"hi\"\"\""), std::string::npos) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST(CsvEncoderTest, KeepsValidUtf8IncludingFourByteCharacters) {
  MailRecord r;
  r.subject = "\xf0\x9f\x98\x80 会议 \xe4\xb8";  // emoji, CJK, then a cut sequence
  std::string out;
  EncodeCsvLine(r, "", &out);
  auto rows = ParseCsv(out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][10], "\xf0\x9f\x98\x80 会议 \\xe4\\xb8");
}

TEST(CsvEncoderTest, JsonLinesConvertByStream) {
  std::string out;
  ASSERT_TRUE(JsonLineToCsv(StreamId::kMaintenance,
                            R"({"action":"purge","detail":"a,b","ts":"2026-11-22T10:04:05Z"})",
                            &out)
                  .ok());
  EXPECT_EQ(out, "2026-11-22T10:04:05.000000Z,,purge,,,\"a,b\",\n");
  Status s = JsonLineToCsv(StreamId::kNat, R"({"action":"purge"})", &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(out, "2026-11-22T10:04:05.000000Z,,purge,,,\"a,b\",\n");  // unchanged
}

TEST(CsvEncoderTest, EveryStreamHasAsManyCellsAsHeaderColumns) {
#define NW_CSV_COUNT(Name, sname, FIELDS)                   \
  {                                                         \
    Name##Record r;                                         \
    std::string line;                                       \
    EncodeCsvLine(r, "s", &line);                           \
    auto header = ParseCsv(CsvHeader(StreamId::k##Name));   \
    auto cells = ParseCsv(line);                            \
    ASSERT_EQ(header.size(), 1u);                           \
    ASSERT_EQ(cells.size(), 1u);                            \
    EXPECT_EQ(header[0].size(), cells[0].size()) << #sname; \
    EXPECT_EQ(header[0].back(), "site");                    \
  }
  NW_STREAMS(NW_CSV_COUNT)
#undef NW_CSV_COUNT
}

}  // namespace
}  // namespace netward::record
