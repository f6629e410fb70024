// GB 11643-1999 check digit and birth-date plausibility; every number here is made up.
#include "api/resident_id.h"

#include <gtest/gtest.h>

namespace netward::api {
namespace {

const TimestampUs kNow = *ParseIso8601("2026-11-23T00:00:00Z");

TEST(ResidentIdTest, CheckCharFromTheStandardSample) {
  // The sample of GB 11643-1999 itself: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11
  // = 2 -> 'X'.
  EXPECT_EQ(ResidentIdCheckChar("11010519491231002"), 'X');
  EXPECT_EQ(ResidentIdCheckChar("11010519900307123"), '9');
  EXPECT_EQ(ResidentIdCheckChar("44030420000229456"), '8');
  EXPECT_EQ(ResidentIdCheckChar("1101051990030712"), '\0');   // 16 digits
  EXPECT_EQ(ResidentIdCheckChar("1101051990030712a"), '\0');  // not a digit
}

TEST(ResidentIdTest, AcceptsValidNumbers) {
  for (const char* id :
       {"11010519491231002X", "110105199003071239", "440304200002294568", "31011519851010765X"}) {
    auto r = ValidateResidentId(id, kNow);
    ASSERT_TRUE(r.ok()) << id << ": " << r.status().message();
    EXPECT_EQ(*r, id);
  }
}

TEST(ResidentIdTest, LowercaseXBecomesUppercase) {
  auto r = ValidateResidentId("11010519491231002x", kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "11010519491231002X");
}

TEST(ResidentIdTest, EveryWrongCheckCharIsRefused) {
  const std::string first17 = "11010519900307123";
  for (char c : std::string("0123456789X")) {
    auto r = ValidateResidentId(first17 + c, kNow);
    EXPECT_EQ(r.ok(), c == '9') << c;
    if (c != '9') {
      EXPECT_NE(r.status().message().find("check character"), std::string::npos);
      // The message never echoes the number.
      EXPECT_EQ(r.status().message().find(first17), std::string::npos);
    }
  }
}

TEST(ResidentIdTest, OneChangedDigitIsCaught) {
  // MOD 11-2 detects every single-digit substitution.
  const std::string valid = "110105199003071239";
  for (size_t i = 0; i < 17; ++i) {
    std::string changed = valid;
    changed[i] = changed[i] == '9' ? '0' : static_cast<char>(changed[i] + 1);
    EXPECT_FALSE(ValidateResidentId(changed, kNow).ok()) << changed;
  }
}

TEST(ResidentIdTest, RefusesImplausibleBirthDates) {
  auto with_date = [](const std::string& yyyymmdd) {
    std::string first17 = "110105" + yyyymmdd + "123";
    return first17 + ResidentIdCheckChar(first17);
  };
  EXPECT_TRUE(ValidateResidentId(with_date("20000229"), kNow).ok());   // leap day
  EXPECT_FALSE(ValidateResidentId(with_date("19000229"), kNow).ok());  // 1900 is not leap
  EXPECT_FALSE(ValidateResidentId(with_date("19901301"), kNow).ok());  // month 13
  EXPECT_FALSE(ValidateResidentId(with_date("19900431"), kNow).ok());  // 31 April
  EXPECT_FALSE(ValidateResidentId(with_date("19900000"), kNow).ok());
  EXPECT_FALSE(ValidateResidentId(with_date("18991231"), kNow).ok());  // before 1900
  EXPECT_TRUE(ValidateResidentId(with_date("20261123"), kNow).ok());   // born today
  EXPECT_FALSE(ValidateResidentId(with_date("20261124"), kNow).ok());  // tomorrow
  auto r = ValidateResidentId(with_date("19901301"), kNow);
  EXPECT_NE(r.status().message().find("birth date"), std::string::npos);
}

TEST(ResidentIdTest, RefusesWrongShapes) {
  EXPECT_FALSE(ValidateResidentId("", kNow).ok());
  EXPECT_FALSE(ValidateResidentId("11010519900307123", kNow).ok());    // 17
  EXPECT_FALSE(ValidateResidentId("1101051990030712399", kNow).ok());  // 19
  EXPECT_FALSE(ValidateResidentId("11010519900307123Y", kNow).ok());   // bad last char
  EXPECT_FALSE(ValidateResidentId("1101051990030712X9", kNow).ok());   // X not last
  EXPECT_FALSE(ValidateResidentId("110105 99003071239", kNow).ok());
  // Address code starting with 0, check char otherwise right.
  std::string first17 = "01010519900307123";
  EXPECT_FALSE(ValidateResidentId(first17 + ResidentIdCheckChar(first17), kNow).ok());
  // 15-digit first-generation numbers are not accepted.
  EXPECT_FALSE(ValidateResidentId("110105900307123", kNow).ok());
}

}  // namespace
}  // namespace netward::api
