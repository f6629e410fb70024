// Tests for the POP3 analyzer (no POP3 trace in the corpus: sessions follow RFC 1939 examples).
#include "analyzers/pop3.h"

#include <gtest/gtest.h>

#include "analyzer_test_util.h"

namespace netward::analyzers {
namespace {

using record::StreamId;
using testing::AnalyzerHarness;
using testing::ParseLines;

TEST(Pop3, UserPassAndMultiLineRetr) {
  const std::string client = "USER mrose\r\nPASS tanstaaf\r\nRETR 1\r\nSTAT\r\nQUIT\r\n";
  const std::string server =
      "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"
      "+OK mrose is a real hoopy frood\r\n+OK maildrop has 2 messages\r\n"
      "+OK 120 octets\r\nSubject: x\r\n\r\n+OK this body line looks like a reply\r\n.\r\n"
      "+OK 2 320\r\n+OK bye\r\n";
  for (size_t chunk : {0, 1, 7}) {
    AnalyzerHarness h(6, 110);
    auto a = NewPop3Analyzer();
    const size_t greeting = server.find("\r\n") + 2;
    h.Deliver(*a, Direction::kToClient, server.substr(0, greeting), chunk);
    h.Deliver(*a, Direction::kToServer, client, chunk);
    h.Deliver(*a, Direction::kToClient, server.substr(greeting), chunk);
    a->Finish(h.ctx);
    auto recs = ParseLines(h.batch, StreamId::kMail);
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0]["proto"], "pop3");
    EXPECT_EQ(recs[0]["auth_user"], "mrose");
    EXPECT_EQ(recs[0]["dst_port"], 110);
    EXPECT_EQ(h.batch.lines(StreamId::kMail).find("tanstaaf"), std::string_view::npos);
    EXPECT_EQ(h.hints.app, "pop3");
    EXPECT_TRUE(h.events.counts.empty());
  }
}

TEST(Pop3, FailedLoginThenApopThenAuthPlain) {
  AnalyzerHarness h(6, 110);
  auto a = NewPop3Analyzer();
  h.Deliver(*a, Direction::kToClient, "+OK ready\r\n");
  h.Deliver(*a, Direction::kToServer, "USER eve\r\nPASS guess\r\n");
  h.Deliver(*a, Direction::kToClient, "+OK\r\n-ERR invalid password\r\n");
  h.Deliver(*a, Direction::kToServer, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");
  h.Deliver(*a, Direction::kToClient, "+OK maildrop locked and ready\r\n");
  h.Deliver(*a, Direction::kToServer, "AUTH PLAIN\r\n");
  h.Deliver(*a, Direction::kToClient, "+ \r\n");
  h.Deliver(*a, Direction::kToServer, "AGNhcm9sAHB3\r\n");  // \0carol\0pw
  h.Deliver(*a, Direction::kToClient, "+OK\r\n");
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, StreamId::kMail);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0]["auth_user"], "eve");
  EXPECT_EQ(recs[1]["auth_user"], "mrose");
  EXPECT_EQ(recs[2]["auth_user"], "carol");
  EXPECT_TRUE(h.events.counts.empty());
}

TEST(Pop3, UnansweredPassIsRecordedAtFinishAndGarbageIsCounted) {
  AnalyzerHarness h(6, 110);
  auto a = NewPop3Analyzer();
  h.Deliver(*a, Direction::kToClient, "+OK\r\nnonsense\r\n" + std::string(9000, 'z') + "\r\n");
  h.Deliver(*a, Direction::kToServer, "USER bob\r\nPASS x\r\n");
  a->Finish(h.ctx);
  EXPECT_EQ(h.batch.count(StreamId::kMail), 1u);
  EXPECT_EQ(h.events["pop3.bad_reply"], 2);
  EXPECT_EQ(h.events["pop3.line_too_long"], 1);
}

TEST(Pop3, Detect) {
  auto span = [](std::string_view s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_TRUE(LooksLikePop3(Direction::kToClient, span("+OK Dovecot POP3 ready.\r\n")));
  EXPECT_FALSE(LooksLikePop3(Direction::kToClient, span("+OK\r\n")));
  EXPECT_FALSE(LooksLikePop3(Direction::kToServer, span("USER x\r\n")));
}

}  // namespace
}  // namespace netward::analyzers
