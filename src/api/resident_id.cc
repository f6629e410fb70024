#include "api/resident_id.h"

#include <ctime>

namespace netward::api {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int Digits(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

char ResidentIdCheckChar(std::string_view first17) {
  // W_i = 2^(17 - i) mod 11 for positions i = 1..17; check = (12 - (sum mod 11)) mod 11, with
  // 10 written as X.
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  if (first17.size() != 17) return '\0';
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    if (!IsDigit(first17[i])) return '\0';
    sum += (first17[i] - '0') * kWeights[i];
  }
  return kCheck[sum % 11];
}

Result<std::string> ValidateResidentId(std::string_view text, TimestampUs now) {
  constexpr std::string_view kWhere = "id_number";
  if (text.size() != 18) {
    return Status::InvalidArgument(
        kWhere, "a resident ID number has 18 characters, this has " + std::to_string(text.size()));
  }
  for (size_t i = 0; i < 17; ++i) {
    if (!IsDigit(text[i])) {
      return Status::InvalidArgument(
          kWhere, "the first 17 characters of a resident ID number must be digits");
    }
  }
  std::string id(text);
  if (id[17] == 'x') id[17] = 'X';
  if (!IsDigit(id[17]) && id[17] != 'X') {
    return Status::InvalidArgument(kWhere,
                                   "the last character of a resident ID number is a digit or X");
  }
  if (id[0] == '0') {
    return Status::InvalidArgument(kWhere, "the address code (first 6 digits) cannot start with 0");
  }
  const int year = Digits(std::string_view(id).substr(6, 4));
  const int month = Digits(std::string_view(id).substr(10, 2));
  const int day = Digits(std::string_view(id).substr(12, 2));
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool date_ok = year >= 1900 && month >= 1 && month <= 12 && day >= 1 &&
                 day <= kDays[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);
  if (date_ok) {
    std::time_t secs = static_cast<std::time_t>(now / kUsPerSecond);
    std::tm utc{};
    gmtime_r(&secs, &utc);
    const int today = (utc.tm_year + 1900) * 10000 + (utc.tm_mon + 1) * 100 + utc.tm_mday;
    date_ok = year * 10000 + month * 100 + day <= today;
  }
  if (!date_ok) {
    return Status::InvalidArgument(
        kWhere, "digits 7-14 of a resident ID number are not a plausible birth date (YYYYMMDD)");
  }
  if (ResidentIdCheckChar(std::string_view(id).substr(0, 17)) != id[17]) {
    return Status::InvalidArgument(
        kWhere, "the check character (GB 11643-1999, last character) does not match the number");
  }
  return id;
}

}  // namespace netward::api
