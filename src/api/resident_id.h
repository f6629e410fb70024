// src/api/resident_id.h: checks a PRC resident identity card number (GB 11643-1999), as the site
// API's /v1/registrations does for id_type "resident_id" (docs/api.md).
//
// A number is 18 characters: a 6-digit address code, an 8-digit birth date YYYYMMDD, a 3-digit
// sequence code and a check character (0-9 or X) computed over the first 17 digits with ISO 7064
// MOD 11-2. Pure functions; thread-safe; allocate only for the returned strings.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace netward::api {

// The check character ('0'..'9' or 'X') for the 17 digits `first17`; '\0' if `first17` is not
// exactly 17 ASCII digits.
char ResidentIdCheckChar(std::string_view first17);

// Validates `text` and returns it canonical (a trailing 'x' upper-cased). InvalidArgument
// ("id_number", why) when it is not 18 characters, the first 17 are not all digits, the address
// code starts with 0, the birth date is not a real calendar date between 1900-01-01 and `now`
// (UTC), or the check character is wrong (the message gives neither the expected character nor
// the number itself, so error logs do not leak identity numbers).
Result<std::string> ValidateResidentId(std::string_view text, TimestampUs now);

}  // namespace netward::api
