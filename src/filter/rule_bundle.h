// src/filter/rule_bundle.h: reading, checking and signing rule bundles (docs/rules.md).
//
// A bundle is a directory (every *.toml and *.json file in it, read in name order) or a single
// .toml/.json file. It has a version (a string, e.g. "2026.11.23-1") and a list of rules. Its
// Ed25519 signature (a C2SP signed note, the same key format as store checkpoints and `netward
// keygen`) covers the exact bytes of every rule file; it lives in BUNDLE.sig (a file) or
// BUNDLE/bundle.sig (a directory). Loading with a public key refuses an unsigned bundle, a
// signature by another key, and a bundle changed after signing.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "filter/rule.h"
#include "store/signing_key.h"

namespace netward::filter {

struct RuleBundle {
  std::string version;
  std::vector<Rule> rules;
};

// One thing wrong with one rule (or with the bundle as a whole: empty rule_id).
struct BundleProblem {
  std::string file;     // the file it was read from
  std::string rule_id;  // empty if the problem is not one rule's
  std::string reason;   // what is wrong and how to fix it
};

struct BundleLoadOptions {
  // If set, the signature must be present and valid for this key.
  const store::VerifierKey* verify_with = nullptr;
};

// Reads and checks every rule of the bundle at `path`. Each bad rule is reported in *problems
// (with its id and reason) and left out; the load fails (InvalidArgument) if any rule is bad,
// if the signature check fails, or if the bundle has no version. Problems are collected
// across the whole bundle, not just the first.
Result<RuleBundle> LoadBundle(const std::string& path, const BundleLoadOptions& options,
                              std::vector<BundleProblem>* problems);

// Writes the signature file of the bundle at `path` (see above), replacing an old one.
Status SignBundle(const std::string& path, const store::SigningKey& key);

}  // namespace netward::filter
