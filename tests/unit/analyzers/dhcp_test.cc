#include "analyzers/dhcp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analyzer_test_util.h"
#include "analyzers/dhcp_transactions.h"
#include "analyzers/registry.h"

namespace netward::analyzers {
namespace {

using testing::AnalyzerHarness;
using testing::FromHex;
using testing::ParseLines;

// dhcp_ack_subscriber_id_and_agent_remote_id.pcap (Zeek corpus): an ACK for 192.168.0.10 with
// option 82 (circuit-id "this is only a test...", remote-id 0x13, subscriber-id "-subID-").
const char kCorpusAck[] =
    "0201060000003d110000000000000000c0a8000a0000000000000000000a2800fa42000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000638253633501053a04000007083b0400000c2e330400000e1036040a0a00010104ffffff00522401"
    "1674686973206973206f6e6c79206120746573742e2e2e02011306072d73756249442dff00000000000000000000"
    "000000000000000000000000000000";

struct Bootp {
  uint8_t op = 1;
  uint32_t xid = 0x1234;
  std::string chaddr = std::string("\x02\x00\x00\x00\x00\x01", 6);
  std::string ciaddr = std::string(4, '\0');
  std::string yiaddr = std::string(4, '\0');
  std::string giaddr = std::string(4, '\0');
  std::string file = std::string(128, '\0');
  std::string options;  // after the cookie, END appended

  Bootp& Opt(uint8_t code, const std::string& value) {
    options += static_cast<char>(code);
    options += static_cast<char>(value.size());
    options += value;
    return *this;
  }
  std::string Bytes() const {
    std::string m(236, '\0');
    m[0] = static_cast<char>(op);
    m[1] = 1;
    m[2] = static_cast<char>(chaddr.size());
    for (int i = 0; i < 4; ++i) m[4 + i] = static_cast<char>(xid >> (24 - 8 * i));
    m.replace(12, 4, ciaddr);
    m.replace(16, 4, yiaddr);
    m.replace(24, 4, giaddr);
    m.replace(28, chaddr.size(), chaddr);
    m.replace(108, 128, file);
    return m + std::string("\x63\x82\x53\x63", 4) + options + "\xff";
  }
};

std::string V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                     static_cast<char>(d)};
}
std::string Type(uint8_t t) { return std::string(1, static_cast<char>(t)); }

class DhcpTest : public ::testing::Test {
 protected:
  void SetUp() override { detail::DhcpTransactions::Shared().Clear(); }
};

TEST_F(DhcpTest, CorpusAckIsALeaseWithAgentCircuitId) {
  AnalyzerHarness h(17, 68, 67);
  auto a = NewDhcpAnalyzer();
  h.Deliver(*a, Direction::kToServer, FromHex(kCorpusAck));
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["event"], "lease");
  EXPECT_EQ(recs[0]["source"], "dhcp");
  EXPECT_EQ(recs[0]["ip"], "192.168.0.10");
  EXPECT_EQ(recs[0]["mac"], "00:0a:28:00:fa:42");
  EXPECT_EQ(recs[0]["duration_s"], 3600);
  EXPECT_EQ(recs[0]["session_id"], "00003d11");
  EXPECT_EQ(recs[0]["calling_id"], "this is only a test...");
  EXPECT_EQ(recs[0]["nas_ip"], "10.10.0.1");  // server identifier: no relay (giaddr 0)
  EXPECT_EQ(h.hints.app, "dhcp");
  EXPECT_TRUE(h.events.counts.empty());
}

TEST_F(DhcpTest, HostNameFromTheRequestJoinsTheAckOnAnotherFlow) {
  AnalyzerHarness client_flow(17, 67, 68);
  AnalyzerHarness server_flow(17, 68, 67);
  auto a = NewDhcpAnalyzer();
  auto b = NewDhcpAnalyzer();
  Bootp req;
  req.Opt(53, Type(3)).Opt(50, V4(10, 1, 2, 3)).Opt(12, "laptop-7");
  client_flow.Deliver(*a, Direction::kToServer, req.Bytes());
  EXPECT_TRUE(ParseLines(client_flow.batch, record::StreamId::kLogin).empty());

  Bootp ack;
  ack.op = 2;
  ack.yiaddr = V4(10, 1, 2, 3);
  ack.giaddr = V4(10, 1, 2, 1);
  ack.Opt(53, Type(5)).Opt(51, V4(0, 0, 0x0e, 0x10)).Opt(54, V4(10, 9, 9, 9));
  server_flow.Deliver(*b, Direction::kToServer, ack.Bytes());
  auto recs = ParseLines(server_flow.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["hostname"], "laptop-7");
  EXPECT_EQ(recs[0]["ip"], "10.1.2.3");
  EXPECT_EQ(recs[0]["mac"], "02:00:00:00:00:01");
  EXPECT_EQ(recs[0]["nas_ip"], "10.1.2.1");  // the relay
  EXPECT_EQ(recs[0]["duration_s"], 3600);

  // Another client's ACK with the same xid does not get that name.
  Bootp other = ack;
  other.chaddr = std::string("\x02\x00\x00\x00\x00\x02", 6);
  server_flow.batch.Clear();
  server_flow.Deliver(*b, Direction::kToServer, other.Bytes());
  recs = ParseLines(server_flow.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["hostname"], "");
}

TEST_F(DhcpTest, ClientFqdnOptionInWireAndAsciiForm) {
  AnalyzerHarness h(17, 67, 68);
  auto a = NewDhcpAnalyzer();
  Bootp req;
  req.xid = 7;
  req.Opt(53, Type(3))
      .Opt(81, std::string("\x05\x00\x00\x04host\x07"
                           "example\x00",
                           17));
  h.Deliver(*a, Direction::kToServer, req.Bytes());
  Bootp req2;
  req2.xid = 8;
  req2.Opt(53, Type(3)).Opt(81, std::string("\x00\x00\x00pc.lan", 9));
  h.Deliver(*a, Direction::kToServer, req2.Bytes());

  for (uint32_t xid : {7u, 8u}) {
    Bootp ack;
    ack.op = 2;
    ack.xid = xid;
    ack.yiaddr = V4(10, 0, 0, static_cast<uint8_t>(xid));
    ack.Opt(53, Type(5));
    h.Deliver(*a, Direction::kToClient, ack.Bytes());
  }
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["hostname"], "host.example");
  EXPECT_EQ(recs[1]["hostname"], "pc.lan");
  EXPECT_EQ(recs[1]["duration_s"], 0);       // no option 51
  EXPECT_EQ(recs[1]["nas_ip"], "10.0.0.2");  // the sender (flow server) when no 54/giaddr
}

TEST_F(DhcpTest, ReleaseAndDeclineEndALeaseNakAndInformDoNot) {
  AnalyzerHarness h(17, 67, 68);
  auto a = NewDhcpAnalyzer();
  Bootp rel;
  rel.ciaddr = V4(10, 0, 0, 9);
  rel.Opt(53, Type(7)).Opt(54, V4(10, 0, 0, 1));
  h.Deliver(*a, Direction::kToServer, rel.Bytes());
  Bootp decline;
  decline.Opt(53, Type(4)).Opt(50, V4(10, 0, 0, 10));
  h.Deliver(*a, Direction::kToServer, decline.Bytes());
  Bootp decline_no_ip;
  decline_no_ip.Opt(53, Type(4));
  h.Deliver(*a, Direction::kToServer, decline_no_ip.Bytes());
  Bootp nak;
  nak.op = 2;
  nak.Opt(53, Type(6)).Opt(56, "requested address not available");
  h.Deliver(*a, Direction::kToClient, nak.Bytes());
  Bootp inform_ack;
  inform_ack.op = 2;
  inform_ack.ciaddr = V4(10, 0, 0, 11);
  inform_ack.Opt(53, Type(5));
  h.Deliver(*a, Direction::kToClient, inform_ack.Bytes());
  Bootp offer;
  offer.op = 2;
  offer.yiaddr = V4(10, 0, 0, 12);
  offer.Opt(53, Type(2)).Opt(51, V4(0, 0, 1, 0));
  h.Deliver(*a, Direction::kToClient, offer.Bytes());

  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["event"], "release");
  EXPECT_EQ(recs[0]["ip"], "10.0.0.9");
  EXPECT_EQ(recs[0]["nas_ip"], "10.0.0.1");
  EXPECT_EQ(recs[0]["terminate_cause"], "");
  EXPECT_EQ(recs[1]["event"], "release");
  EXPECT_EQ(recs[1]["ip"], "10.0.0.10");
  EXPECT_EQ(recs[1]["terminate_cause"], "decline");
}

TEST_F(DhcpTest, OverloadedFileFieldCarriesOptions) {
  AnalyzerHarness h(17, 68, 67);
  auto a = NewDhcpAnalyzer();
  Bootp ack;
  ack.op = 2;
  ack.yiaddr = V4(10, 0, 0, 5);
  ack.Opt(53, Type(5)).Opt(52, Type(1));
  ack.file = std::string("\x0c\x04node\x33\x04\x00\x00\x00\x3c\xff", 13) + std::string(115, '\0');
  h.Deliver(*a, Direction::kToServer, ack.Bytes());
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["hostname"], "node");
  EXPECT_EQ(recs[0]["duration_s"], 60);
}

TEST_F(DhcpTest, MalformedMessagesAreCountedNeverFatal) {
  AnalyzerHarness h(17, 67, 68);
  auto a = NewDhcpAnalyzer();
  Bootp ack;
  ack.op = 2;
  ack.yiaddr = V4(10, 0, 0, 5);
  ack.Opt(53, Type(5));
  std::string good = ack.Bytes();

  h.Deliver(*a, Direction::kToClient, good.substr(0, 100));
  EXPECT_EQ(h.events["dhcp.truncated_message"], 1);
  std::string bad_cookie = good;
  bad_cookie[236] = 0;
  h.Deliver(*a, Direction::kToClient, bad_cookie);
  EXPECT_EQ(h.events["dhcp.bad_magic_cookie"], 1);
  Bootp bootp;  // no option 53: plain BOOTP
  h.Deliver(*a, Direction::kToServer, bootp.Bytes());
  EXPECT_EQ(h.events["dhcp.no_message_type"], 1);
  // An option running past the end: what came before it still counts.
  std::string overrun = good.substr(0, good.size() - 1) + "\x0c\x40short";
  h.Deliver(*a, Direction::kToClient, overrun);
  EXPECT_EQ(h.events["dhcp.bad_option"], 1);
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["ip"], "10.0.0.5");
  // Every prefix of a valid message parses without reading past it (ASan checks the bounds).
  for (size_t n = 0; n < good.size(); ++n) h.Deliver(*a, Direction::kToClient, good.substr(0, n));
}

TEST_F(DhcpTest, BinaryAgentIdsAreHex) {
  AnalyzerHarness h(17, 68, 67);
  auto a = NewDhcpAnalyzer();
  Bootp ack;
  ack.op = 2;
  ack.yiaddr = V4(10, 0, 0, 5);
  ack.Opt(53, Type(5)).Opt(82, std::string("\x02\x03\x00\x01\xfe", 5));
  h.Deliver(*a, Direction::kToServer, ack.Bytes());
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["calling_id"], "0x0001fe");  // remote-id, no circuit-id
}

TEST_F(DhcpTest, TransactionTableIsBounded) {
  auto& t = detail::DhcpTransactions::Shared();
  detail::DhcpClientInfo info{"h", ""};
  for (uint32_t i = 0; i < detail::DhcpTransactions::kCapacity; ++i) {
    EXPECT_TRUE(t.Remember(i, "c", info, 1000));
  }
  EXPECT_FALSE(t.Remember(999999, "c", info, 1000));  // evicts xid 0, the oldest
  detail::DhcpClientInfo out;
  EXPECT_FALSE(t.Lookup(0, "c", 1000, &out));
  EXPECT_TRUE(t.Lookup(1, "c", 1000, &out));
  EXPECT_FALSE(t.Lookup(1, "c", 1000 + detail::DhcpTransactions::kMaxAge + 1, &out));
}

TEST_F(DhcpTest, RegistryDetectsDhcpOnEitherPort) {
  std::string ack = FromHex(kCorpusAck);
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(ack.data()), ack.size());
  EXPECT_EQ(Detect(17, 68, Direction::kToServer, bytes), AppProtocol::kDhcp);
  EXPECT_EQ(Detect(17, 67, Direction::kToServer, bytes), AppProtocol::kDhcp);
  std::string junk(300, 'x');
  std::span<const uint8_t> junk_bytes(reinterpret_cast<const uint8_t*>(junk.data()), junk.size());
  EXPECT_EQ(Detect(17, 67, Direction::kToServer, junk_bytes), AppProtocol::kNone);
  EXPECT_EQ(AppProtocolName(AppProtocol::kDhcp), "dhcp");
}

}  // namespace
}  // namespace netward::analyzers
