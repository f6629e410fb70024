#include "identity/syslog_nat_formats.h"

#include <gtest/gtest.h>

#include <string>

namespace netward::identity {
namespace {

TimestampUs At(const char* iso) { return *ParseIso8601(iso); }
IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

NatLineResult Parse(const std::string& line, record::NatRecord* out) {
  SyslogClock clock{0, At("2026-11-22T12:00:00Z")};
  return ParseNatLine(ParseSyslogHeader(line, clock), out);
}

TEST(SyslogNatFormats, CiscoAsaBuilt) {
  record::NatRecord r;
  ASSERT_EQ(Parse("<166>Nov 22 2026 10:04:05: %ASA-6-305011: Built dynamic TCP translation from "
                  "inside:10.1.1.10/51234 to outside:203.0.113.5/40001",
                  &r),
            NatLineResult::kMapping);
  EXPECT_EQ(r.ts, At("2026-11-22T10:04:05Z"));
  EXPECT_EQ(r.end_ts, 0);
  EXPECT_EQ(r.proto, "tcp");
  EXPECT_EQ(r.inside_ip, Ip("10.1.1.10"));
  EXPECT_EQ(r.inside_port, 51234);
  EXPECT_EQ(r.outside_ip, Ip("203.0.113.5"));
  EXPECT_EQ(r.outside_port, 40001);
  EXPECT_TRUE(r.remote_ip.is_unspecified());
  EXPECT_EQ(r.source, "syslog");
}

TEST(SyslogNatFormats, CiscoAsaTeardownWithDurationAndUser) {
  record::NatRecord r;
  ASSERT_EQ(Parse("<166>Nov 22 2026 10:06:15 asa1 : %FTD-6-305012: Teardown dynamic UDP "
                  "translation from inside:10.1.1.10/5353(LOCAL\\alice) to "
                  "outside:203.0.113.5/40002 duration 0:02:10",
                  &r),
            NatLineResult::kMapping);
  EXPECT_EQ(r.end_ts, At("2026-11-22T10:06:15Z"));
  EXPECT_EQ(r.ts, At("2026-11-22T10:04:05Z"));
  EXPECT_EQ(r.proto, "udp");
  EXPECT_EQ(r.inside_port, 5353);
  EXPECT_EQ(r.outside_port, 40002);
}

TEST(SyslogNatFormats, CiscoAsaOtherIdsAndBrokenLines) {
  record::NatRecord r;
  EXPECT_EQ(Parse("<166>Nov 22 2026 10:04:05: %ASA-6-302013: Built outbound TCP connection", &r),
            NatLineResult::kNotNat);
  EXPECT_EQ(Parse("<166>Nov 22 2026 10:04:05: %ASA-6-305011: Built dynamic TCP translation from "
                  "inside:10.1.1.999/1 to outside:203.0.113.5/40001",
                  &r),
            NatLineResult::kMalformed);
  EXPECT_EQ(Parse("%ASA-6-305011: Built dynamic TCP translation from inside:10.1.1.1/70000 to "
                  "outside:203.0.113.5/1",
                  &r),
            NatLineResult::kMalformed);
  EXPECT_EQ(Parse("%ASA-6-305011: Built", &r), NatLineResult::kMalformed);
}

const char kSrxCreate[] =
    "<14>1 2026-11-22T10:04:05.000+08:00 srx1 RT_FLOW - RT_FLOW_SESSION_CREATE "
    "[junos@2636.1.1.1.2.129 source-address=\"192.168.1.10\" source-port=\"51234\" "
    "destination-address=\"198.51.100.7\" destination-port=\"443\" service-name=\"junos-https\" "
    "nat-source-address=\"203.0.113.9\" nat-source-port=\"40123\" "
    "nat-destination-address=\"198.51.100.7\" nat-destination-port=\"443\" "
    "src-nat-rule-name=\"r1\" protocol-id=\"6\" policy-name=\"p1\" session-id-32=\"12345\"] "
    "session created 192.168.1.10/51234->198.51.100.7/443 0x0 junos-https "
    "203.0.113.9/40123->198.51.100.7/443 0x0 source rule r1 N/A N/A 6 p1 trust untrust 12345";

TEST(SyslogNatFormats, JuniperSrxCreate) {
  record::NatRecord r;
  ASSERT_EQ(Parse(kSrxCreate, &r), NatLineResult::kMapping);
  EXPECT_EQ(r.ts, At("2026-11-22T02:04:05Z"));
  EXPECT_EQ(r.proto, "tcp");
  EXPECT_EQ(r.inside_ip, Ip("192.168.1.10"));
  EXPECT_EQ(r.inside_port, 51234);
  EXPECT_EQ(r.outside_ip, Ip("203.0.113.9"));
  EXPECT_EQ(r.outside_port, 40123);
  EXPECT_EQ(r.remote_ip, Ip("198.51.100.7"));
  EXPECT_EQ(r.remote_port, 443);
}

TEST(SyslogNatFormats, JuniperSrxCloseAndNoNat) {
  record::NatRecord r;
  ASSERT_EQ(Parse("<14>1 2026-11-22T02:05:00Z srx1 RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636 "
                  "reason=\"TCP FIN\" source-address=\"192.168.1.10\" source-port=\"51234\" "
                  "destination-address=\"198.51.100.7\" destination-port=\"53\" "
                  "nat-source-address=\"203.0.113.9\" nat-source-port=\"40124\" "
                  "protocol-id=\"17\" elapsed-time=\"55\"] session closed",
                  &r),
            NatLineResult::kMapping);
  EXPECT_EQ(r.end_ts, At("2026-11-22T02:05:00Z"));
  EXPECT_EQ(r.ts, At("2026-11-22T02:04:05Z"));
  EXPECT_EQ(r.proto, "udp");
  EXPECT_EQ(r.remote_port, 53);  // no nat-destination: the destination itself
  record::NatRecord untouched;
  EXPECT_EQ(Parse("<14>1 2026-11-22T02:05:00Z srx1 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636 "
                  "source-address=\"10.0.0.1\" source-port=\"1\" nat-source-address=\"10.0.0.1\" "
                  "nat-source-port=\"1\" protocol-id=\"6\"]",
                  &untouched),
            NatLineResult::kNoMapping);
  EXPECT_EQ(Parse("<14>1 2026-11-22T02:05:00Z srx1 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636 "
                  "source-address=\"10.0.0.1\"]",
                  &untouched),
            NatLineResult::kMalformed);
  EXPECT_TRUE(untouched.source.empty());
}

TEST(SyslogNatFormats, JuniperPortBlockAllocAndRelease) {
  record::NatRecord r;
  ASSERT_EQ(Parse("<134>Nov 22 10:04:05 mx-cgn (FPC Slot 1, PIC Slot 0) {cgn-set}[jservices-nat]: "
                  "JSERVICES_NAT_PORT_BLOCK_ALLOC: 100.64.1.10 -> 203.0.113.1:2048-2303 0x6b02be15",
                  &r),
            NatLineResult::kMapping);
  EXPECT_EQ(r.ts, At("2026-11-22T10:04:05Z"));
  EXPECT_EQ(r.end_ts, 0);
  EXPECT_EQ(r.inside_ip, Ip("100.64.1.10"));
  EXPECT_EQ(r.inside_port, 0);
  EXPECT_EQ(r.outside_ip, Ip("203.0.113.1"));
  EXPECT_EQ(r.outside_port, 2048);
  EXPECT_EQ(r.outside_port_end, 2303);
  EXPECT_EQ(r.proto, "");
  // Release an hour later: ts comes from the hex allocation time (0x6b02be15 = 10:04:05Z).
  ASSERT_EQ(Parse("<134>Nov 22 11:04:05 mx-cgn {cgn-set}[jservices-nat]: "
                  "JSERVICES_NAT_PORT_BLOCK_RELEASE: 100.64.1.10 -> 203.0.113.1:2048-2303 "
                  "0x6b02be15",
                  &r),
            NatLineResult::kMapping);
  EXPECT_EQ(r.end_ts, At("2026-11-22T11:04:05Z"));
  EXPECT_EQ(r.ts, At("2026-11-22T10:04:05Z"));
  // An implausible stamp is ignored: ts = end_ts.
  ASSERT_EQ(Parse("<134>Nov 22 11:04:05 mx JSERVICES_NAT_PORT_BLOCK_RELEASE: 100.64.1.10 -> "
                  "203.0.113.1:2048-2303 0xffffffff",
                  &r),
            NatLineResult::kMapping);
  EXPECT_EQ(r.ts, r.end_ts);
}

TEST(SyslogNatFormats, JuniperPortBlockMalformed) {
  record::NatRecord r;
  for (const char* line : {
           "JSERVICES_NAT_PORT_BLOCK_ALLOC: 100.64.1.10 203.0.113.1:2048-2303",
           "JSERVICES_NAT_PORT_BLOCK_ALLOC: 100.64.1.10 -> 203.0.113.1:2303-2048 0x1",
           "JSERVICES_NAT_PORT_BLOCK_ALLOC: 100.64.1.10 -> 203.0.113.1 0x1",
           "JSERVICES_NAT_PORT_BLOCK_ALLOC: x -> 203.0.113.1:1-2 0x1",
       }) {
    EXPECT_EQ(Parse(line, &r), NatLineResult::kMalformed) << line;
  }
  EXPECT_EQ(Parse("JSERVICES_NAT_PORT_BLOCK_FOO: a", &r), NatLineResult::kNotNat);
  EXPECT_EQ(Parse("<13>Nov 22 10:00:00 host sshd[1]: Accepted password", &r),
            NatLineResult::kNotNat);
}

}  // namespace
}  // namespace netward::identity
