#include "flow/flow_key.h"

#include <gtest/gtest.h>

#include <set>

#include "flow_test_util.h"

namespace netward::flow {
namespace {

using testing::Tcp;
using testing::Udp;

TEST(FlowKeyTest, BothDirectionsGiveTheSameKey) {
  auto a = Tcp("10.0.0.2", 40000, "192.0.2.1", 80, 0, capture::kTcpSyn);
  auto b = Tcp("192.0.2.1", 80, "10.0.0.2", 40000, 0, capture::kTcpSyn | capture::kTcpAck);
  bool a_lower = false, b_lower = false;
  FlowKey ka = FlowKey::FromPacket(a, &a_lower);
  FlowKey kb = FlowKey::FromPacket(b, &b_lower);
  EXPECT_EQ(ka, kb);
  EXPECT_EQ(ka.Hash(), kb.Hash());
  EXPECT_NE(a_lower, b_lower);
  EXPECT_TRUE(a_lower);  // 10.0.0.2 < 192.0.2.1
  EXPECT_EQ(ka.lower_port, 40000);
  EXPECT_EQ(ka.upper_port, 80);
  EXPECT_EQ(SymmetricFlowHash(a), SymmetricFlowHash(b));
}

TEST(FlowKeyTest, SameAddressOrdersByPort) {
  auto a = Udp("127.0.0.1", 5000, "127.0.0.1", 53, 0);
  auto b = Udp("127.0.0.1", 53, "127.0.0.1", 5000, 0);
  bool a_lower = true, b_lower = false;
  EXPECT_EQ(FlowKey::FromPacket(a, &a_lower), FlowKey::FromPacket(b, &b_lower));
  EXPECT_FALSE(a_lower);
  EXPECT_TRUE(b_lower);
}

TEST(FlowKeyTest, Ipv6Works) {
  auto a = Tcp("2001:db8::1", 1234, "2001:db8::2", 443, 0, 0);
  auto b = Tcp("2001:db8::2", 443, "2001:db8::1", 1234, 0, 0);
  EXPECT_EQ(FlowKey::FromPacket(a, nullptr), FlowKey::FromPacket(b, nullptr));
  EXPECT_FALSE(FlowKey::FromPacket(a, nullptr).lower_ip.is_v4());
}

TEST(FlowKeyTest, VlansSeparateFlowsOnlyWhenAsked) {
  auto a = Udp("10.0.0.1", 1000, "10.0.0.2", 53, 0);
  auto b = a;
  b.vlan = 20;
  b.inner_vlan = 7;
  auto c = a;
  c.inner_vlan = 9;  // only the outer VLAN is part of the key
  EXPECT_FALSE(FlowKey::FromPacket(a, nullptr, true) == FlowKey::FromPacket(b, nullptr, true));
  EXPECT_NE(SymmetricFlowHash(a, true), SymmetricFlowHash(b, true));
  EXPECT_EQ(FlowKey::FromPacket(a, nullptr, true), FlowKey::FromPacket(c, nullptr, true));
  // By default (as in Zeek) a query tagged VLAN 34 and its answer tagged 47 are one flow.
  EXPECT_EQ(FlowKey::FromPacket(a, nullptr), FlowKey::FromPacket(b, nullptr));
  EXPECT_EQ(SymmetricFlowHash(a), SymmetricFlowHash(b));
}

TEST(FlowKeyTest, ProtocolAndPortsSeparateFlows) {
  auto udp = Udp("10.0.0.1", 1000, "10.0.0.2", 53, 0);
  auto tcp = Tcp("10.0.0.1", 1000, "10.0.0.2", 53, 0, 0);
  auto other_port = Udp("10.0.0.1", 1001, "10.0.0.2", 53, 0);
  EXPECT_FALSE(FlowKey::FromPacket(udp, nullptr) == FlowKey::FromPacket(tcp, nullptr));
  EXPECT_FALSE(FlowKey::FromPacket(udp, nullptr) == FlowKey::FromPacket(other_port, nullptr));
}

TEST(FlowKeyTest, HashSpreadsSequentialPorts) {
  // Low bits must spread (the probe shards by hash % workers).
  std::set<uint64_t> low;
  int buckets[4] = {};
  for (uint16_t port = 1024; port < 1024 + 4000; ++port) {
    auto p = Udp("10.0.0.1", port, "10.0.0.2", 53, 0);
    uint64_t h = SymmetricFlowHash(p);
    low.insert(h & 0xffff);
    ++buckets[h % 4];
  }
  EXPECT_GT(low.size(), 3800u);
  for (int b : buckets) EXPECT_GT(b, 850);
}

}  // namespace
}  // namespace netward::flow
