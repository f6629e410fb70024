// src/api/api_config.h: the [api] table of a probe config (docs/config.md, docs/api.md). When the
// table is present, `netward probe` (and `netward api`) serve the site API.
//
//   [api]
//   listen = "127.0.0.1:8480"            # address:port ([v6]:port); keep it off public interfaces
//   keys_file = "/etc/netward/api.keys"  # required; `netward api-key add NAME`
//   field_key = "/etc/netward/field.key" # AES-256 key for id_number/phone (0600); without it
//                                        # /v1/registrations answers 503
//   rules = "/etc/netward/rules"         # bundle, used when the probe has no [filter] engine
//   rules_pubkey = "/etc/netward/rules.pub"  # required with rules: the bundle's signer
//   max_body = 1048576                   # bytes; a larger request body gets 413
//   threads = 4                          # request threads
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config.h"

namespace netward::api {

struct ApiConfig {
  std::string listen = "127.0.0.1:8480";
  std::string keys_file;
  std::string field_key;
  std::string rules;
  std::string rules_pubkey;
  int64_t max_body = 1 << 20;
  int threads = 4;
};

// Reads [api] of `doc` through `root` (the document's root section, which thereby knows the key
// "api"). Returns whether the table is present; *out keeps its defaults when it is not. Each
// mistake is added to *errors ("FILE: [api] KEY: what"): unknown keys, wrong types, a listen
// address that is not HOST:PORT, a missing keys_file, rules without rules_pubkey, and a field_key
// that cannot be loaded (missing, not 0600, not 32 bytes).
bool ReadApiConfig(const ConfigDocument& doc, ConfigSection* root, std::vector<std::string>* errors,
                   ApiConfig* out);

// Splits "127.0.0.1:8480" / "[::1]:8480" / "0.0.0.0:80" into host and port; false if malformed.
bool SplitListenAddress(const std::string& listen, std::string* host, int* port);

}  // namespace netward::api
