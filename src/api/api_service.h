// src/api/api_service.h: the site API's endpoints, apart from HTTP (docs/api.md): authenticate,
// parse, moderate, record, answer. api_server.h puts it on cpp-httplib; tests call it directly.
//
//   POST /v1/moderate       {text, scope?, metadata?} -> {verdict, matches, rules_version}
//   POST /v1/posts          -> a `post` record (+ `alert`s) -> {verdict, matches, seq?, ...}
//   POST /v1/registrations  -> a `registration` record (+ `alert`s), id_number and phone
//                              encrypted, -> {verdict, matches, seq?, *_masked}
//   POST /v1/registrations/lookup (role `reveal`) {account, from?, to?, limit?, reveal?, actor?}
//                           -> {count, truncated, revealed, registrations: [records], errors}; a
//                              reveal first appends and syncs a `maintenance` record
//   GET  /v1/health         -> {status, rules_loaded, rules_version, rule_count} (no key needed)
// Each match whose rule's action is alert, review or block adds an `alert` record (source api).
//
// Status codes: 200 recorded (every record was appended before the answer); 400 bad body, naming
// the field ({"error", "field"}); 401 no or wrong key (nothing recorded, nothing moderated);
// 403 the key lacks a role; 404 no such endpoint; 405 wrong method; 503 records could not be
// written (the store's or the sink's error), registrations without api.field_key, or a lookup
// without a store.
// ApiService is thread-safe: the server calls it from its request threads at once.
#pragma once

#include <string>
#include <string_view>

#include "api/api_keys.h"
#include "api/field_cipher.h"
#include "api/moderator.h"
#include "api/record_finder.h"
#include "api/record_writer.h"
#include "common/time.h"

namespace netward::api {

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON, one object, no trailing newline
};

struct ApiServiceOptions {
  std::string site;                      // stamped on every record
  const ApiKeys* keys = nullptr;         // required
  const FieldCipher* cipher = nullptr;   // null: /v1/registrations answers 503
  const Moderator* moderator = nullptr;  // required
  RecordWriter* writer = nullptr;        // required
  TimestampUs (*clock)() = nullptr;      // time received; null: NowUs (tests set a fixed clock)
  const RecordFinder* finder = nullptr;  // null: /v1/registrations/lookup answers 503
};

class ApiService {
 public:
  // The pointers in `options` are not owned and must outlive the service.
  explicit ApiService(ApiServiceOptions options) : o_(std::move(options)) {}

  // One request. `authorization` is the Authorization header ("Bearer KEY"), `api_key` the
  // X-API-Key header; either may be empty.
  ApiResponse Handle(std::string_view method, std::string_view path, std::string_view authorization,
                     std::string_view api_key, std::string_view body) const;

  ApiResponse Moderate(const ApiKeyEntry& app, std::string_view body) const;
  ApiResponse Posts(const ApiKeyEntry& app, std::string_view body) const;
  ApiResponse Registrations(const ApiKeyEntry& app, std::string_view body) const;
  ApiResponse LookupRegistrations(const ApiKeyEntry& app, std::string_view body) const;
  ApiResponse Health() const;

  // The key entry of the request's key, or null (Authorization: Bearer KEY wins over X-API-Key).
  const ApiKeyEntry* Authenticate(std::string_view authorization, std::string_view api_key) const;

  // {"error": message} (and "field" when not empty).
  static ApiResponse Error(int status, std::string_view message, std::string_view field = {});

 private:
  TimestampUs Now() const { return o_.clock ? o_.clock() : NowUs(); }
  ApiServiceOptions o_;
};

}  // namespace netward::api
