// src/store/store_meta.h: the store directory's identity and trusted keys.
//   DIR/STORE        "netward-store 1\nid <16 hex>\norigin <origin>\n", written once at creation
//   DIR/signing.pub  the verifier keys (vkey lines) whose checkpoints this store accepts: the
//                    writer adds its key's line on open; `netward verify --pubkey F` ignores this
//                    file and trusts only F.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace netward::store {

struct StoreMeta {
  std::string id;
  std::string origin;
};

// Reads DIR/STORE, creating it (with `origin`, or "netward/<id>" if empty) when missing.
Result<StoreMeta> LoadOrCreateMeta(const std::string& dir, const std::string& origin);
// Reads DIR/STORE; NotFound if `dir` is not a store.
Result<StoreMeta> LoadMeta(const std::string& dir);
// Adds the vkey line to DIR/signing.pub unless present.
Status AddTrustedKey(const std::string& dir, const std::string& vkey_line);
// The vkey lines of DIR/signing.pub (empty if none).
Result<std::vector<std::string>> LoadTrustedKeys(const std::string& dir);

}  // namespace netward::store
