// Tests for the IMAP analyzer (no IMAP trace in the corpus: sessions follow RFC 3501/9051
// examples).
#include "analyzers/imap.h"

#include <gtest/gtest.h>

#include "analyzer_test_util.h"

namespace netward::analyzers {
namespace {

using record::StreamId;
using testing::AnalyzerHarness;
using testing::ParseLines;

TEST(Imap, LoginAtomQuotedAndLiteral) {
  const std::string client =
      "a001 LOGIN SMITH SESAME\r\n"
      "a002 LOGIN \"J \\\"Q\\\" Public\" \"pw\"\r\n"
      "a003 LOGIN {5}\r\nalice {6}\r\nsecret\r\n"
      "a004 APPEND INBOX {11}\r\nHello\r\nWorl\r\n"
      "a005 LOGOUT\r\n";
  const std::string server =
      "* OK IMAP4rev1 Service Ready\r\n"
      "a001 OK LOGIN completed\r\n"
      "a002 NO bad password\r\n"
      "+ Ready for literal\r\n+ go\r\n"
      "a003 OK LOGIN completed\r\n"
      "* 1 FETCH (BODY[] {20}\r\na005 OK fake tagged\r\n)\r\n"
      "+ go\r\na004 OK APPEND completed\r\n* BYE\r\na005 OK LOGOUT completed\r\n";
  for (size_t chunk : {0, 1, 6}) {
    AnalyzerHarness h(6, 143);
    auto a = NewImapAnalyzer();
    h.Deliver(*a, Direction::kToClient, server.substr(0, 30), chunk);
    h.Deliver(*a, Direction::kToServer, client, chunk);
    h.Deliver(*a, Direction::kToClient, server.substr(30), chunk);
    a->Finish(h.ctx);
    auto recs = ParseLines(h.batch, StreamId::kMail);
    ASSERT_EQ(recs.size(), 3u) << chunk;
    EXPECT_EQ(recs[0]["proto"], "imap");
    EXPECT_EQ(recs[0]["auth_user"], "SMITH");
    EXPECT_EQ(recs[1]["auth_user"], "J \"Q\" Public");
    EXPECT_EQ(recs[2]["auth_user"], "alice");
    const std::string_view lines = h.batch.lines(StreamId::kMail);
    EXPECT_EQ(lines.find("SESAME"), std::string_view::npos);
    EXPECT_EQ(lines.find("secret"), std::string_view::npos);
    EXPECT_EQ(h.hints.app, "imap");
    EXPECT_TRUE(h.events.counts.empty());
  }
}

TEST(Imap, AuthenticatePlainWithAndWithoutInitialResponse) {
  AnalyzerHarness h(6, 143);
  auto a = NewImapAnalyzer();
  h.Deliver(*a, Direction::kToClient, "* OK ready\r\n");
  h.Deliver(*a, Direction::kToServer, "A1 AUTHENTICATE PLAIN\r\n");
  h.Deliver(*a, Direction::kToClient, "+ \r\n");
  h.Deliver(*a, Direction::kToServer, "AGFsaWNlAHNlY3JldA==\r\n");  // \0alice\0secret
  h.Deliver(*a, Direction::kToClient, "A1 NO failed\r\n");
  h.Deliver(*a, Direction::kToServer, "A2 AUTHENTICATE PLAIN AGJvYgBwdw==\r\n");  // \0bob\0pw
  h.Deliver(*a, Direction::kToClient, "A2 OK done\r\n");
  auto recs = ParseLines(h.batch, StreamId::kMail);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["auth_user"], "alice");
  EXPECT_EQ(recs[1]["auth_user"], "bob");
}

TEST(Imap, MalformedInputDoesNotCrash) {
  AnalyzerHarness h(6, 143);
  auto a = NewImapAnalyzer();
  h.Deliver(*a, Direction::kToServer, "\r\n\"\r\n{\r\n}\r\n{99999999999999}\r\nx LOGIN\r\n");
  h.Deliver(*a, Direction::kToClient, std::string(10000, 'y') + "\r\n* {3}\r\n");
  a->Gap(h.ctx, Direction::kToClient, 100);
  h.Deliver(*a, Direction::kToClient, "x OK\r\n");
  a->Finish(h.ctx);
  EXPECT_EQ(h.events["imap.line_too_long"], 1);
  EXPECT_EQ(h.batch.count(StreamId::kMail), 1u);  // the LOGIN without arguments, at Finish
}

TEST(Imap, Detect) {
  auto span = [](std::string_view s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_TRUE(LooksLikeImap(Direction::kToClient, span("* OK [CAPABILITY IMAP4rev1] ready\r\n")));
  EXPECT_FALSE(LooksLikeImap(Direction::kToClient, span("* OK ready\r\n")));
}

}  // namespace
}  // namespace netward::analyzers
