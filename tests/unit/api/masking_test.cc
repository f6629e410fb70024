#include "api/masking.h"

#include <gtest/gtest.h>

namespace netward::api {
namespace {

TEST(MaskingTest, ResidentIdKeepsFirstFourAndLastFour) {
  EXPECT_EQ(MaskIdNumber("110105199003071239"), "1101**********1239");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "1101**********002X");
  // The birth date (digits 7-14) never shows.
  EXPECT_EQ(MaskIdNumber("110105199003071239").find("19900307"), std::string::npos);
}

TEST(MaskingTest, ShorterIdsKeepLess) {
  EXPECT_EQ(MaskIdNumber("E12345678"), "E1*****78");  // passport-like, 9
  EXPECT_EQ(MaskIdNumber("ABC123"), "AB**23");        // 6
  EXPECT_EQ(MaskIdNumber("ABCDE"), "*****");          // < 6: everything
  EXPECT_EQ(MaskIdNumber(""), "");
  EXPECT_EQ(MaskIdNumber("123456789012"), "1234****9012");  // 12
}

TEST(MaskingTest, PhoneKeepsThreeAndFour) {
  EXPECT_EQ(MaskPhone("13800000000"), "138****0000");
  EXPECT_EQ(MaskPhone("+8613912345678"), "+86*******5678");
  EXPECT_EQ(MaskPhone("5550123"), "***0123");
  EXPECT_EQ(MaskPhone("12345"), "*****");
}

TEST(MaskingTest, CountsCharactersNotBytes) {
  // Three CJK characters + digits: each masked character is one '*', no broken UTF-8.
  EXPECT_EQ(MaskIdNumber("港澳123456789"), "港澳*******89");
}

}  // namespace
}  // namespace netward::api
