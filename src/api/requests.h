// src/api/requests.h: the JSON bodies of the site API's requests (docs/api.md), parsed and
// checked before anything is moderated or recorded.
//
// Strict: the body must be one JSON object (nlohmann-json; strings valid UTF-8); a required
// member missing, a member of the wrong type or out of range, or a member the endpoint does not
// know is InvalidArgument(field, what) with *bad_field set to the member's name ("body" for JSON
// syntax or a non-object body). Nothing here looks at rules, keys or the store. Pure functions,
// thread-safe; never crash or read outside `body`, whatever it holds (fuzz_api_json).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/ip_address.h"
#include "common/status.h"
#include "common/time.h"
#include "filter/rule.h"

namespace netward::api {

// POST /v1/moderate {text, scope?, metadata?: {account?, src_ip?, src_port?, url?, ...}}
struct ModerateRequest {
  std::string text;
  filter::Scope scope = filter::Scope::kPostText;  // any scope name of docs/rules.md but ip
  // From metadata, for the alert records; other metadata members are accepted and ignored.
  std::string account;
  IpAddress src_ip;  // unset if not given
  uint16_t src_port = 0;
  std::string url;
};

// POST /v1/posts {account, src_ip, src_port?, url, title?, content, time?, post_id?}
struct PostRequest {
  std::string account;
  IpAddress src_ip;
  uint16_t src_port = 0;
  std::string url;
  std::string title;
  std::string content;
  TimestampUs ts = 0;   // 0: not given (the time received is used)
  std::string post_id;  // a JSON string, or a non-negative integer written in decimal
};

// POST /v1/registrations {account, name, id_type, id_number, phone, src_ip, src_port?, time?}
struct RegistrationRequest {
  std::string account;
  std::string name;
  std::string id_type;  // [a-z_]{1,32}: resident_id, passport, ... (docs/api.md)
  std::string id_number;
  std::string phone;  // 5-20 digits, a leading '+' allowed
  IpAddress src_ip;
  uint16_t src_port = 0;
  TimestampUs ts = 0;
};

// POST /v1/registrations/lookup {account, from?, to?, limit?, reveal?, actor?}
struct RegistrationLookupRequest {
  std::string account;
  TimestampUs from = 0;  // inclusive; 0: from the oldest record kept
  TimestampUs to = 0;    // exclusive; 0: up to now
  uint32_t limit = 100;  // 1..1000 records
  bool reveal = false;   // decrypt id_number and phone (the key needs role `reveal`)
  std::string actor;     // with reveal, required: the person revealing (1..128 bytes), logged
};
constexpr uint32_t kMaxLookupLimit = 1000;

Status ParseModerateRequest(std::string_view body, ModerateRequest* out, std::string* bad_field);
Status ParsePostRequest(std::string_view body, PostRequest* out, std::string* bad_field);
Status ParseRegistrationRequest(std::string_view body, RegistrationRequest* out,
                                std::string* bad_field);
Status ParseRegistrationLookupRequest(std::string_view body, RegistrationLookupRequest* out,
                                      std::string* bad_field);

}  // namespace netward::api
