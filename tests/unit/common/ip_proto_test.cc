#include "common/ip_proto.h"

#include <gtest/gtest.h>

namespace netward {
namespace {

TEST(IpProtoTest, Names) {
  char buf[4];
  EXPECT_EQ(IpProtoName(6, buf), "tcp");
  EXPECT_EQ(IpProtoName(47, buf), "47");
  EXPECT_EQ(IpProtoName(255, buf), "255");
}

TEST(IpProtoTest, Numbers) {
  EXPECT_EQ(IpProtoNumber("tcp"), 6);
  EXPECT_EQ(IpProtoNumber("udp"), 17);
  EXPECT_EQ(IpProtoNumber("icmp"), 1);
  EXPECT_EQ(IpProtoNumber("47"), 47);
  EXPECT_EQ(IpProtoNumber("300"), 0);
  EXPECT_EQ(IpProtoNumber("x"), 0);
}

}  // namespace
}  // namespace netward
