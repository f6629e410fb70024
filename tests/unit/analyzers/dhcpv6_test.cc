#include "analyzers/dhcpv6.h"

#include <gtest/gtest.h>

#include <string>

#include "analyzer_test_util.h"
#include "analyzers/dhcp_transactions.h"
#include "analyzers/registry.h"

namespace netward::analyzers {
namespace {

using testing::AnalyzerHarness;
using testing::ParseLines;

std::string U16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string U32(uint32_t v) { return U16(static_cast<uint16_t>(v >> 16)) + U16(v & 0xffff); }
std::string Opt(uint16_t code, const std::string& value) {
  return U16(code) + U16(static_cast<uint16_t>(value.size())) + value;
}
std::string Msg(uint8_t type, uint32_t xid, const std::string& options) {
  return std::string{static_cast<char>(type), static_cast<char>(xid >> 16),
                     static_cast<char>(xid >> 8), static_cast<char>(xid)} +
         options;
}
std::string Addr(const char* text) {
  auto a = IpAddress::Parse(text);
  return std::string(reinterpret_cast<const char*>(a->bytes), 16);
}
// DUID-LLT, Ethernet, MAC 00:11:22:33:44:55.
const std::string kDuidLlt =
    U16(1) + U16(1) + U32(0x1c39cf88) + std::string("\x00\x11\x22\x33\x44\x55", 6);
std::string IaNa(const char* addr, uint32_t valid) {
  return Opt(3, U32(1) + U32(0) + U32(0) + Opt(5, Addr(addr) + U32(valid / 2) + U32(valid)));
}
std::string IaPd(const char* prefix, uint8_t len, uint32_t valid) {
  return Opt(25, U32(2) + U32(0) + U32(0) +
                     Opt(26, U32(valid / 2) + U32(valid) + std::string(1, static_cast<char>(len)) +
                                 Addr(prefix)));
}
std::string RelayRepl(const char* link, const std::string& inner, const std::string& extra) {
  return std::string{13, 0} + Addr(link) + Addr("fe80::1") + extra + Opt(9, inner);
}

class Dhcpv6Test : public ::testing::Test {
 protected:
  void SetUp() override { detail::DhcpTransactions::Shared().Clear(); }
};

TEST_F(Dhcpv6Test, ReplyWithAddressAndPrefixIsTwoLeases) {
  AnalyzerHarness h(17, 546, 547);
  auto a = NewDhcpv6Analyzer();
  h.Deliver(*a, Direction::kToServer,
            Msg(7, 0xabcdef,
                Opt(2, "srv") + Opt(1, kDuidLlt) + IaNa("2001:db8::5", 7200) +
                    IaPd("2001:db8:1:ff::", 56, 3600)));
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["event"], "lease");
  EXPECT_EQ(recs[0]["source"], "dhcpv6");
  EXPECT_EQ(recs[0]["ip"], "2001:db8::5");
  EXPECT_EQ(recs[0]["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(recs[0]["duration_s"], 7200);
  EXPECT_EQ(recs[0]["session_id"], "abcdef");
  EXPECT_EQ(recs[0]["nas_ip"], "10.0.0.1");              // the sender (no relay)
  EXPECT_EQ(recs[1]["ipv6_prefix"], "2001:db8:1::/56");  // host bits cleared
  EXPECT_EQ(recs[1]["duration_s"], 3600);
  EXPECT_TRUE(h.events.counts.empty());
}

TEST_F(Dhcpv6Test, OtherDuidsAreHexAndAdvertiseAssignsNothing) {
  AnalyzerHarness h(17, 546, 547);
  auto a = NewDhcpv6Analyzer();
  std::string duid_en = U16(2) + U32(9) + "\x01\x02";
  h.Deliver(*a, Direction::kToServer, Msg(2, 1, Opt(1, duid_en) + IaNa("2001:db8::6", 60)));
  h.Deliver(*a, Direction::kToServer, Msg(7, 1, Opt(1, duid_en) + IaNa("2001:db8::6", 0)));
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["event"], "release");  // valid lifetime 0
  EXPECT_EQ(recs[0]["mac"],
            "000200000009"
            "0102");
}

TEST_F(Dhcpv6Test, RelayedReplyAndHostNameFromTheRequest) {
  AnalyzerHarness client_side(17, 547, 546);
  AnalyzerHarness server_side(17, 547, 547);
  auto a = NewDhcpv6Analyzer();
  auto b = NewDhcpv6Analyzer();
  // Client Request with FQDN "pc.example" (wire form).
  std::string fqdn = Opt(39, std::string("\x01\x02pc\x07"
                                         "example\x00",
                                         13));
  client_side.Deliver(*a, Direction::kToServer, Msg(3, 0x42, Opt(1, kDuidLlt) + fqdn));
  std::string reply = Msg(7, 0x42, Opt(1, kDuidLlt) + IaNa("2001:db8::7", 100));
  server_side.Deliver(*b, Direction::kToClient,
                      RelayRepl("2001:db8:ffff::1", reply, Opt(18, "eth0/1/2")));
  auto recs = ParseLines(server_side.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["hostname"], "pc.example");
  EXPECT_EQ(recs[0]["calling_id"], "eth0/1/2");
  EXPECT_EQ(recs[0]["nas_ip"], "2001:db8:ffff::1");
  EXPECT_EQ(recs[0]["ip"], "2001:db8::7");
}

TEST_F(Dhcpv6Test, ReleaseAndDeclineFromTheClient) {
  AnalyzerHarness h(17, 547, 546);
  auto a = NewDhcpv6Analyzer();
  std::string duid_ll = U16(3) + U16(1) + "\xaa\xbb\xcc\xdd\xee\xff";
  h.Deliver(*a, Direction::kToServer, Msg(8, 5, Opt(1, duid_ll) + IaNa("2001:db8::8", 0)));
  h.Deliver(*a, Direction::kToServer, Msg(9, 6, Opt(1, duid_ll) + IaNa("2001:db8::9", 0)));
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["event"], "release");
  EXPECT_EQ(recs[0]["mac"], "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(recs[0]["ip"], "2001:db8::8");
  EXPECT_EQ(recs[1]["terminate_cause"], "decline");
}

TEST_F(Dhcpv6Test, MalformedInputIsCounted) {
  AnalyzerHarness h(17, 546, 547);
  auto a = NewDhcpv6Analyzer();
  h.Deliver(*a, Direction::kToServer, "\x07\x00");
  EXPECT_EQ(h.events["dhcpv6.truncated_message"], 1);
  std::string good = Msg(7, 1, Opt(1, kDuidLlt) + IaNa("2001:db8::5", 10));
  h.Deliver(*a, Direction::kToServer,
            good + std::string("\x00\x01\x00\x09", 4));  // option past the end
  EXPECT_EQ(h.events["dhcpv6.bad_option"], 1);
  // 9 relays deep: the innermost message is not reached.
  std::string m = good;
  for (int i = 0; i < 9; ++i) m = RelayRepl("::", m, "");
  h.Deliver(*a, Direction::kToServer, m);
  EXPECT_EQ(h.events["dhcpv6.relay_too_deep"], 1);
  std::string many;
  for (int i = 0; i < 20; ++i) many += IaNa("2001:db8::5", 10);
  h.batch.Clear();
  h.Deliver(*a, Direction::kToServer, Msg(7, 2, Opt(1, kDuidLlt) + many));
  EXPECT_EQ(h.events["dhcpv6.too_many_bindings"], 1);
  EXPECT_EQ(ParseLines(h.batch, record::StreamId::kLogin).size(), 16u);
  for (size_t n = 0; n < good.size(); ++n) h.Deliver(*a, Direction::kToServer, good.substr(0, n));
}

TEST_F(Dhcpv6Test, RegistryDetectsDhcpv6) {
  std::string m = Msg(1, 1, Opt(1, kDuidLlt));
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(m.data()), m.size());
  EXPECT_EQ(Detect(17, 547, Direction::kToServer, bytes), AppProtocol::kDhcpv6);
  EXPECT_EQ(Detect(17, 546, Direction::kToServer, bytes), AppProtocol::kDhcpv6);
  std::string junk = "\x63junk";
  std::span<const uint8_t> j(reinterpret_cast<const uint8_t*>(junk.data()), junk.size());
  EXPECT_EQ(Detect(17, 547, Direction::kToServer, j), AppProtocol::kNone);
}

}  // namespace
}  // namespace netward::analyzers
