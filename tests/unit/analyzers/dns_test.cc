#include "analyzers/dns.h"

#include <gtest/gtest.h>

#include <vector>

#include "analyzer_test_util.h"
#include "analyzers/dns_wire.h"

namespace netward::analyzers {
namespace {

using testing::AnalyzerHarness;
using testing::FromHex;
using testing::ParseLines;

// dns-two-responses.pcap: one query for www.cmu.edu and the same response twice.
const char kCmuQuery[] =
    "5294001000010000000000010377777703636d750365647500000100010000291000000080000000";
const char kCmuResponse[] =
    "5294841000010004000200040377777703636d75036564750000010001c00c00050001000151800011075757572d"
    "434d5506414e44524557c010c00c002e000100015180009b0005070300015180515cb25b5135187a1b2303636d75"
    "03656475006b741ab2616a3f33b02d97c41edb5fc04bde32780687bdcf24b8208dae7550e35b164428fba91d0c72"
    "e757a70dcb38924d702d04a5919b673d05065e2406b93b99cb4ad945c46d550a28edbcc1cbe6db31c7b8650a6428"
    "acfab46fc5987db561a714893a1003e464f1550d3e3c344c093a3475efddd7d5d2176c6203350a2eaac029000500"
    "0100000005000c095757572d434d552d32c031c0ed0001000100005460000480020aa3c031000200010001518000"
    "0e074e534155544831034e4554c058c0310002000100015180000a074e534155544832c11dc11500010001000151"
    "80000480020108c115001c00010001518000102607fb28000000000000000000000004c12f000100010001518000"
    "0480ed94a80000291000000080000000";
// dns-txt-multiple.pcap: the response (its query was not captured).
const char kTxtResponse[] =
    "6daf8500000100030005000504666c6b720a5f646f6d61696e6b657906666c69636b7203636f6d0000100001c00c"
    "000500010000038400070466613134c011c0380005000100000384001804666131340a5f646f6d61696e6b657905"
    "7961686f6fc023c04b0010000100001c2000e37f6b3d7273613b20703d4d4947664d413047435371475349623344"
    "514542415155414134474e4144434269514b4267514450645066794a4d32523247714d795a4d31666c547a466544"
    "49552b65374b6d694b527735797a335868742b6367454969486d6d356c4947427557436335727469793043637865"
    "5070716363504b6a6e624853724449323350552b484f75714a366572674531494f734c364c4f4567473659543533"
    "764d62385a36556942537359506c724445432b384355496b544c4d4c584a6175524b35624e524b56314154477a47"
    "46706633546a5a745777494441514142c050000200010002a3000006036e7335c05bc050000200010002a3000006"
    "036e7334c05bc050000200010002a3000006036e7333c05bc050000200010002a3000006036e7332c05bc0500002"
    "00010002a3000006036e7331c05bc1a60001000100127500000444b48310c19400010001001275000004448eff10"
    "c18200010001001275000004cb54dd35c17000010001001275000004628a0b9dc15e0001000100127500000477a0"
    "f77c";

class RecordingObserver : public DnsObserver {
 public:
  void OnDnsAnswer(const IpAddress& client, std::string_view name, const IpAddress& address,
                   uint32_t ttl, TimestampUs ts) override {
    calls.push_back(client.ToString() + " " + std::string(name) + " " + address.ToString() + " " +
                    std::to_string(ttl));
    (void)ts;
  }
  std::vector<std::string> calls;
};

// A minimal query: id, flags, one question `name` (already in wire form) of `qtype`.
std::string Query(uint16_t id, std::string_view wire_name, uint16_t qtype, bool response = false) {
  std::string m;
  m += static_cast<char>(id >> 8);
  m += static_cast<char>(id & 0xff);
  m += response ? std::string("\x81\x80", 2) : std::string("\x01\x00", 2);
  m += std::string("\x00\x01\x00\x00\x00\x00\x00\x00", 8);
  m += wire_name;
  m += static_cast<char>(qtype >> 8);
  m += static_cast<char>(qtype & 0xff);
  m += std::string("\x00\x01", 2);
  return m;
}

const std::string kExampleCom = std::string(
    "\x07"
    "example\x03"
    "com\x00",
    13);

TEST(DnsTest, DuplicateResponsesLikeZeek) {
  AnalyzerHarness h(17, 53, 27285);
  RecordingObserver obs;
  h.ctx.dns_observer = &obs;
  auto a = NewDnsAnalyzer();
  h.Deliver(*a, Direction::kToServer, FromHex(kCmuQuery));
  h.ctx.now += 214;
  h.Deliver(*a, Direction::kToClient, FromHex(kCmuResponse));
  h.ctx.now += 100;
  h.Deliver(*a, Direction::kToClient, FromHex(kCmuResponse));
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, record::StreamId::kDns);
  ASSERT_EQ(recs.size(), 2u);
  const std::vector<std::string> answers = {"www-cmu.andrew.cmu.edu", "RRSIG 5 cmu.edu",
                                            "www-cmu-2.andrew.cmu.edu", "128.2.10.163"};
  const std::vector<uint32_t> ttls = {86400, 86400, 5, 21600};
  EXPECT_EQ(recs[0]["proto"], "udp");
  EXPECT_EQ(recs[0]["trans_id"], 21140);
  EXPECT_EQ(recs[0]["query"], "www.cmu.edu");
  EXPECT_EQ(recs[0]["qtype"], "A");
  EXPECT_EQ(recs[0]["rcode"], "NOERROR");
  EXPECT_EQ(recs[0]["answers"].get<std::vector<std::string>>(), answers);
  EXPECT_EQ(recs[0]["ttls"].get<std::vector<uint32_t>>(), ttls);
  EXPECT_EQ(recs[0]["ts"], "2023-11-14T22:13:20.000000Z");  // the query's time
  EXPECT_EQ(recs[1]["query"], "www.cmu.edu");
  EXPECT_EQ(recs[1]["answers"].get<std::vector<std::string>>(), answers);
  EXPECT_EQ(h.events["dns.unmatched_response"], 1);
  EXPECT_EQ(h.hints.app, "dns");
  ASSERT_EQ(obs.calls.size(), 2u);
  EXPECT_EQ(obs.calls[0], "10.0.0.1 www.cmu.edu 128.2.10.163 21600");
}

TEST(DnsTest, TxtWithSeveralStringsAsZeekPrintsThem) {
  AnalyzerHarness h(17, 53);
  auto a = NewDnsAnalyzer();
  h.Deliver(*a, Direction::kToClient, FromHex(kTxtResponse));
  auto recs = ParseLines(h.batch, record::StreamId::kDns);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["query"], "flkr._domainkey.flickr.com");
  EXPECT_EQ(recs[0]["qtype"], "TXT");  // Zeek leaves qtype empty for a response alone
  auto answers = recs[0]["answers"].get<std::vector<std::string>>();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0], "fa14._domainkey.flickr.com");
  EXPECT_EQ(answers[1], "fa14._domainkey.yahoo.com");
  EXPECT_EQ(answers[2],
            "TXT 127 k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDPdPfyJM2R2GqMyZM1flTzFeDIU+"
            "e7KmiKRw5yz3Xht+cgEIiHmm5lIGBuWCc5rtiy0CcxePpqccPKjn TXT 98 "
            "HSrDI23PU+HOuqJ6ergE1IOsL6LOEgG6YT53vMb8Z6UiBSsYPlrDEC+8CUIkTLMLXJauRK5bNRKV1ATGzGFpf3"
            "TjZtWwIDAQAB");
  EXPECT_EQ(recs[0]["ttls"].get<std::vector<uint32_t>>(), (std::vector<uint32_t>{900, 900, 7200}));
}

TEST(DnsTest, TcpFramingAnyChunking) {
  std::string q = Query(0x1234, kExampleCom, 1);
  std::string r = Query(0x1234, kExampleCom, 1, /*response=*/true);
  r[7] = 1;  // ancount 1
  r += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x5d\xb8\xd8\x22", 16);
  auto framed = [](const std::string& m) {
    return std::string(1, static_cast<char>(m.size() >> 8)) +
           std::string(1, static_cast<char>(m.size() & 0xff)) + m;
  };
  for (size_t chunk : {0, 1, 2, 3, 7}) {
    SCOPED_TRACE(chunk);
    AnalyzerHarness h(6, 53);
    auto a = NewDnsAnalyzer();
    // Two queries back to back in one stream, then both answers.
    std::string q2 = Query(0x1235, kExampleCom, 28);
    h.Deliver(*a, Direction::kToServer, framed(q) + framed(q2), chunk);
    std::string r2 = Query(0x1235, kExampleCom, 28, true);
    r2[3] = static_cast<char>(0x83);  // NXDOMAIN
    h.Deliver(*a, Direction::kToClient, framed(r) + framed(r2), chunk);
    a->Finish(h.ctx);
    auto recs = ParseLines(h.batch, record::StreamId::kDns);
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[0]["proto"], "tcp");
    EXPECT_EQ(recs[0]["query"], "example.com");
    EXPECT_EQ(recs[0]["answers"][0], "93.184.216.34");
    EXPECT_EQ(recs[0]["ttls"][0], 3600);
    EXPECT_EQ(recs[1]["qtype"], "AAAA");
    EXPECT_EQ(recs[1]["rcode"], "NXDOMAIN");
    EXPECT_TRUE(h.events.counts.empty());
  }
}

TEST(DnsTest, UnansweredQueryEmittedAtFinishWithEmptyRcode) {
  AnalyzerHarness h(17, 5353, 5353);
  auto a = NewDnsAnalyzer();
  h.Deliver(*a, Direction::kToServer, Query(0, kExampleCom, 123));
  EXPECT_EQ(h.batch.count(record::StreamId::kDns), 0u);
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, record::StreamId::kDns);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["rcode"], "");
  EXPECT_EQ(recs[0]["qtype"], "TYPE123");
  EXPECT_EQ(recs[0]["answers"].size(), 0u);
}

// As Zeek does (corpus ipv6-fragmented-dns, gre-sample): each query sent is a transaction; the
// answer completes the oldest, the retransmission stays unanswered.
TEST(DnsTest, RetransmittedQueryIsRecordedTwiceAnswerGoesToTheFirst) {
  AnalyzerHarness h(17, 53);
  auto a = NewDnsAnalyzer();
  h.ctx.now = 1000;
  h.Deliver(*a, Direction::kToServer, Query(7, kExampleCom, 1));
  h.ctx.now = 5000;
  h.Deliver(*a, Direction::kToServer, Query(7, kExampleCom, 1));
  h.Deliver(*a, Direction::kToClient, Query(7, kExampleCom, 1, true));
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, record::StreamId::kDns);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["rcode"], "NOERROR");
  EXPECT_EQ(recs[0]["ts"], netward::FormatIso8601(1000));
  EXPECT_EQ(recs[1]["rcode"], "");
  EXPECT_EQ(recs[1]["ts"], netward::FormatIso8601(5000));
}

TEST(DnsTest, CompressionLoopIsCountedNotFollowed) {
  AnalyzerHarness h(17, 53);
  auto a = NewDnsAnalyzer();
  // The question name is a pointer to itself (offset 12).
  std::string m = Query(1, std::string("\xc0\x0c", 2), 1);
  h.Deliver(*a, Direction::kToServer, m);
  EXPECT_EQ(h.events["dns.compression_loop"], 1);
  // A chain of 17 pointers, each to the next one: over the depth limit of 16.
  std::string chain;
  for (int i = 0; i < 17; ++i) {
    int target = 12 + 2 * (i + 1);
    chain += static_cast<char>(0xc0 | (target >> 8));
    chain += static_cast<char>(target & 0xff);
  }
  chain += std::string("\x00", 1);
  h.Deliver(*a, Direction::kToServer, Query(2, chain, 1));
  EXPECT_EQ(h.events["dns.compression_loop"], 2);
  a->Finish(h.ctx);
}

TEST(DnsTest, LongNamesBadLabelsAndShortMessages) {
  AnalyzerHarness h(17, 53);
  auto a = NewDnsAnalyzer();
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += static_cast<char>(63) + std::string(63, 'a');
  long_name += std::string("\x00", 1);
  h.Deliver(*a, Direction::kToServer, Query(1, long_name, 1));
  EXPECT_EQ(h.events["dns.name_too_long"], 1);
  h.Deliver(*a, Direction::kToServer,
            Query(2,
                  std::string("\x41"
                              "abc\x00",
                              5),
                  1));
  EXPECT_EQ(h.events["dns.bad_label"], 1);
  h.Deliver(*a, Direction::kToServer, std::string("\x00\x01\x02", 3));
  EXPECT_EQ(h.events["dns.truncated_message"], 1);
  // Answer count says 5 but the message ends after the question.
  std::string r = Query(3, kExampleCom, 1, true);
  r[7] = 5;
  h.Deliver(*a, Direction::kToClient, r);
  EXPECT_EQ(h.events["dns.truncated_message"], 2);
  a->Finish(h.ctx);
}

TEST(DnsTest, PendingQueriesAreCapped) {
  AnalyzerHarness h(17, 53);
  auto a = NewDnsAnalyzer();
  for (int i = 0; i < 70; ++i) h.Deliver(*a, Direction::kToServer, Query(i, kExampleCom, 1));
  EXPECT_EQ(h.events["dns.too_many_pending"], 6);
  EXPECT_EQ(h.batch.count(record::StreamId::kDns), 6u);  // the evicted oldest, unanswered
  a->Finish(h.ctx);
  EXPECT_EQ(h.batch.count(record::StreamId::kDns), 70u);
}

TEST(DnsTest, WireHelpers) {
  std::string s;
  detail::AppendDnsTypeName(65, &s);
  EXPECT_EQ(s, "HTTPS");
  s.clear();
  detail::AppendDnsRcodeName(9, &s);
  EXPECT_EQ(s, "NOTAUTH");
  s.clear();
  detail::AppendDnsRcodeName(23, &s);
  EXPECT_EQ(s, "23");
}

TEST(DnsTest, LooksLikeDns) {
  std::string q = FromHex(kCmuQuery);
  auto span = [](const std::string& s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_TRUE(LooksLikeDns(Direction::kToServer, span(q)));
  EXPECT_FALSE(LooksLikeDns(Direction::kToClient, span(q)));
  std::string r = FromHex(kCmuResponse);
  EXPECT_TRUE(LooksLikeDns(Direction::kToClient, span(r)));
  std::string tcp = std::string("\x00", 1) + static_cast<char>(q.size()) + q;
  EXPECT_TRUE(LooksLikeDns(Direction::kToServer, span(tcp)));
  std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_FALSE(LooksLikeDns(Direction::kToServer, span(http)));
  EXPECT_FALSE(LooksLikeDns(Direction::kToServer, span(std::string(40, '\0'))));
}

}  // namespace
}  // namespace netward::analyzers
