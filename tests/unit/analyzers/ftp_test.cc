// Tests for the FTP analyzer: corpus control connections (Zeek ftp.log baselines), chunking,
// multi-line and preliminary replies, AUTH TLS, and malformed input.
#include "analyzers/ftp.h"

#include <gtest/gtest.h>

#include "analyzer_test_util.h"
#include "tcp_stream_replay.h"

namespace netward::analyzers {
namespace {

using record::StreamId;
using testing::AnalyzerHarness;
using testing::ParseLines;

struct TraceResult {
  std::vector<nlohmann::json> ftp;
  std::vector<nlohmann::json> tls;
  std::string lines;
  std::map<std::string, int> events;
  int control_flows = 0;
};

TraceResult RunTrace(const char* rel, size_t chunk = 0) {
  TraceResult r;
  auto convs = testing::ReadTcpConversations(testing::CorpusTrace(rel));
  EXPECT_FALSE(convs.empty()) << rel;
  AnalyzerHarness h;
  for (const auto& c : convs) {
    if (c.flow.server_port != 21) continue;  // data connections are not for this analyzer
    ++r.control_flows;
    auto a = NewFtpAnalyzer();
    testing::Replay(h, *a, c, chunk);
    EXPECT_EQ(h.hints.app, "ftp");
  }
  r.ftp = ParseLines(h.batch, StreamId::kFtp);
  r.tls = ParseLines(h.batch, StreamId::kTls);
  r.lines = std::string(h.batch.lines(StreamId::kFtp)) + std::string(h.batch.lines(StreamId::kTls));
  r.events = h.events.counts;
  return r;
}

TEST(FtpCorpus, Ipv4Retr) {
  TraceResult r = RunTrace("ftp/ipv4.pcap");
  ASSERT_EQ(r.ftp.size(), 2u);
  for (const auto& j : r.ftp) {
    EXPECT_EQ(j["src_ip"], "141.142.220.235");
    EXPECT_EQ(j["src_port"], 50003);
    EXPECT_EQ(j["dst_port"], 21);
    EXPECT_EQ(j["user"], "anonymous");
    EXPECT_EQ(j["command"], "RETR");
    EXPECT_EQ(j["arg"], "robots.txt");  // Zeek: ftp://199.233.217.249/./robots.txt
    EXPECT_EQ(j["reply_code"], 226);
    EXPECT_EQ(j["reply_msg"], "Transfer complete.");
  }
  EXPECT_TRUE(r.events.empty());
}

TEST(FtpCorpus, Ipv6Retr) {
  TraceResult r = RunTrace("ftp/ipv6.pcap");
  ASSERT_EQ(r.ftp.size(), 2u);
  EXPECT_EQ(r.ftp[0]["src_ip"], "2001:470:1f11:81f:c999:d94:aa7c:2e3e");
  EXPECT_EQ(r.ftp[0]["dst_ip"], "2001:470:4867:99::21");
  EXPECT_EQ(r.ftp[0]["command"], "RETR");
  EXPECT_EQ(r.ftp[0]["reply_code"], 226);
  EXPECT_EQ(r.ftp[1]["user"], "anonymous");
}

TEST(FtpCorpus, LoginOnlyFlowsGiveNoRecords) {
  EXPECT_TRUE(RunTrace("ftp/ftp-password-pass-command.pcap").ftp.empty());
  TraceResult brute = RunTrace("ftp/bruteforce.pcap");
  EXPECT_GE(brute.control_flows, 20);
  EXPECT_TRUE(brute.ftp.empty());
  EXPECT_EQ(brute.lines.find("password"), std::string::npos);
}

TEST(FtpCorpus, AuthTlsHandsOverToTls) {
  TraceResult r = RunTrace("ftp/ftp-auth-tls.pcap");
  ASSERT_EQ(r.tls.size(), 1u);
  EXPECT_EQ(r.tls[0]["version"], "TLSv13");
  EXPECT_EQ(r.tls[0]["sni"], "127.0.0.1");
  EXPECT_TRUE(r.events.empty());
}

TEST(FtpCorpus, InvalidReplyCode) {
  TraceResult r = RunTrace("ftp/ftp-invalid-reply-code.pcap");
  EXPECT_EQ(r.events["ftp.bad_reply"], 1);  // Zeek: "non-numeric reply code", 99 PASV invalid
}

TEST(FtpCorpus, AnyChunkingGivesTheSameRecords) {
  for (const char* trace : {"ftp/ipv4.pcap", "ftp/ipv6.pcap", "ftp/ftp-auth-tls.pcap"}) {
    const std::string whole = RunTrace(trace).lines;
    EXPECT_EQ(RunTrace(trace, 1).lines, whole) << trace;
    EXPECT_EQ(RunTrace(trace, 3).lines, whole) << trace;
  }
}

TEST(FtpSynthetic, FileCommandsMultiLineAndPreliminaryReplies) {
  const std::string client =
      "USER alice\r\nPASS s3cret\r\nSTOR up.bin\r\nDELE old.txt\r\nRNFR a\r\nRNTO b\r\n"
      "MKD dir\r\nSIZE up.bin\r\nRETR missing\r\n";
  const std::string server =
      "220-Welcome\r\n220-to the\r\n220 FTP server\r\n331 Password required\r\n230 Logged in\r\n"
      "150 Opening data connection\r\n226-Transfer\r\n 226 inside text\r\n226 complete\r\n"
      "250 Deleted\r\n350 Ready for RNTO\r\n250 Renamed\r\n257 \"dir\" created\r\n213 42\r\n"
      "550 No such file\r\n";
  for (size_t chunk : {0, 1, 4}) {
    AnalyzerHarness h(6, 21);
    auto a = NewFtpAnalyzer();
    const size_t greeting = server.find("220 FTP server\r\n") + 16;
    h.Deliver(*a, Direction::kToClient, server.substr(0, greeting), chunk);
    h.Deliver(*a, Direction::kToServer, client, chunk);
    h.Deliver(*a, Direction::kToClient, server.substr(greeting), chunk);
    a->Finish(h.ctx);
    auto recs = ParseLines(h.batch, StreamId::kFtp);
    ASSERT_EQ(recs.size(), 6u) << chunk;
    EXPECT_EQ(recs[0]["command"], "STOR");
    EXPECT_EQ(recs[0]["arg"], "up.bin");
    EXPECT_EQ(recs[0]["user"], "alice");
    EXPECT_EQ(recs[0]["reply_code"], 226);
    EXPECT_EQ(recs[0]["reply_msg"], "complete");
    EXPECT_EQ(recs[1]["command"], "DELE");
    EXPECT_EQ(recs[2]["command"], "RNFR");
    EXPECT_EQ(recs[2]["reply_code"], 350);
    EXPECT_EQ(recs[3]["command"], "RNTO");
    EXPECT_EQ(recs[4]["command"], "MKD");
    EXPECT_EQ(recs[4]["reply_msg"], "\"dir\" created");
    EXPECT_EQ(recs[5]["command"], "RETR");  // SIZE is not recorded
    EXPECT_EQ(recs[5]["reply_code"], 550);
    EXPECT_EQ(h.batch.lines(StreamId::kFtp).find("s3cret"), std::string_view::npos);
    EXPECT_TRUE(h.events.counts.empty());
  }
}

TEST(FtpSynthetic, UnansweredCommandIsRecordedAtFinish) {
  AnalyzerHarness h(6, 21);
  auto a = NewFtpAnalyzer();
  h.Deliver(*a, Direction::kToClient, "220 FTP\r\n");
  h.Deliver(*a, Direction::kToServer, "USER bob\r\nAPPE log.txt\r\n");
  h.Deliver(*a, Direction::kToClient, "331 ok\r\n150 go\r\n");
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, StreamId::kFtp);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["command"], "APPE");
  EXPECT_EQ(recs[0]["reply_code"], 0);
}

TEST(FtpMalformed, LongLineAndGarbage) {
  AnalyzerHarness h(6, 21);
  auto a = NewFtpAnalyzer();
  h.Deliver(*a, Direction::kToClient, "220 FTP\r\n");
  h.Deliver(*a, Direction::kToServer, "RETR " + std::string(10000, 'x') + "\r\n", 999);
  h.Deliver(*a, Direction::kToClient, "hello\r\n\x01\x02\r\n226 ok\r\n");
  a->Finish(h.ctx);
  EXPECT_EQ(h.events["ftp.line_too_long"], 1);
  EXPECT_EQ(h.events["ftp.bad_reply"], 2);
  auto recs = ParseLines(h.batch, StreamId::kFtp);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["arg"].get<std::string>().size(), 1024u);
}

TEST(FtpDetect, LooksLikeFtp) {
  auto span = [](std::string_view s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_TRUE(LooksLikeFtp(Direction::kToClient, span("220 (vsFTPd 3.0.5)\r\n")));
  EXPECT_TRUE(LooksLikeFtp(Direction::kToClient, span("220-ProFTPD Server\r\n")));
  EXPECT_FALSE(LooksLikeFtp(Direction::kToClient, span("220 mx ESMTP\r\n")));
  EXPECT_FALSE(LooksLikeFtp(Direction::kToServer, span("USER x\r\n")));
}

}  // namespace
}  // namespace netward::analyzers
