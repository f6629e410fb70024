// src/api/api_keys.h: the site API's keys, one per application (docs/api.md, "Keys").
//
// Keys file, one line per application, '#' starts a comment, blank lines ignored:
//   NAME SHA256_HEX [ROLE,ROLE...]
//   forum-web 5f2b...e1 (64 hex digits)  reveal
// NAME is [A-Za-z0-9._-]{1,64} and is what records carry as `app`. Only the SHA-256 of a key is
// kept, so the file itself reveals no key. A key is "nwk_" + 64 hex digits (32 random bytes); it
// is shown once, by `netward api-key add NAME`. Roles: `reveal` (may read decrypted personal
// fields); without roles an application may call every /v1 endpoint that records or moderates.
//
// ApiKeys is immutable after Load/Parse and safe to use from many threads at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace netward::api {

struct ApiKeyEntry {
  std::string name;
  std::string sha256;  // 32 raw bytes
  std::vector<std::string> roles;
  bool HasRole(std::string_view role) const;
};

class ApiKeys {
 public:
  // Parses the keys file text. InvalidArgument("NAME:LINE", what) for the first bad line: a bad
  // name, a hash that is not 64 hex digits, a bad role list, or a name given twice.
  static Result<ApiKeys> Parse(std::string_view text, const std::string& name);
  // Reads and parses `path`: NotFound if missing, IOError if unreadable, Parse's errors.
  static Result<ApiKeys> Load(const std::string& path);

  // The entry whose key is `presented`, or null. Every entry's hash is compared, each in
  // constant time (CRYPTO_memcmp), so the time taken does not depend on which entry, if any,
  // matches or on how much of a hash matches. Cost: one SHA-256 of the key plus n compares.
  const ApiKeyEntry* Authenticate(std::string_view presented) const;

  const std::vector<ApiKeyEntry>& entries() const { return entries_; }

 private:
  std::vector<ApiKeyEntry> entries_;
};

// Whether `name` may name an application ([A-Za-z0-9._-]{1,64}).
bool IsValidAppName(std::string_view name);

// A fresh key ("nwk_" + 64 hex digits) from the OS random generator; empty if none is available.
std::string GenerateApiKey();
// Lowercase hex of SHA-256(key).
std::string ApiKeyHashHex(std::string_view key);

// `netward api-key add`: appends "NAME HASH [ROLES]" to `path` (created with mode 0600 if
// missing) and returns the new key. InvalidArgument for a bad name or role, or a name already in
// the file; the keys file's own errors otherwise.
Result<std::string> AddApiKey(const std::string& path, const std::string& name,
                              const std::vector<std::string>& roles);

}  // namespace netward::api
