#include "analyzers/radius.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analyzer_test_util.h"
#include "analyzers/radius_wire.h"
#include "analyzers/registry.h"

namespace netward::analyzers {
namespace {

using testing::AnalyzerHarness;
using testing::ParseLines;

// Builds RADIUS packets attribute by attribute.
class PacketBuilder {
 public:
  PacketBuilder(uint8_t code, uint8_t id, uint8_t auth_fill = 0x11) {
    b_ = {static_cast<char>(code), static_cast<char>(id), 0, 0};
    b_.append(16, static_cast<char>(auth_fill));
  }
  PacketBuilder& Str(uint8_t type, std::string_view v) {
    b_ += static_cast<char>(type);
    b_ += static_cast<char>(v.size() + 2);
    b_ += v;
    return *this;
  }
  PacketBuilder& U32(uint8_t type, uint32_t v) {
    std::string s = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
    return Str(type, s);
  }
  PacketBuilder& Ip4(uint8_t type, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return Str(type, std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                                 static_cast<char>(d)});
  }
  std::string Build() const {
    std::string out = b_;
    out[2] = static_cast<char>(out.size() >> 8);
    out[3] = static_cast<char>(out.size() & 0xff);
    return out;
  }

 private:
  std::string b_;
};

std::string Acct(uint8_t id, uint32_t status, uint8_t auth_fill = 0x11) {
  PacketBuilder p(radius::kAccountingRequest, id, auth_fill);
  p.Str(radius::kUserName, "alice@isp")
      .Str(radius::kCallingStationId, "00-14-22-E9-54-5E")
      .Ip4(radius::kFramedIpAddress, 100, 64, 1, 7)
      .Ip4(radius::kNasIpAddress, 10, 0, 0, 1)
      .U32(radius::kNasPort, 50012)
      .Str(radius::kAcctSessionId, "S-0001")
      .U32(radius::kAcctStatusType, status);
  if (status == 2 || status == 3) {
    p.U32(radius::kAcctInputOctets, 1000)
        .U32(radius::kAcctInputGigawords, 2)
        .U32(radius::kAcctOutputOctets, 5)
        .U32(radius::kAcctSessionTime, 3600);
  }
  if (status == 2) p.U32(radius::kAcctTerminateCause, 4);
  return p.Build();
}

TEST(RadiusAnalyzerTest, AccountingStartInterimStopBecomeLoginRecords) {
  AnalyzerHarness h(17, 1813);
  auto a = NewRadiusAnalyzer();
  h.Deliver(*a, Direction::kToServer, Acct(1, 1));
  h.Deliver(*a, Direction::kToClient, PacketBuilder(radius::kAccountingResponse, 1).Build());
  h.Deliver(*a, Direction::kToServer, Acct(2, 3, 0x22));
  h.Deliver(*a, Direction::kToServer, Acct(3, 2, 0x33));
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0]["event"], "start");
  EXPECT_EQ(recs[1]["event"], "interim");
  EXPECT_EQ(recs[2]["event"], "stop");
  for (const auto& r : recs) {
    EXPECT_EQ(r["account"], "alice@isp");
    EXPECT_EQ(r["calling_id"], "00-14-22-E9-54-5E");
    EXPECT_EQ(r["mac"], "00:14:22:e9:54:5e");
    EXPECT_EQ(r["ip"], "100.64.1.7");
    EXPECT_EQ(r["nas_ip"], "10.0.0.1");
    EXPECT_EQ(r["nas_port"], 50012);
    EXPECT_EQ(r["session_id"], "S-0001");
    EXPECT_EQ(r["source"], "radius");
  }
  EXPECT_EQ(recs[0]["bytes_in"], 0);
  EXPECT_EQ(recs[2]["bytes_in"], (2ull << 32) + 1000);
  EXPECT_EQ(recs[2]["bytes_out"], 5);
  EXPECT_EQ(recs[2]["duration_s"], 3600);
  EXPECT_EQ(recs[2]["terminate_cause"], "Idle-Timeout");
  EXPECT_EQ(h.hints.app, "radius");
}

TEST(RadiusAnalyzerTest, RetransmittedAccountingIsRecordedOnce) {
  AnalyzerHarness h(17, 1813);
  auto a = NewRadiusAnalyzer();
  h.Deliver(*a, Direction::kToServer, Acct(7, 1));
  h.Deliver(*a, Direction::kToServer, Acct(7, 1));        // same id, same authenticator
  h.Deliver(*a, Direction::kToServer, Acct(7, 3, 0x44));  // id reused, new packet
  EXPECT_EQ(ParseLines(h.batch, record::StreamId::kLogin).size(), 2u);
  EXPECT_EQ(h.events["radius.retransmission"], 1);
}

TEST(RadiusAnalyzerTest, AccountingOnIsCountedNotRecorded) {
  AnalyzerHarness h(17, 1813);
  auto a = NewRadiusAnalyzer();
  h.Deliver(*a, Direction::kToServer,
            PacketBuilder(radius::kAccountingRequest, 1).U32(radius::kAcctStatusType, 7).Build());
  EXPECT_EQ(h.batch.count(record::StreamId::kLogin), 0u);
  EXPECT_EQ(h.events["radius.accounting_other_status"], 1);
}

TEST(RadiusAnalyzerTest, AccessAcceptIsMatchedToItsRequest) {
  AnalyzerHarness h(17, 1812);
  auto a = NewRadiusAnalyzer();
  h.Deliver(*a, Direction::kToServer,
            PacketBuilder(radius::kAccessRequest, 5)
                .Str(radius::kUserName, "bob")
                .Str(radius::kCallingStationId, "0014.22e9.545f")
                .Ip4(radius::kNasIpAddress, 10, 0, 0, 2)
                .Build());
  h.Deliver(*a, Direction::kToServer,
            PacketBuilder(radius::kAccessRequest, 6).Str(radius::kUserName, "carol").Build());
  // Answers in the other order: each goes to the request with its id.
  h.Deliver(*a, Direction::kToClient, PacketBuilder(radius::kAccessReject, 6).Build());
  h.Deliver(
      *a, Direction::kToClient,
      PacketBuilder(radius::kAccessAccept, 5)
          .Ip4(radius::kFramedIpAddress, 172, 16, 3, 33)
          .Str(radius::kDelegatedIpv6Prefix, std::string("\x00\x38\x20\x01\x0d\xb8\x00\x01", 8))
          .Build());
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["event"], "reject");
  EXPECT_EQ(recs[0]["account"], "carol");
  EXPECT_EQ(recs[1]["event"], "accept");
  EXPECT_EQ(recs[1]["account"], "bob");
  EXPECT_EQ(recs[1]["mac"], "00:14:22:e9:54:5f");
  EXPECT_EQ(recs[1]["ip"], "172.16.3.33");
  EXPECT_EQ(recs[1]["ipv6_prefix"], "2001:db8:1::/56");
  EXPECT_EQ(recs[1]["nas_ip"], "10.0.0.2");
  a->Finish(h.ctx);
  EXPECT_EQ(h.events["radius.unanswered_request"], 0);
}

TEST(RadiusAnalyzerTest, FramedAddressFromAnEarlierChallengeAndUnansweredCounted) {
  AnalyzerHarness h(17, 1812);
  auto a = NewRadiusAnalyzer();
  h.Deliver(*a, Direction::kToServer,
            PacketBuilder(radius::kAccessRequest, 1).Str(radius::kUserName, "steve").Build());
  h.Deliver(*a, Direction::kToClient,
            PacketBuilder(radius::kAccessChallenge, 1)
                .Ip4(radius::kFramedIpAddress, 172, 16, 3, 33)
                .Build());
  h.Deliver(*a, Direction::kToServer,
            PacketBuilder(radius::kAccessRequest, 2).Str(radius::kUserName, "steve").Build());
  h.Deliver(*a, Direction::kToClient, PacketBuilder(radius::kAccessReject, 2).Build());
  h.Deliver(*a, Direction::kToServer,
            PacketBuilder(radius::kAccessRequest, 3).Str(radius::kUserName, "steve").Build());
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["ip"], "172.16.3.33");
  // Request 1 was answered by a challenge only, request 3 not at all.
  EXPECT_EQ(h.events["radius.unanswered_request"], 2);
}

TEST(RadiusAnalyzerTest, UnmatchedAnswerIsCounted) {
  AnalyzerHarness h(17, 1812);
  auto a = NewRadiusAnalyzer();
  h.Deliver(*a, Direction::kToClient,
            PacketBuilder(radius::kAccessAccept, 9).Str(radius::kUserName, "dave").Build());
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["account"], "dave");
  EXPECT_EQ(h.events["radius.unmatched_response"], 1);
}

TEST(RadiusAnalyzerTest, MalformedPacketsAreCountedByName) {
  AnalyzerHarness h(17, 1813);
  auto a = NewRadiusAnalyzer();
  std::string good = Acct(1, 1);
  h.Deliver(*a, Direction::kToServer, good.substr(0, 10));
  std::string long_len = good;
  long_len[2] = 0x01;  // Length 256+: past the datagram
  h.Deliver(*a, Direction::kToServer, long_len);
  std::string small_len = good;
  small_len[2] = 0, small_len[3] = 19;
  h.Deliver(*a, Direction::kToServer, small_len);
  std::string bad_attr = good;
  bad_attr[21] = 1;  // first attribute's length < 2
  h.Deliver(*a, Direction::kToServer, bad_attr);
  std::string bad_value = PacketBuilder(radius::kAccountingRequest, 2)
                              .U32(radius::kAcctStatusType, 1)
                              .Str(radius::kFramedIpAddress, "abc")
                              .Build();
  h.Deliver(*a, Direction::kToServer, bad_value);
  EXPECT_EQ(h.events["radius.truncated_packet"], 2);
  EXPECT_EQ(h.events["radius.bad_length"], 1);
  EXPECT_EQ(h.events["radius.bad_attribute"], 1);
  EXPECT_EQ(h.events["radius.bad_attribute_value"], 1);
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);                        // the bad value is skipped, the rest recorded
  EXPECT_EQ(recs[0]["ip"], "::") << recs[0].dump();  // unset
}

TEST(RadiusAnalyzerTest, TooManyPendingRequestsDropsTheOldest) {
  AnalyzerHarness h(17, 1812);
  auto a = NewRadiusAnalyzer();
  for (int i = 0; i < 20; ++i) {
    h.Deliver(*a, Direction::kToServer,
              PacketBuilder(radius::kAccessRequest, static_cast<uint8_t>(i))
                  .Str(radius::kUserName, "u" + std::to_string(i))
                  .Build());
  }
  EXPECT_EQ(h.events["radius.too_many_pending"], 4);
  h.Deliver(*a, Direction::kToClient, PacketBuilder(radius::kAccessAccept, 19).Build());
  auto recs = ParseLines(h.batch, record::StreamId::kLogin);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["account"], "u19");
}

TEST(RadiusWireTest, VendorAttributesAreKeptRaw) {
  std::string cisco = std::string("\x00\x00\x00\x09", 4) + "\x01\x06" + "ab=c";
  std::string odd = std::string("\x00\x00\x0a\x4c", 4) + "\x07";  // not TLV-shaped
  std::string pkt = PacketBuilder(radius::kAccountingRequest, 1)
                        .Str(radius::kVendorSpecific, cisco)
                        .Str(radius::kVendorSpecific, odd)
                        .Build();
  radius::Packet p;
  ASSERT_EQ(
      radius::ParseRadius(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(pkt.data()), pkt.size()), &p),
      radius::ParseError::kOk);
  radius::RadiusFields f;
  radius::ExtractRadiusFields(p, &f);
  ASSERT_EQ(f.vendor_attrs.size(), 2u);
  EXPECT_EQ(f.vendor_attrs[0], "9:1:61623d63");
  EXPECT_EQ(f.vendor_attrs[1], "2636::07");
}

TEST(RadiusWireTest, Ipv6PrefixesAndNames) {
  std::string pkt =
      PacketBuilder(radius::kAccountingRequest, 1)
          .Str(radius::kFramedIpv6Prefix,
               std::string("\x00\x40\x20\x01\x0d\xb8\x00\x02\x00\x03", 10))
          .Str(radius::kDelegatedIpv6Prefix, std::string("\x00\x38\x20\x01\x0d\xb8\x01", 7))
          .Str(radius::kDelegatedIpv6Prefix, std::string("\x00\x81", 2))  // /129
          .Build();
  radius::Packet p;
  ASSERT_EQ(
      radius::ParseRadius(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(pkt.data()), pkt.size()), &p),
      radius::ParseError::kOk);
  radius::RadiusFields f;
  radius::ExtractRadiusFields(p, &f);
  EXPECT_EQ(f.ipv6_prefixes, "2001:db8:100::/56,2001:db8:2:3::/64");
  EXPECT_EQ(f.malformed, 1u);
  EXPECT_EQ(radius::TerminateCauseName(1), "User-Request");
  EXPECT_EQ(radius::TerminateCauseName(99), "Cause-99");
  EXPECT_EQ(radius::MacFromCallingId("AA:BB:CC:DD:EE:FF"), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(radius::MacFromCallingId("aabbccddeeff"), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(radius::MacFromCallingId("+15551234567"), "");
  EXPECT_EQ(radius::MacFromCallingId("a-abbccddeeff"), "");
}

// RFC 2866 3 with the secret "xyzzy5461": a packet from radclient, checked byte for byte below in
// the server tests; here only that a flipped byte changes the authenticator.
TEST(RadiusWireTest, AccountingAuthenticatorCoversEveryByte) {
  std::string pkt = Acct(1, 1);
  auto span = [](const std::string& s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  radius::Digest d1 = radius::AccountingRequestAuthenticator(span(pkt), "secret");
  std::string other = pkt;
  other[4] ^= 1;  // the authenticator field itself is not covered
  EXPECT_EQ(radius::AccountingRequestAuthenticator(span(other), "secret"), d1);
  other = pkt;
  other[pkt.size() - 1] ^= 1;
  EXPECT_NE(radius::AccountingRequestAuthenticator(span(other), "secret"), d1);
  EXPECT_NE(radius::AccountingRequestAuthenticator(span(pkt), "secreT"), d1);
}

TEST(RadiusRegistryTest, DetectedOnItsPortsOnlyWhenItParses) {
  std::string req = Acct(1, 1);
  std::span<const uint8_t> s(reinterpret_cast<const uint8_t*>(req.data()), req.size());
  EXPECT_EQ(Detect(17, 1813, Direction::kToServer, s), AppProtocol::kRadius);
  EXPECT_EQ(Detect(17, 1646, Direction::kToServer, s), AppProtocol::kRadius);
  EXPECT_EQ(Detect(17, 1813, Direction::kToClient, s), AppProtocol::kNone);  // wrong direction
  EXPECT_EQ(Detect(17, 1813, Direction::kToServer, s.first(19)), AppProtocol::kNone);
  EXPECT_EQ(AppProtocolName(AppProtocol::kRadius), "radius");
  EXPECT_NE(CreateAnalyzer(AppProtocol::kRadius), nullptr);
}

}  // namespace
}  // namespace netward::analyzers
