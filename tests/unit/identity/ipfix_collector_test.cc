#include "identity/ipfix_collector.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "collecting_nat_sink.h"
#include "pcap_udp_payloads.h"

namespace netward::identity {
namespace {

TimestampUs At(const char* iso) { return *ParseIso8601(iso); }
IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

// tests/data/ipfix_nat/ipfix_nat.pcap (README.md there), replayed to the collector over
// 127.0.0.1: the IPFIX datagrams to its first socket, the NetFlow v9 ones to its second.
TEST(IpfixCollector, ReplaysRecordedCaptureOverLoopback) {
  testing::CollectingNatSink sink;
  IpfixCollectorOptions o;
  o.listen = {"127.0.0.1:0", "127.0.0.1:0"};
  auto c = IpfixCollector::Start(o, &sink);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  auto payloads =
      testing::ReadUdpPayloads(std::string(NW_SOURCE_DIR) + "/tests/data/ipfix_nat/ipfix_nat.pcap");
  ASSERT_EQ(payloads.size(), 6u);
  for (const testing::UdpPayload& p : payloads) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons((*c)->port(p.dst_port == 4739 ? 0 : 1));
    ASSERT_EQ(
        sendto(fd, p.bytes.data(), p.bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
        static_cast<ssize_t>(p.bytes.size()));
    // Keep the order (templates before data): wait until the collector has taken this one.
    const uint64_t want = &p - payloads.data() + 1;
    for (int i = 0; i < 250 && (*c)->stats().messages < want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  close(fd);
  std::vector<record::NatRecord> got = sink.WaitFor(7);
  (*c)->Stop();
  ASSERT_EQ(got.size(), 7u);
  IpfixStats s = (*c)->stats();
  EXPECT_EQ(s.messages, 6u);
  EXPECT_EQ(s.nat_records, 7u);
  EXPECT_EQ(s.missing_template, 2u);  // NFv9 data before its template; IPFIX after withdrawal
  EXPECT_EQ(s.withdrawals, 1u);
  EXPECT_EQ(s.nat_other_events, 1u);  // natEvent 3, addresses exhausted

  // 1. NAT44 session create (IPFIX).
  EXPECT_EQ(got[0].source, "ipfix");
  EXPECT_EQ(got[0].ts, At("2026-11-22T10:00:01Z"));
  EXPECT_EQ(got[0].end_ts, 0);
  EXPECT_EQ(got[0].proto, "tcp");
  EXPECT_EQ(got[0].inside_ip, Ip("10.0.0.5"));
  EXPECT_EQ(got[0].inside_port, 40000);
  EXPECT_EQ(got[0].outside_ip, Ip("203.0.113.7"));
  EXPECT_EQ(got[0].outside_port, 1024);
  EXPECT_EQ(got[0].remote_ip, Ip("198.51.100.10"));
  EXPECT_EQ(got[0].remote_port, 443);
  // 2. Port block allocation.
  EXPECT_EQ(got[1].ts, At("2026-11-22T10:00:01.5Z"));
  EXPECT_EQ(got[1].inside_ip, Ip("100.64.0.9"));
  EXPECT_EQ(got[1].inside_port, 0);
  EXPECT_EQ(got[1].outside_ip, Ip("203.0.113.8"));
  EXPECT_EQ(got[1].outside_port, 2048);
  EXPECT_EQ(got[1].outside_port_end, 2303);
  EXPECT_TRUE(got[1].remote_ip.is_unspecified());
  // 3. The session's delete.
  EXPECT_EQ(got[2].end_ts, At("2026-11-22T10:00:31Z"));
  EXPECT_EQ(got[2].outside_port, 1024);
  // 4. The block's de-allocation an hour later.
  EXPECT_EQ(got[3].end_ts, At("2026-11-22T11:00:01.5Z"));
  EXPECT_EQ(got[3].outside_port_end, 2303);
  // 5. NAT64 session create: IPv6 inside, IPv4 outside and remote.
  EXPECT_EQ(got[4].proto, "udp");
  EXPECT_EQ(got[4].inside_ip, Ip("2001:db8::5"));
  EXPECT_EQ(got[4].inside_port, 5353);
  EXPECT_EQ(got[4].outside_ip, Ip("203.0.113.9"));
  EXPECT_EQ(got[4].outside_port, 3000);
  EXPECT_EQ(got[4].remote_ip, Ip("192.0.2.53"));
  EXPECT_EQ(got[4].remote_port, 53);
  // 6, 7. NetFlow v9 create and delete; the delete's times come from FIRST/LAST_SWITCHED.
  EXPECT_EQ(got[5].source, "nf9");
  EXPECT_EQ(got[5].ts, At("2026-11-22T10:00:02Z"));
  EXPECT_EQ(got[5].inside_ip, Ip("10.0.0.6"));
  EXPECT_EQ(got[5].outside_port, 1025);
  EXPECT_EQ(got[6].ts, At("2026-11-22T10:00:02Z"));
  EXPECT_EQ(got[6].end_ts, At("2026-11-22T10:00:04.5Z"));
}

TEST(IpfixCollector, BadListenAddress) {
  testing::CollectingNatSink sink;
  IpfixCollectorOptions o;
  o.listen = {"127.0.0.1:99999"};
  auto c = IpfixCollector::Start(o, &sink);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
  o.listen.clear();
  EXPECT_FALSE(IpfixCollector::Start(o, &sink).ok());
}

}  // namespace
}  // namespace netward::identity
