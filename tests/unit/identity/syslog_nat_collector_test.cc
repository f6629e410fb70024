#include "identity/syslog_nat_collector.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "collecting_nat_sink.h"
#include "identity/syslog_nat_framer.h"

namespace netward::identity {
namespace {

using testing::CollectingNatSink;

std::vector<std::string> Frames(SyslogFramer* f, const std::vector<std::string>& chunks) {
  std::vector<std::string> out;
  for (const std::string& c : chunks) f->Feed(c, [&](std::string_view s) { out.emplace_back(s); });
  f->Finish([&](std::string_view s) { out.emplace_back(s); });
  return out;
}

TEST(SyslogFramer, OctetCountingAndLfMixedAcrossChunks) {
  SyslogFramer f(1024);
  // "10 <13>hello\n" counts the LF inside the frame; then an LF-framed line in two pieces.
  std::vector<std::string> got =
      Frames(&f, {"10 <13>hel", "lo\n\n<14>plain li", "ne\r\n5 <1>ab", "<15>tail"});
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], "<13>hello\n");
  EXPECT_EQ(got[1], "<14>plain line");
  EXPECT_EQ(got[2], "<1>ab");
  EXPECT_EQ(got[3], "<15>tail");  // delivered at Finish (no final LF)
  EXPECT_EQ(f.truncated(), 0u);
}

TEST(SyslogFramer, OverlongFramesAreCutAndCounted) {
  SyslogFramer f(8);
  std::vector<std::string> got =
      Frames(&f, {"21 <13>0123456789abcdefg", std::string(30, 'x') + "\n", "<1>ok\n"});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "<13>0123");
  EXPECT_EQ(got[1], "xxxxxxxx");
  EXPECT_EQ(got[2], "<1>ok");
  EXPECT_EQ(f.truncated(), 2u);
}

TEST(SyslogFramer, DigitsWithoutSpaceAreAPlainLine) {
  SyslogFramer f(64);
  std::vector<std::string> got = Frames(&f, {"123abc\n"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "123abc");
}

const char kAsaBuilt[] =
    "<166>Nov 22 2026 10:04:05: %ASA-6-305011: Built dynamic TCP translation from "
    "inside:10.1.1.10/51234 to outside:203.0.113.5/40001";
const char kPbaAlloc[] =
    "<134>Nov 22 10:04:06 mx-cgn {cgn}[jservices-nat]: JSERVICES_NAT_PORT_BLOCK_ALLOC: "
    "100.64.1.10 -> 203.0.113.1:2048-2303 0x6b02be15";

TEST(SyslogNatProcessor, CountsEveryOutcome) {
  CollectingNatSink sink;
  SyslogNatProcessor p(&sink, 0);
  const TimestampUs now = *ParseIso8601("2026-11-22T10:05:00Z");
  p.HandleDatagram(std::string(kAsaBuilt) + "\n" + kPbaAlloc + "\n", now);
  p.HandleLine("<13>Nov 22 10:00:00 host sshd[1]: Accepted password for root", now);
  p.HandleLine("%ASA-6-305011: Built dynamic TCP translation from garbage", now);
  SyslogNatStats s = p.stats();
  EXPECT_EQ(s.messages, 4u);
  EXPECT_EQ(s.mappings, 2u);
  EXPECT_EQ(s.unknown_format, 1u);
  EXPECT_EQ(s.malformed, 1u);
  EXPECT_EQ(s.no_timestamp, 1u);
  ASSERT_EQ(sink.records().size(), 2u);
  EXPECT_EQ(sink.records()[1].outside_port_end, 2303);
}

int Connect(int type, uint16_t port) {
  const int fd = socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(SyslogNatCollector, UdpAndTcpOnLoopback) {
  CollectingNatSink sink;
  SyslogNatOptions o;
  o.udp_listen = "127.0.0.1:0";
  o.tcp_listen = "127.0.0.1:0";
  auto c = SyslogNatCollector::Start(o, &sink);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_NE((*c)->udp_port(), 0);
  ASSERT_NE((*c)->tcp_port(), 0);

  const int u = Connect(SOCK_DGRAM, (*c)->udp_port());
  ASSERT_GE(u, 0);
  ASSERT_EQ(send(u, kAsaBuilt, sizeof kAsaBuilt - 1, 0),
            static_cast<ssize_t>(sizeof kAsaBuilt - 1));
  close(u);

  const int t = Connect(SOCK_STREAM, (*c)->tcp_port());
  ASSERT_GE(t, 0);
  std::string octet = std::to_string(sizeof kPbaAlloc - 1) + " " + kPbaAlloc;
  std::string stream = octet + "<13>Nov 22 10:00:00 host app: not nat\n";
  ASSERT_EQ(send(t, stream.data(), stream.size(), 0), static_cast<ssize_t>(stream.size()));
  close(t);

  std::vector<record::NatRecord> got = sink.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  for (int i = 0; i < 100 && (*c)->stats().messages < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  (*c)->Stop();
  SyslogNatStats s = (*c)->stats();
  EXPECT_EQ(s.messages, 3u);
  EXPECT_EQ(s.mappings, 2u);
  EXPECT_EQ(s.unknown_format, 1u);
  bool saw_asa = false, saw_pba = false;
  for (const record::NatRecord& r : got) {
    saw_asa |= r.outside_port == 40001 && r.inside_port == 51234;
    saw_pba |= r.outside_port == 2048 && r.outside_port_end == 2303;
  }
  EXPECT_TRUE(saw_asa);
  EXPECT_TRUE(saw_pba);
}

TEST(SyslogNatCollector, TcpConnectionCapAndBadAddress) {
  CollectingNatSink sink;
  SyslogNatOptions o;
  o.udp_listen = "";
  o.tcp_listen = "127.0.0.1:0";
  o.max_tcp_connections = 1;
  auto c = SyslogNatCollector::Start(o, &sink);
  ASSERT_TRUE(c.ok());
  const int a = Connect(SOCK_STREAM, (*c)->tcp_port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const int b = Connect(SOCK_STREAM, (*c)->tcp_port());
  for (int i = 0; i < 100 && (*c)->stats().connections_refused < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ((*c)->stats().connections_refused, 1u);
  close(a);
  close(b);

  o.tcp_listen = "not-an-address:514";
  auto bad = SyslogNatCollector::Start(o, &sink);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace netward::identity
