// src/api/masking.h: how the site API shows identity numbers and phone numbers it stores
// encrypted (docs/api.md, "Masking"): enough to recognise a record, not enough to use it.
//
//   id number of 12+ characters: first 4, last 4 kept (110105199001011234 -> 1101**********1234)
//   id number of 6-11 characters:  first 2, last 2 kept (E12345678 -> E1*****78)
//   id number under 6 characters:  every character masked
//   phone of 11+ digits:           first 3, last 4 kept (13800000000 -> 138****0000)
//   phone of 7-10 digits:          last 4 kept (5550123 -> ***0123)
//   phone under 7 digits:          every character masked
// First-4/last-4 (region prefix and birth-date-free tail) for the ID and 3+4 for a mobile number
// are what Chinese sites commonly display; the birth date is always hidden. Counts are in
// characters (UTF-8 code points), each masked character becomes one '*'. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace netward::api {

std::string MaskIdNumber(std::string_view id_number);
std::string MaskPhone(std::string_view phone);

}  // namespace netward::api
