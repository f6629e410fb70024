#include "filter/inline_blocker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace netward::filter {
namespace {

capture::DecodedPacket Packet(const char* src, uint16_t sport, const char* dst, uint16_t dport,
                              uint8_t proto = capture::kIpProtoTcp) {
  capture::DecodedPacket p;
  p.src_ip = *IpAddress::Parse(src);
  p.dst_ip = *IpAddress::Parse(dst);
  p.src_port = sport;
  p.dst_port = dport;
  p.ip_proto = proto;
  p.tcp_flags = capture::kTcpAck;
  return p;
}

BlockRequest Request(BlockRequest::Kind kind = BlockRequest::Kind::kTcp) {
  BlockRequest r;
  r.kind = kind;
  r.client_ip = *IpAddress::Parse("10.0.0.2");
  r.server_ip = *IpAddress::Parse("10.0.1.1");
  r.client_port = 40000;
  r.server_port = kind == BlockRequest::Kind::kDns ? 53 : 80;
  return r;
}

TEST(InlineBlocker, DropsBothDirectionsOfBlockedFlowOnly) {
  InlineBlocker b(nullptr, {});
  const TimestampUs now = NowUs();
  auto c2s = Packet("10.0.0.2", 40000, "10.0.1.1", 80);
  auto s2c = Packet("10.0.1.1", 80, "10.0.0.2", 40000);
  EXPECT_FALSE(b.ShouldDrop(c2s, now));
  auto taken = b.Block(Request());
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(*taken, "nfqueue_drop");  // no injector: nothing sent
  EXPECT_EQ(b.blocked_flows(), 1u);
  EXPECT_TRUE(b.ShouldDrop(c2s, now));
  EXPECT_TRUE(b.ShouldDrop(s2c, now));
  EXPECT_FALSE(b.ShouldDrop(Packet("10.0.0.2", 40001, "10.0.1.1", 80), now));  // other port
  EXPECT_FALSE(b.ShouldDrop(Packet("10.0.0.2", 40000, "10.0.1.1", 80, capture::kIpProtoUdp), now));
  EXPECT_EQ(b.dropped_packets(), 2u);
}

TEST(InlineBlocker, DnsBlockMarksTheUdpFlow) {
  InlineBlocker b(nullptr, {});
  ASSERT_TRUE(b.Block(Request(BlockRequest::Kind::kDns)).ok());
  const TimestampUs now = NowUs();
  EXPECT_TRUE(b.ShouldDrop(Packet("10.0.1.1", 53, "10.0.0.2", 40000, capture::kIpProtoUdp), now));
  EXPECT_FALSE(b.ShouldDrop(Packet("10.0.1.1", 53, "10.0.0.2", 40000), now));  // TCP: other flow
}

TEST(InlineBlocker, MarkExpiresAfterHold) {
  InlineBlockerOptions o;
  o.hold = 5 * kUsPerSecond;
  InlineBlocker b(nullptr, o);
  ASSERT_TRUE(b.Block(Request()).ok());
  auto c2s = Packet("10.0.0.2", 40000, "10.0.1.1", 80);
  const TimestampUs now = NowUs();
  EXPECT_TRUE(b.ShouldDrop(c2s, now + 4 * kUsPerSecond));
  EXPECT_TRUE(b.ShouldDrop(c2s, now + 8 * kUsPerSecond));  // refreshed at +4 s
  EXPECT_FALSE(b.ShouldDrop(c2s, now + 20 * kUsPerSecond));
  EXPECT_EQ(b.blocked_flows(), 0u);
}

TEST(InlineBlocker, CapEvictsLeastRecentlySeen) {
  InlineBlockerOptions o;
  o.max_flows = 2;
  InlineBlocker b(nullptr, o);
  BlockRequest r = Request();
  for (uint16_t port : {1001, 1002, 1003}) {
    r.client_port = port;
    ASSERT_TRUE(b.Block(r).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct mark times
  }
  EXPECT_EQ(b.blocked_flows(), 2u);
  const TimestampUs now = NowUs();
  EXPECT_FALSE(b.ShouldDrop(Packet("10.0.0.2", 1001, "10.0.1.1", 80), now));
  EXPECT_TRUE(b.ShouldDrop(Packet("10.0.0.2", 1003, "10.0.1.1", 80), now));
}

}  // namespace
}  // namespace netward::filter
