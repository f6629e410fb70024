#include "common/time.h"

#include <gtest/gtest.h>

namespace netward {
namespace {

TEST(TimeTest, FormatsEpochWithMicroseconds) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatIso8601(1700000000123456LL), "2023-11-14T22:13:20.123456Z");
}

TEST(TimeTest, FormatsNegativeTimes) {
  EXPECT_EQ(FormatIso8601(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(TimeTest, ParseRoundTrips) {
  for (TimestampUs t : {0LL, 1700000000123456LL, 951782400000000LL /* 2000-02-29 */}) {
    auto parsed = ParseIso8601(FormatIso8601(t));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, t);
  }
}

TEST(TimeTest, ParseAcceptsOffsetsAndRejectsJunk) {
  EXPECT_EQ(ParseIso8601("2023-11-15T06:13:20+08:00"), 1700000000LL * kUsPerSecond);
  EXPECT_EQ(ParseIso8601("2023-11-14T22:13:20.5Z"), 1700000000LL * kUsPerSecond + 500000);
  EXPECT_FALSE(ParseIso8601("2023-13-14T22:13:20Z").has_value());
  EXPECT_FALSE(ParseIso8601("yesterday").has_value());
  EXPECT_FALSE(ParseIso8601("2023-11-14T22:13:20Zjunk").has_value());
}

}  // namespace
}  // namespace netward
