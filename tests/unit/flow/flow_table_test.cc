#include "flow/flow_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "flow_test_util.h"

namespace netward::flow {
namespace {

using capture::kTcpAck;
using capture::kTcpFin;
using capture::kTcpRst;
using capture::kTcpSyn;
using testing::Bytes;
using testing::CollectingReceiver;
using testing::Tcp;
using testing::Udp;

constexpr TimestampUs kS = kUsPerSecond;

struct Closed {
  std::string client;
  uint16_t client_port;
  CloseReason reason;
  uint64_t packets;
};

class RecordingObserver : public FlowObserver {
 public:
  void OnFlowClose(Flow& flow, CloseReason reason) override {
    closed.push_back({flow.client_ip().ToString(), flow.client_port(), reason,
                      flow.packets[0] + flow.packets[1]});
  }
  std::vector<Closed> closed;
};

class FlowTableTest : public ::testing::Test {
 protected:
  Flow* Track(const capture::DecodedPacket& p) { return table_->Track(p, &dir_, &created_); }
  void Make(FlowTableOptions o) { table_ = std::make_unique<FlowTable>(o, &obs_); }
  void SetUp() override { Make(FlowTableOptions{}); }

  RecordingObserver obs_;
  std::unique_ptr<FlowTable> table_;
  int dir_ = -1;
  bool created_ = false;
};

TEST_F(FlowTableTest, SynSenderIsClient) {
  Flow* f = Track(Tcp("192.0.2.9", 80, "10.0.0.1", 40000, 0, kTcpSyn));  // odd but explicit
  EXPECT_TRUE(created_);
  EXPECT_EQ(dir_, 0);
  EXPECT_EQ(f->client_ip().ToString(), "192.0.2.9");
  EXPECT_EQ(f->client_port(), 80);
  EXPECT_EQ(f->server_port(), 40000);
  Flow* g = Track(Tcp("10.0.0.1", 40000, "192.0.2.9", 80, 1, kTcpSyn | kTcpAck));
  EXPECT_EQ(f, g);
  EXPECT_FALSE(created_);
  EXPECT_EQ(dir_, 1);
  EXPECT_EQ(f->tcp_state[0], kFlowSyn);
  EXPECT_EQ(f->tcp_state[1], kFlowSynAck);
}

TEST_F(FlowTableTest, SynAckSenderIsServer) {
  Flow* f = Track(Tcp("10.0.0.1", 443, "10.0.0.2", 50000, 0, kTcpSyn | kTcpAck));
  EXPECT_EQ(dir_, 1);
  EXPECT_EQ(f->client_ip().ToString(), "10.0.0.2");
  EXPECT_EQ(f->server_ip().ToString(), "10.0.0.1");
  EXPECT_EQ(f->server_port(), 443);
}

TEST_F(FlowTableTest, MidstreamFirstSenderIsClient) {
  Flow* f = Track(Tcp("10.0.0.5", 5000, "10.0.0.1", 6000, 0, kTcpAck));
  EXPECT_EQ(dir_, 0);
  EXPECT_EQ(f->client_ip().ToString(), "10.0.0.5");
}

TEST_F(FlowTableTest, MidstreamFromWellKnownPortIsServer) {
  Flow* f = Track(Tcp("10.0.0.1", 80, "10.0.0.5", 5000, 0, kTcpAck));
  EXPECT_EQ(dir_, 1);
  EXPECT_EQ(f->client_ip().ToString(), "10.0.0.5");
  EXPECT_EQ(f->server_port(), 80);
}

TEST_F(FlowTableTest, ServerOnlyPortMakesTheReceiverTheClient) {
  // A DHCP server (67) answering a client (68): both ports are below 1024.
  Flow* f = Track(Udp("128.2.6.152", 67, "128.2.6.189", 68, 0));
  EXPECT_EQ(dir_, 1);
  EXPECT_EQ(f->client_ip().ToString(), "128.2.6.189");
  EXPECT_EQ(f->server_port(), 67);
  Flow* g = Track(Udp("10.0.0.9", 68, "10.0.0.1", 67, 0));
  EXPECT_EQ(g->client_port(), 68);
}

TEST_F(FlowTableTest, UdpClientDetection) {
  Flow* q = Track(Udp("10.0.0.5", 33333, "8.8.8.8", 53, 0));
  EXPECT_EQ(q->client_ip().ToString(), "10.0.0.5");
  Flow* a = Track(Udp("8.8.4.4", 53, "10.0.0.5", 44444, 0));  // answer seen first
  EXPECT_EQ(dir_, 1);
  EXPECT_EQ(a->client_ip().ToString(), "10.0.0.5");
  EXPECT_EQ(a->client_port(), 44444);
  Flow* both_low = Track(Udp("10.0.0.7", 123, "10.0.0.8", 123, 0));  // NTP: first sender
  EXPECT_EQ(both_low->client_ip().ToString(), "10.0.0.7");
}

TEST_F(FlowTableTest, CountersMacAndTimestamps) {
  auto p = Udp("10.0.0.5", 33333, "8.8.8.8", 53, 10 * kS);
  p.has_mac = true;
  p.ip_len = 60;
  uint8_t mac[6] = {1, 2, 3, 4, 5, 6};
  std::copy_n(mac, 6, p.src_mac);
  Track(p);
  auto r = Udp("8.8.8.8", 53, "10.0.0.5", 33333, 11 * kS);
  r.ip_len = 200;
  r.has_mac = true;
  Flow* f = Track(r);
  EXPECT_EQ(f->bytes[0], 60u);
  EXPECT_EQ(f->bytes[1], 200u);
  EXPECT_EQ(f->packets[0], 1u);
  EXPECT_EQ(f->packets[1], 1u);
  EXPECT_EQ(f->first_ts, 10 * kS);
  EXPECT_EQ(f->last_ts, 11 * kS);
  ASSERT_TRUE(f->has_client_mac);
  EXPECT_EQ(f->client_mac[5], 6);
  // A late (reordered) packet does not move last_ts back.
  Track(Udp("10.0.0.5", 33333, "8.8.8.8", 53, 5 * kS));
  EXPECT_EQ(f->last_ts, 11 * kS);
}

TEST_F(FlowTableTest, ClientMacFromReplyWhenReplyCarriesIt) {
  Track(Udp("10.0.0.5", 33333, "8.8.8.8", 53, 0));  // no MAC (e.g. raw IP link)
  auto r = Udp("8.8.8.8", 53, "10.0.0.5", 33333, 1);
  r.has_mac = true;
  r.dst_mac[0] = 0xaa;
  Flow* f = Track(r);
  ASSERT_TRUE(f->has_client_mac);
  EXPECT_EQ(f->client_mac[0], 0xaa);
}

TEST_F(FlowTableTest, IdleTimeoutsPerProtocol) {
  Track(Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 0, kTcpSyn));
  Track(Udp("10.0.0.1", 1000, "10.0.0.2", 53, 0));
  auto icmp = testing::Packet("10.0.0.1", 0, "10.0.0.2", 0, capture::kIpProtoIcmp, 0);
  Track(icmp);
  EXPECT_EQ(table_->size(), 3u);
  table_->Expire(29 * kS);
  EXPECT_EQ(table_->size(), 3u);
  table_->Expire(30 * kS);  // other: 30 s
  EXPECT_EQ(table_->size(), 2u);
  table_->Expire(60 * kS);  // udp: 60 s
  EXPECT_EQ(table_->size(), 1u);
  table_->Expire(299 * kS);
  EXPECT_EQ(table_->size(), 1u);
  table_->Expire(300 * kS);  // tcp: 300 s
  EXPECT_EQ(table_->size(), 0u);
  ASSERT_EQ(obs_.closed.size(), 3u);
  for (const Closed& c : obs_.closed) EXPECT_EQ(c.reason, CloseReason::kIdleTimeout);
  EXPECT_EQ(table_->stats().closed[static_cast<int>(CloseReason::kIdleTimeout)], 3u);
}

TEST_F(FlowTableTest, ActivityPostponesIdleTimeout) {
  Track(Udp("10.0.0.1", 1000, "10.0.0.2", 53, 0));
  Track(Udp("10.0.0.3", 1000, "10.0.0.2", 53, 10 * kS));
  Track(Udp("10.0.0.2", 53, "10.0.0.1", 1000, 50 * kS));  // first flow active again
  table_->Expire(70 * kS);
  ASSERT_EQ(obs_.closed.size(), 1u);
  EXPECT_EQ(obs_.closed[0].client, "10.0.0.3");
  table_->Expire(110 * kS);
  EXPECT_EQ(obs_.closed.size(), 2u);
}

TEST_F(FlowTableTest, FinBothWaysLingersThenCloses) {
  Track(Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 0, kTcpSyn));
  Track(Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 1 * kS, kTcpAck | kTcpFin));
  Flow* f = Track(Tcp("10.0.0.2", 80, "10.0.0.1", 1000, 2 * kS, kTcpAck | kTcpFin));
  EXPECT_TRUE(f->tcp_finished());
  EXPECT_FALSE(f->tcp_reset());
  table_->Expire(6 * kS);
  EXPECT_EQ(table_->size(), 1u);
  Track(Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 3 * kS, kTcpAck));  // straggler extends linger
  table_->Expire(7 * kS);
  EXPECT_EQ(table_->size(), 1u);
  table_->Expire(8 * kS);
  EXPECT_EQ(table_->size(), 0u);
  ASSERT_EQ(obs_.closed.size(), 1u);
  EXPECT_EQ(obs_.closed[0].reason, CloseReason::kFin);
  EXPECT_EQ(obs_.closed[0].packets, 4u);
}

TEST_F(FlowTableTest, RstWithZeroLingerClosesAtNextExpire) {
  FlowTableOptions o;
  o.tcp_closed_timeout = 0;
  Make(o);
  Track(Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 0, kTcpSyn));
  Flow* f = Track(Tcp("10.0.0.2", 80, "10.0.0.1", 1000, 1 * kS, kTcpRst));
  EXPECT_TRUE(f->tcp_finished());
  EXPECT_TRUE(f->tcp_reset());
  table_->Expire(1 * kS);
  ASSERT_EQ(obs_.closed.size(), 1u);
  EXPECT_EQ(obs_.closed[0].reason, CloseReason::kRst);
}

TEST_F(FlowTableTest, ProbeMayCloseFinishedFlowAtOnce) {
  Track(Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 0, kTcpSyn));
  Flow* f = Track(Tcp("10.0.0.2", 80, "10.0.0.1", 1000, 1, kTcpRst | kTcpAck));
  table_->Close(f, CloseReason::kRst);
  EXPECT_EQ(table_->size(), 0u);
  EXPECT_EQ(obs_.closed.size(), 1u);
}

TEST_F(FlowTableTest, NewSynReusesFinishedFourTuple) {
  Track(Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 0, kTcpSyn));
  Track(Tcp("10.0.0.2", 80, "10.0.0.1", 1000, 1, kTcpRst));
  Flow* f = Track(Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 2, kTcpSyn));
  EXPECT_TRUE(created_);
  EXPECT_EQ(f->packets[0], 1u);
  ASSERT_EQ(obs_.closed.size(), 1u);
  EXPECT_EQ(obs_.closed[0].reason, CloseReason::kRst);
  EXPECT_EQ(table_->stats().port_reuse, 1u);
}

TEST_F(FlowTableTest, ActiveTimeoutSnapshotsAndKeepsFlow) {
  FlowTableOptions o;
  o.active_timeout = 100 * kS;
  Make(o);
  for (int t = 0; t <= 250; t += 10) {
    Track(Tcp("10.0.0.1", 1000, "10.0.0.2", 80, t * kS, kTcpAck));
    table_->Expire(t * kS);
  }
  ASSERT_EQ(obs_.closed.size(), 2u);  // at 100 s and 200 s
  EXPECT_EQ(obs_.closed[0].reason, CloseReason::kActiveTimeout);
  EXPECT_EQ(obs_.closed[0].packets, 11u);  // 0..100 s inclusive
  EXPECT_EQ(obs_.closed[1].packets, 10u);  // 110..200 s
  EXPECT_EQ(table_->size(), 1u);
  EXPECT_EQ(table_->stats().active_timeouts, 2u);
  table_->CloseAll(CloseReason::kEof);
  ASSERT_EQ(obs_.closed.size(), 3u);
  EXPECT_EQ(obs_.closed[2].reason, CloseReason::kEof);
  EXPECT_EQ(obs_.closed[2].packets, 5u);  // 210..250 s
  EXPECT_EQ(CloseReasonName(CloseReason::kActiveTimeout), "timeout");
  EXPECT_EQ(CloseReasonName(CloseReason::kEof), "eof");
}

TEST_F(FlowTableTest, EvictsLeastRecentlyUsedWhenFull) {
  FlowTableOptions o;
  o.max_flows = 3;
  Make(o);
  Track(Udp("10.0.0.1", 1000, "10.0.0.9", 53, 1));
  Track(Tcp("10.0.0.2", 1000, "10.0.0.9", 80, 2, kTcpSyn));
  Track(Udp("10.0.0.3", 1000, "10.0.0.9", 53, 3));
  Track(Udp("10.0.0.9", 53, "10.0.0.1", 1000, 4));  // 10.0.0.1 is recent again
  Track(Udp("10.0.0.4", 1000, "10.0.0.9", 53, 5));  // full: evicts 10.0.0.2 (TCP, oldest)
  EXPECT_EQ(table_->size(), 3u);
  ASSERT_EQ(obs_.closed.size(), 1u);
  EXPECT_EQ(obs_.closed[0].client, "10.0.0.2");
  EXPECT_EQ(obs_.closed[0].reason, CloseReason::kEvicted);
  Track(Udp("10.0.0.5", 1000, "10.0.0.9", 53, 6));  // evicts 10.0.0.3
  EXPECT_EQ(obs_.closed[1].client, "10.0.0.3");
  EXPECT_EQ(table_->stats().evicted, 2u);
  EXPECT_EQ(table_->stats().created, 5u);
}

TEST_F(FlowTableTest, EvictionPrefersFinishedFlows) {
  FlowTableOptions o;
  o.max_flows = 2;
  Make(o);
  Track(Udp("10.0.0.1", 1000, "10.0.0.9", 53, 1));
  Track(Tcp("10.0.0.2", 1000, "10.0.0.9", 80, 2, kTcpRst));
  Track(Udp("10.0.0.3", 1000, "10.0.0.9", 53, 3));
  ASSERT_EQ(obs_.closed.size(), 1u);
  EXPECT_EQ(obs_.closed[0].client, "10.0.0.2");
}

TEST_F(FlowTableTest, ManyFlowsInsertFindAndRemove) {
  // Exercises probing and backward-shift deletion with a small, busy table.
  FlowTableOptions o;
  o.max_flows = 1000;
  o.udp_idle_timeout = 10;
  Make(o);
  for (int round = 0; round < 5; ++round) {
    for (uint16_t i = 0; i < 1000; ++i) {
      auto p =
          Udp("10.0.0.1", static_cast<uint16_t>(1024 + i), "10.0.0.2", 53, round * 100 + i % 7);
      Flow* f = Track(p);
      ASSERT_TRUE(created_);
      ASSERT_EQ(f->client_port(), 1024 + i);
    }
    EXPECT_EQ(table_->size(), 1000u);
    for (uint16_t i = 0; i < 1000; i += 3) {  // all still findable
      auto p = Udp("10.0.0.2", 53, "10.0.0.1", static_cast<uint16_t>(1024 + i), round * 100 + 7);
      Track(p);
      ASSERT_FALSE(created_);
      ASSERT_EQ(dir_, 1);
    }
    table_->Expire(round * 100 + 16);  // expires those not touched again
    EXPECT_EQ(table_->size(), 334u);
    table_->CloseAll(CloseReason::kEof);
    EXPECT_EQ(table_->size(), 0u);
  }
  EXPECT_EQ(table_->stats().evicted, 0u);
}

class StreamToString : public testing::CollectingReceiver {};

TEST_F(FlowTableTest, TcpSegmentsReachBothStreams) {
  StreamToString rx;
  auto syn = Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 0, kTcpSyn);
  syn.tcp_seq = 100;
  Flow* f = Track(syn);
  table_->AddTcpSegment(f, dir_, syn, &rx);
  auto synack = Tcp("10.0.0.2", 80, "10.0.0.1", 1000, 1, kTcpSyn | kTcpAck);
  synack.tcp_seq = 5000;
  f = Track(synack);
  table_->AddTcpSegment(f, dir_, synack, &rx);
  std::string req = "GET / HTTP/1.1\r\n\r\n";
  auto data = Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 2, kTcpAck | capture::kTcpPsh);
  data.tcp_seq = 101;
  data.payload = reinterpret_cast<const uint8_t*>(req.data());
  data.payload_len = data.payload_wire_len = static_cast<uint32_t>(req.size());
  f = Track(data);
  table_->AddTcpSegment(f, dir_, data, &rx);
  std::string resp = "HTTP/1.1 200 OK\r\n";
  auto back = Tcp("10.0.0.2", 80, "10.0.0.1", 1000, 3, kTcpAck);
  back.tcp_seq = 5001;
  back.payload = reinterpret_cast<const uint8_t*>(resp.data());
  back.payload_len = 5;  // snaplen cut the rest
  back.payload_wire_len = static_cast<uint32_t>(resp.size());
  f = Track(back);
  table_->AddTcpSegment(f, dir_, back, &rx);
  EXPECT_EQ(rx.out[0], req);
  EXPECT_EQ(rx.out[1], "HTTP/" + std::string(resp.size() - 5, '?'));
}

// Closes flows with buffered out-of-order data: the observer may flush them, and whatever is left
// returns to the table's budget.
class FlushingObserver : public FlowObserver {
 public:
  void OnFlowClose(Flow& flow, CloseReason) override {
    if (flush) flow.stream(0).Flush(&rx, 0);
  }
  bool flush = true;
  testing::CollectingReceiver rx;
};

TEST(FlowTableReassemblyTest, CloseFlushesOrDropsBufferedData) {
  FlushingObserver obs;
  FlowTable table(FlowTableOptions{}, &obs);
  int dir;
  bool created;
  std::string hole_after = "later";
  for (int i = 0; i < 2; ++i) {
    obs.flush = i == 0;
    auto p = Tcp("10.0.0.1", static_cast<uint16_t>(1000 + i), "10.0.0.2", 80, 0, kTcpAck);
    p.tcp_seq = 1;
    p.payload = reinterpret_cast<const uint8_t*>(hole_after.data());
    p.payload_len = p.payload_wire_len = 5;
    Flow* f = table.Track(p, &dir, &created);
    table.AddTcpSegment(f, dir, p, nullptr);
    p.tcp_seq = 20;
    table.AddTcpSegment(f, dir, p, nullptr);
    EXPECT_EQ(table.stats().reassembly.buffered_bytes, kReassemblyBlockSize);
    table.Close(f, CloseReason::kEof);
    EXPECT_EQ(table.stats().reassembly.buffered_bytes, 0u);
  }
  EXPECT_EQ(obs.rx.out[0], std::string(14, '?') + "later");
  EXPECT_EQ(table.stats().reassembly.dropped_bytes, 5u);
}

TEST(FlowTableReassemblyTest, GlobalCapSharedByFlows) {
  FlowTableOptions o;
  o.reassembly_global_cap = 4 * kReassemblyBlockSize;
  FlowTable table(o, nullptr);
  int dir;
  bool created;
  std::string x = "x";
  for (uint16_t i = 0; i < 8; ++i) {
    auto p = Tcp("10.0.0.1", static_cast<uint16_t>(1000 + i), "10.0.0.2", 80, 0, kTcpAck);
    p.payload = reinterpret_cast<const uint8_t*>(x.data());
    p.payload_len = p.payload_wire_len = 1;
    p.tcp_seq = 1;
    Flow* f = table.Track(p, &dir, &created);
    table.AddTcpSegment(f, dir, p, nullptr);
    p.tcp_seq = 10;  // out of order
    table.AddTcpSegment(f, dir, p, nullptr);
  }
  EXPECT_EQ(table.stats().reassembly.buffered_bytes, 4 * kReassemblyBlockSize);
  EXPECT_EQ(table.stats().reassembly.global_cap_hits, 4u);
  EXPECT_EQ(table.stats().reassembly.gaps, 4u);
  table.CloseAll(CloseReason::kEof);
  EXPECT_EQ(table.stats().reassembly.buffered_bytes, 0u);
}

TEST(FlowSizeTest, FlowIsCompact) { EXPECT_LE(sizeof(Flow), 256u); }

}  // namespace
}  // namespace netward::flow
