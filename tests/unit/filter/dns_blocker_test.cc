#include "filter/dns_blocker.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstdio>
#include <string>
#include <vector>

#include "analyzers/dns_wire.h"
#include "filter/passive_blocker.h"
#include "netns_pair.h"

namespace netward::filter {
namespace {

using testing::NetnsPair;

// A query as a stub resolver sends it: id, RD, one question, optionally an EDNS OPT record.
std::vector<uint8_t> Query(const std::string& name, uint16_t qtype, bool edns = true,
                           uint8_t flags_hi = 0x01) {
  std::vector<uint8_t> q = {0xbe, 0xef, flags_hi, 0x00, 0, 1,
                            0,    0,    0,        0,    0, static_cast<uint8_t>(edns ? 1 : 0)};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + start, name.begin() + dot);
    start = dot + 1;
  }
  q.push_back(0);
  q.insert(q.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  if (edns) q.insert(q.end(), {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0});
  return q;
}

uint16_t Get16(const std::vector<uint8_t>& m, size_t at) {
  return static_cast<uint16_t>((m[at] << 8) | m[at + 1]);
}

TEST(ForgeDnsAnswer, NxdomainKeepsIdAndQuestion) {
  auto q = Query("Blocked.Example.test", 1);
  std::vector<uint8_t> a;
  auto forged = ForgeDnsAnswer(q, {}, &a);
  ASSERT_TRUE(forged.ok()) << forged.status().ToString();
  EXPECT_EQ(*forged, DnsForged::kNxdomain);
  EXPECT_STREQ(DnsForgedName(*forged), "dns_nxdomain");
  ASSERT_GE(a.size(), 12u);
  EXPECT_EQ(Get16(a, 0), 0xbeef);
  EXPECT_EQ(a[2], 0x81);  // QR, opcode QUERY, RD copied
  EXPECT_EQ(a[3], 0x83);  // RA, NXDOMAIN
  EXPECT_EQ(Get16(a, 4), 1);
  EXPECT_EQ(Get16(a, 6), 0);
  EXPECT_EQ(Get16(a, 8), 0);
  EXPECT_EQ(Get16(a, 10), 0);  // the OPT record is not echoed
  // The question, byte for byte (case kept).
  size_t question_len = q.size() - 12 - 11;
  ASSERT_EQ(a.size(), 12 + question_len);
  EXPECT_TRUE(std::equal(a.begin() + 12, a.end(), q.begin() + 12));
}

TEST(ForgeDnsAnswer, SinkholeAnswersAAndAaaa) {
  DnsAnswerOptions options;
  options.sinkhole_v4 = *IpAddress::Parse("10.9.9.9");
  options.sinkhole_v6 = *IpAddress::Parse("fd00::99");
  options.ttl = 300;
  for (uint16_t qtype : {uint16_t{1}, uint16_t{28}}) {
    std::vector<uint8_t> a;
    auto forged = ForgeDnsAnswer(Query("bad.example", qtype, false, 0x00), options, &a);
    ASSERT_TRUE(forged.ok());
    EXPECT_EQ(*forged, DnsForged::kSinkhole);
    EXPECT_EQ(a[2], 0x80);  // RD was clear
    EXPECT_EQ(a[3], 0x80);  // NOERROR
    EXPECT_EQ(Get16(a, 6), 1);
    size_t pos = 12;
    std::string name;
    ASSERT_EQ(analyzers::detail::ReadDnsName(a, &pos, &name), analyzers::detail::DnsNameError::kOk);
    pos += 4;  // qtype, qclass
    std::string owner;
    ASSERT_EQ(analyzers::detail::ReadDnsName(a, &pos, &owner),
              analyzers::detail::DnsNameError::kOk);
    EXPECT_EQ(owner, "bad.example");
    EXPECT_EQ(Get16(a, pos), qtype);
    EXPECT_EQ(Get16(a, pos + 2), 1);
    EXPECT_EQ((uint32_t{Get16(a, pos + 4)} << 16) | Get16(a, pos + 6), 300u);
    uint16_t rdlen = Get16(a, pos + 8);
    ASSERT_EQ(a.size(), pos + 10 + rdlen);
    std::string rdata;
    ASSERT_EQ(analyzers::detail::FormatDnsRdata(a, qtype, pos + 10, rdlen, owner, &rdata),
              analyzers::detail::DnsNameError::kOk);
    EXPECT_EQ(rdata, qtype == 1 ? "10.9.9.9" : "fd00::99");
  }
}

TEST(ForgeDnsAnswer, SinkholeWithoutFamilyOrOtherTypes) {
  DnsAnswerOptions options;
  options.sinkhole_v4 = *IpAddress::Parse("10.9.9.9");
  std::vector<uint8_t> a;
  auto aaaa = ForgeDnsAnswer(Query("bad.example", 28), options, &a);  // no v6 sinkhole
  ASSERT_TRUE(aaaa.ok());
  EXPECT_EQ(*aaaa, DnsForged::kNxdomain);
  EXPECT_EQ(a[3] & 0x0f, 3);
  auto mx = ForgeDnsAnswer(Query("bad.example", 15), options, &a);
  ASSERT_TRUE(mx.ok());
  EXPECT_EQ(*mx, DnsForged::kSinkhole);  // empty NOERROR answer
  EXPECT_EQ(a[3] & 0x0f, 0);
  EXPECT_EQ(Get16(a, 6), 0);
}

TEST(ForgeDnsAnswer, RefusesWhatIsNotAQuery) {
  std::vector<uint8_t> a;
  auto expect_bad = [&](std::vector<uint8_t> q, const char* what) {
    auto r = ForgeDnsAnswer(q, {}, &a);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << what;
    EXPECT_NE(r.status().ToString().find("dns query"), std::string::npos) << what;
  };
  expect_bad({1, 2, 3}, "short");
  expect_bad(Query("x.test", 1, false, 0x81), "response (QR set)");
  expect_bad(Query("x.test", 1, false, 0x10), "opcode STATUS");
  auto none = Query("x.test", 1);
  none[5] = 0;
  expect_bad(none, "qdcount 0");
  auto cut = Query("x.test", 1, false);
  cut.resize(cut.size() - 2);
  expect_bad(cut, "question cut short");
  auto pointer = Query("x.test", 1, false);
  pointer[12] = 0xc0;
  expect_bad(pointer, "compressed name");
  expect_bad(Query(std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') +
                       "." + std::string(63, 'd') + ".e",
                   1),
             "name over 255 bytes");
  // RFC 1035: 255 octets including the root's zero byte (a fuzzer find).
  const std::string three =
      std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + ".";
  EXPECT_TRUE(ForgeDnsAnswer(Query(three + std::string(61, 'd'), 1), {}, &a).ok());
  expect_bad(Query(three + std::string(62, 'd'), 1), "256 octets with the root");
  std::vector<uint8_t> header_only = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  expect_bad(header_only, "no question bytes");
}

// dig in the client namespace asks a server that never answers; the forged answer is what dig
// prints.
void DigGetsForgedAnswer(const DnsAnswerOptions& options, const std::string& want_status,
                         const std::string& want_text, const std::string& want_taken) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, AF_PACKET)";
  if (NetnsPair::Sh("command -v ip >/dev/null && command -v dig >/dev/null") != 0) {
    GTEST_SKIP() << "ip or dig missing (scripts/setup-deps installs them)";
  }
  NetnsPair ns("dnsb");
  ASSERT_TRUE(ns.Setup());
  int server = -1;
  std::unique_ptr<PassiveBlocker> blocker;
  ASSERT_TRUE(NetnsPair::InNs(ns.b(), [&] {
    server = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin = {};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(53);
    inet_pton(AF_INET, "10.77.0.2", &sin.sin_addr);
    if (bind(server, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0) {
      close(server);
      server = -1;
    }
    PassiveBlockerOptions po;
    po.interface = "vb";
    po.dns = options;
    auto b = PassiveBlocker::Open(po);
    if (b.ok()) blocker = std::move(*b);
  }));
  ASSERT_GE(server, 0);
  ASSERT_TRUE(blocker);
  struct timeval tv = {3, 0};
  setsockopt(server, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

  std::string cmd = "ip netns exec " + ns.a() +
                    " dig +tries=1 +time=3 +norecurse @10.77.0.2 Blocked.Example.test A 2>&1";
  FILE* dig = popen(cmd.c_str(), "r");
  ASSERT_NE(dig, nullptr);
  uint8_t query[512];
  sockaddr_in from = {};
  socklen_t from_len = sizeof(from);
  ssize_t n =
      recvfrom(server, query, sizeof(query), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
  close(server);
  std::string taken;
  if (n > 0) {
    BlockRequest r;
    r.kind = BlockRequest::Kind::kDns;
    r.client_ip = *IpAddress::Parse("10.77.0.1");
    r.server_ip = *IpAddress::Parse("10.77.0.2");
    r.client_port = ntohs(from.sin_port);
    r.server_port = 53;
    r.client_mac = testing::kMacA;
    r.server_mac = testing::kMacB;
    r.dns_query = {reinterpret_cast<const char*>(query), static_cast<size_t>(n)};
    auto result = blocker->Block(r);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (result.ok()) taken = *result;
  }
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof(buf), dig) != nullptr) out += buf;
  pclose(dig);
  ASSERT_GT(n, 0) << "dig's query never arrived: " << out;
  EXPECT_EQ(taken, want_taken);
  EXPECT_NE(out.find("status: " + want_status), std::string::npos) << out;
  if (!want_text.empty()) {
    EXPECT_NE(out.find(want_text), std::string::npos) << out;
  }
}

TEST(DnsBlocker, DigReceivesForgedNxdomain) {
  DigGetsForgedAnswer({}, "NXDOMAIN", "", "dns_nxdomain");
}

TEST(DnsBlocker, DigReceivesSinkholeAddress) {
  DnsAnswerOptions options;
  options.sinkhole_v4 = *IpAddress::Parse("10.0.0.99");
  options.ttl = 77;
  DigGetsForgedAnswer(options, "NOERROR", "77\tIN\tA\t10.0.0.99", "dns_sinkhole");
}

}  // namespace
}  // namespace netward::filter
