#include "identity/syslog_nat_header.h"

#include <gtest/gtest.h>

namespace netward::identity {
namespace {

TimestampUs At(const char* iso) { return *ParseIso8601(iso); }

TEST(SyslogNatHeader, Rfc5424WithOffsetAndStructuredData) {
  SyslogClock clock{0, At("2026-11-22T03:00:00Z")};
  SyslogMessage m = ParseSyslogHeader(
      "<14>1 2026-11-22T10:04:05.250+08:00 srx1 RT_FLOW - RT_FLOW_SESSION_CREATE "
      "[junos@2636.1.1.1.2.40 source-address=\"10.0.0.1\" nat-source-address=\"1.2.3.4\"] "
      "session created\r\n",
      clock);
  EXPECT_TRUE(m.rfc5424);
  EXPECT_EQ(m.priority, 14);
  EXPECT_FALSE(m.ts_from_receive);
  EXPECT_EQ(m.ts, At("2026-11-22T02:04:05.25Z"));
  EXPECT_EQ(m.hostname, "srx1");
  EXPECT_EQ(m.app_name, "RT_FLOW");
  EXPECT_EQ(m.msg_id, "RT_FLOW_SESSION_CREATE");
  EXPECT_EQ(m.msg, "session created");
  std::string_view v;
  ASSERT_TRUE(FindSdParam(m.structured_data, "source-address", &v));
  EXPECT_EQ(v, "10.0.0.1");
  ASSERT_TRUE(FindSdParam(m.structured_data, "nat-source-address", &v));
  EXPECT_EQ(v, "1.2.3.4");
  EXPECT_FALSE(FindSdParam(m.structured_data, "missing", &v));
}

TEST(SyslogNatHeader, Rfc5424NilTimestampUsesReceiveTime) {
  SyslogClock clock{0, At("2026-11-22T03:00:00Z")};
  SyslogMessage m = ParseSyslogHeader("<14>1 - host app - ID - hello", clock);
  EXPECT_TRUE(m.rfc5424);
  EXPECT_TRUE(m.ts_from_receive);
  EXPECT_EQ(m.ts, clock.now);
  EXPECT_EQ(m.structured_data, "");
  EXPECT_EQ(m.msg, "hello");
}

TEST(SyslogNatHeader, Rfc5424EscapedBracketInValue) {
  SyslogMessage m =
      ParseSyslogHeader("<14>1 - h a - ID [x k=\"a\\]b\" j=\"2\"][y z=\"3\"] tail", SyslogClock{});
  std::string_view v;
  ASSERT_TRUE(FindSdParam(m.structured_data, "z", &v));
  EXPECT_EQ(v, "3");
  EXPECT_EQ(m.msg, "tail");
}

TEST(SyslogNatHeader, Rfc3164UsesConfiguredOffsetAndNearestYear) {
  // Received 2027-01-01 00:30 UTC; a "Dec 31 23:59:00" line at +00:00 is from 2026.
  SyslogClock clock{0, At("2027-01-01T00:30:00Z")};
  SyslogMessage m = ParseSyslogHeader("<134>Dec 31 23:59:00 cgn1 tag[12]: text here", clock);
  EXPECT_FALSE(m.rfc5424);
  EXPECT_EQ(m.ts, At("2026-12-31T23:59:00Z"));
  EXPECT_EQ(m.hostname, "cgn1");
  EXPECT_EQ(m.app_name, "tag");
  EXPECT_EQ(m.msg, "text here");
  // The same wall time at +08:00 is 8 hours earlier in UTC.
  clock.rfc3164_utc_offset_s = 8 * 3600;
  m = ParseSyslogHeader("<134>Nov  2 10:00:00 h t: x",
                        SyslogClock{8 * 3600, At("2026-11-02T03:00:00Z")});
  EXPECT_EQ(m.ts, At("2026-11-02T02:00:00Z"));
}

TEST(SyslogNatHeader, CiscoStyleYearNoHostAndUtcWord) {
  SyslogClock clock{3600, At("2026-11-22T10:00:00Z")};
  SyslogMessage m = ParseSyslogHeader(
      "<166>Nov 22 2026 10:04:05: %ASA-6-305011: Built dynamic TCP translation", clock);
  EXPECT_EQ(m.ts, At("2026-11-22T09:04:05Z"));  // offset +01:00 applies
  EXPECT_TRUE(m.hostname.empty());
  EXPECT_EQ(m.app_name, "%ASA-6-305011");
  EXPECT_EQ(m.msg, "Built dynamic TCP translation");
  m = ParseSyslogHeader("<166>*Nov 22 10:04:05.123 UTC: %ASA-6-305011: x", clock);
  EXPECT_EQ(m.ts, At("2026-11-22T10:04:05.123Z"));  // the UTC word overrides the offset
}

TEST(SyslogNatHeader, GarbageKeepsLineAndReceiveTime) {
  SyslogClock clock{0, At("2026-11-22T10:00:00Z")};
  for (std::string_view line : {"", "<", "<999>x", "<1>", "Foo 99 99:99:99 x", "<13>1 "}) {
    SyslogMessage m = ParseSyslogHeader(line, clock);
    EXPECT_TRUE(m.ts_from_receive) << line;
    EXPECT_EQ(m.ts, clock.now) << line;
  }
}

TEST(SyslogNatHeader, UtcOffsetParsing) {
  int32_t o = 1;
  EXPECT_TRUE(ParseUtcOffset("UTC", &o));
  EXPECT_EQ(o, 0);
  EXPECT_TRUE(ParseUtcOffset("+08:00", &o));
  EXPECT_EQ(o, 8 * 3600);
  EXPECT_TRUE(ParseUtcOffset("-05:30", &o));
  EXPECT_EQ(o, -(5 * 3600 + 1800));
  EXPECT_FALSE(ParseUtcOffset("Europe/Moscow", &o));
  EXPECT_FALSE(ParseUtcOffset("+8", &o));
  EXPECT_FALSE(ParseUtcOffset("+15:00", &o));
}

}  // namespace
}  // namespace netward::identity
