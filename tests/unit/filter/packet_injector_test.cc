#include "filter/packet_injector.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "capture/decoder.h"
#include "netns_pair.h"

namespace netward::filter {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// Sum of the pseudo-header and the L4 bytes: 0 after complement when the checksum is right.
uint16_t VerifyL4(const uint8_t* ip, bool v6, uint8_t proto, size_t l4_len) {
  std::vector<uint8_t> pseudo;
  if (v6) {
    pseudo.assign(ip + 8, ip + 40);
  } else {
    pseudo.assign(ip + 12, ip + 20);
  }
  pseudo.push_back(0);
  pseudo.push_back(proto);
  pseudo.push_back(static_cast<uint8_t>(l4_len >> 8));
  pseudo.push_back(static_cast<uint8_t>(l4_len));
  const uint8_t* l4 = ip + (v6 ? 40 : 20);
  pseudo.insert(pseudo.end(), l4, l4 + l4_len);
  return InternetChecksum(pseudo);
}

capture::DecodedPacket Decode(capture::Decoder& d, std::span<const uint8_t> frame) {
  capture::RawPacket raw;
  raw.data = frame.data();
  raw.caplen = raw.wirelen = static_cast<uint32_t>(frame.size());
  raw.linktype = capture::kLinkEthernet;
  capture::DecodedPacket p;
  EXPECT_EQ(d.Decode(raw, &p), capture::DecodeResult::kPacket);
  return p;
}

TEST(InternetChecksum, Rfc1071Example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded).
  const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(InternetChecksum(data), static_cast<uint16_t>(~0xddf2));
  const uint8_t odd[] = {0x01};  // an odd byte is padded with zero: 0x0100
  EXPECT_EQ(InternetChecksum(odd), static_cast<uint16_t>(~0x0100));
}

TEST(BuildTcpFrame, Ipv4WithVlanDecodesAndChecksumsVerify) {
  FrameL2 l2{testing::kMacA, testing::kMacB, 42};
  const std::string body = "odd-length payload!";
  ForgedPacket p;
  p.src_ip = Ip("10.1.2.3");
  p.dst_ip = Ip("192.168.7.9");
  p.src_port = 80;
  p.dst_port = 51000;
  p.seq = 0xfffffff0u;
  p.ack = 12345;
  p.tcp_flags = capture::kTcpPsh | capture::kTcpAck;
  p.window = 512;
  p.payload = {reinterpret_cast<const uint8_t*>(body.data()), body.size()};
  std::array<uint8_t, kMaxForgedFrame> frame;
  size_t n = BuildTcpFrame(l2, p, frame);
  ASSERT_EQ(n, 18u + 20 + 20 + body.size());
  EXPECT_EQ(Get16(&frame[12]), 0x8100);
  EXPECT_EQ(Get16(&frame[14]), 42);
  const uint8_t* ip = &frame[18];
  EXPECT_EQ(InternetChecksum({ip, 20}), 0) << "IPv4 header checksum";
  EXPECT_EQ(VerifyL4(ip, false, 6, 20 + body.size()), 0) << "TCP checksum";

  capture::Decoder d;
  auto dp = Decode(d, {frame.data(), n});
  EXPECT_EQ(dp.src_ip, p.src_ip);
  EXPECT_EQ(dp.dst_ip, p.dst_ip);
  EXPECT_EQ(dp.src_port, 80);
  EXPECT_EQ(dp.dst_port, 51000);
  EXPECT_EQ(dp.tcp_seq, 0xfffffff0u);
  EXPECT_EQ(dp.tcp_ack, 12345u);
  EXPECT_EQ(dp.tcp_flags, capture::kTcpPsh | capture::kTcpAck);
  EXPECT_EQ(dp.vlan, 42);
  ASSERT_EQ(dp.payload_len, body.size());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(dp.payload), dp.payload_len), body);
  EXPECT_EQ(0, std::memcmp(dp.dst_mac, testing::kMacA.data(), 6));
  EXPECT_EQ(0, std::memcmp(dp.src_mac, testing::kMacB.data(), 6));
}

TEST(BuildTcpFrame, Ipv6RstChecksumVerifies) {
  ForgedPacket p;
  p.src_ip = Ip("fd77::2");
  p.dst_ip = Ip("fd77::1");
  p.src_port = 443;
  p.dst_port = 40000;
  p.seq = 7;
  p.tcp_flags = capture::kTcpRst | capture::kTcpAck;
  std::array<uint8_t, kMaxForgedFrame> frame;
  size_t n = BuildTcpFrame({testing::kMacA, testing::kMacB, 0}, p, frame);
  ASSERT_EQ(n, 14u + 40 + 20);
  EXPECT_EQ(Get16(&frame[12]), 0x86dd);
  EXPECT_EQ(VerifyL4(&frame[14], true, 6, 20), 0);
  capture::Decoder d;
  auto dp = Decode(d, {frame.data(), n});
  EXPECT_EQ(dp.tcp_flags, capture::kTcpRst | capture::kTcpAck);
  EXPECT_EQ(dp.src_ip, p.src_ip);
}

TEST(BuildUdpFrame, ChecksumVerifiesAndZeroSumIsSentAsFfff) {
  const uint8_t payload[] = {1, 2, 3, 4, 5};
  ForgedPacket p;
  p.src_ip = Ip("10.77.0.2");
  p.dst_ip = Ip("10.77.0.1");
  p.src_port = 53;
  p.dst_port = 33333;
  p.payload = payload;
  std::array<uint8_t, kMaxForgedFrame> frame;
  size_t n = BuildUdpFrame({testing::kMacA, testing::kMacB, 0}, p, frame);
  ASSERT_EQ(n, 14u + 20 + 8 + 5);
  EXPECT_EQ(Get16(&frame[14 + 20 + 4]), 13);  // UDP length
  EXPECT_NE(Get16(&frame[14 + 20 + 6]), 0);   // a checksum is always present
  EXPECT_EQ(VerifyL4(&frame[14], false, 17, 13), 0);
  capture::Decoder d;
  auto dp = Decode(d, {frame.data(), n});
  EXPECT_EQ(dp.ip_proto, capture::kIpProtoUdp);
  EXPECT_EQ(dp.dst_port, 33333);
  EXPECT_EQ(dp.payload_len, 5u);
}

TEST(BuildFrame, RefusesMixedFamiliesAndSmallBuffers) {
  ForgedPacket p;
  p.src_ip = Ip("10.0.0.1");
  p.dst_ip = Ip("fd00::1");
  std::array<uint8_t, kMaxForgedFrame> frame;
  EXPECT_EQ(BuildTcpFrame({}, p, frame), 0u);
  EXPECT_EQ(BuildUdpFrame({}, p, frame), 0u);
  p.dst_ip = Ip("10.0.0.2");
  std::array<uint8_t, 53> small;  // one byte short of Ethernet + IPv4 + TCP
  EXPECT_EQ(BuildTcpFrame({}, p, small), 0u);
  std::array<uint8_t, 54> exact;
  EXPECT_EQ(BuildTcpFrame({}, p, exact), 54u);
}

TEST(PacketInjector, OpenErrors) {
  auto empty = PacketInjector::Open("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Status::Code::kInvalidArgument);
  auto missing = PacketInjector::Open("nw-no-such-if0");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound) << missing.status().ToString();
}

// A frame sent into one end of a veth arrives, byte for byte, at the other end.
TEST(PacketInjector, FrameCrossesVethPair) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, AF_PACKET)";
  if (testing::NetnsPair::Sh("command -v ip >/dev/null 2>&1") != 0) GTEST_SKIP() << "ip missing";
  testing::NetnsPair ns("inj");
  ASSERT_TRUE(ns.Setup());
  std::unique_ptr<PacketInjector> injector;
  int rx = -1;
  ASSERT_TRUE(testing::NetnsPair::InNs(ns.b(), [&] {
    auto inj = PacketInjector::Open("vb");
    if (inj.ok()) injector = std::move(*inj);
  }));
  ASSERT_TRUE(injector);
  ASSERT_TRUE(testing::NetnsPair::InNs(ns.a(), [&] {
    rx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    struct sockaddr_ll sll = {};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(if_nametoindex("va"));
    if (bind(rx, reinterpret_cast<struct sockaddr*>(&sll), sizeof(sll)) != 0) {
      close(rx);
      rx = -1;
    }
  }));
  ASSERT_GE(rx, 0);
  struct timeval tv = {2, 0};
  setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

  const uint8_t payload[] = {'n', 'w', '-', 'i', 'n', 'j'};
  ForgedPacket p;
  p.src_ip = Ip("10.77.0.2");
  p.dst_ip = Ip("10.77.0.1");
  p.src_port = 9;  // discard: nothing listens, the frame is only observed
  p.dst_port = 9;
  p.payload = payload;
  std::array<uint8_t, kMaxForgedFrame> frame;
  size_t n = BuildUdpFrame({testing::kMacA, testing::kMacB, 0}, p, frame);
  ASSERT_TRUE(injector->Send({frame.data(), n}).ok());
  EXPECT_EQ(injector->stats().sent, 1u);

  bool seen = false;
  uint8_t buf[2048];
  for (int i = 0; i < 20 && !seen; ++i) {  // skip unrelated frames (IPv6 ND, ...)
    ssize_t got = recv(rx, buf, sizeof(buf), 0);
    if (got <= 0) break;
    seen = static_cast<size_t>(got) == n && std::memcmp(buf, frame.data(), n) == 0;
  }
  close(rx);
  EXPECT_TRUE(seen) << "forged frame not received on the peer interface";
}

// Routed (inline) mode: the link header is stripped and the kernel routes the IP packet; a real
// UDP socket on the other side receives it, so the UDP checksum was right.
TEST(PacketInjector, RoutedSendReachesSocketAcrossVeth) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, raw sockets)";
  if (testing::NetnsPair::Sh("command -v ip >/dev/null 2>&1") != 0) GTEST_SKIP() << "ip missing";
  testing::NetnsPair ns("injr");
  ASSERT_TRUE(ns.Setup());
  std::unique_ptr<PacketInjector> injector;
  int rx = -1;
  ASSERT_TRUE(testing::NetnsPair::InNs(ns.b(), [&] {
    auto inj = PacketInjector::OpenRouted();
    if (inj.ok()) injector = std::move(*inj);
  }));
  ASSERT_TRUE(injector);
  EXPECT_EQ(injector->interface(), "routed");
  ASSERT_TRUE(testing::NetnsPair::InNs(ns.a(), [&] {
    rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin = {};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(7777);
    inet_pton(AF_INET, "10.77.0.1", &sin.sin_addr);
    if (bind(rx, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0) {
      close(rx);
      rx = -1;
    }
  }));
  ASSERT_GE(rx, 0);
  struct timeval tv = {2, 0};
  setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const uint8_t payload[] = {'r', 'o', 'u', 't', 'e', 'd'};
  ForgedPacket p;
  p.src_ip = Ip("10.77.0.2");
  p.dst_ip = Ip("10.77.0.1");
  p.src_port = 5555;
  p.dst_port = 7777;
  p.payload = payload;
  std::array<uint8_t, kMaxForgedFrame> frame;
  size_t n = BuildUdpFrame({{}, {}, 5}, p, frame);  // MACs unused; a VLAN tag is skipped too
  ASSERT_GT(n, 0u);
  Status sent = injector->Send({frame.data(), n});
  ASSERT_TRUE(sent.ok()) << sent.ToString();
  char buf[32];
  sockaddr_in from = {};
  socklen_t from_len = sizeof(from);
  ssize_t got = recvfrom(rx, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
  close(rx);
  ASSERT_EQ(got, 6);
  EXPECT_EQ(std::string(buf, 6), "routed");
  EXPECT_EQ(ntohs(from.sin_port), 5555);
}

}  // namespace
}  // namespace netward::filter
