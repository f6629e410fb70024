// src/filter/rule_bundle_internal.h: limits and pattern helpers shared by rule_bundle.cc (which
// checks rules) and rule_engine.cc (which compiles them). Not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ip_address.h"

namespace netward::filter {

// Limits on hostile or mistaken input; each is reported as a problem naming the limit.
inline constexpr size_t kMaxFileBytes = 64u << 20;     // one rule file
inline constexpr size_t kMaxBundleBytes = 256u << 20;  // all files together
inline constexpr size_t kMaxFiles = 1000;              // files in a directory bundle
inline constexpr size_t kMaxRules = 200000;            // rules in a bundle
inline constexpr size_t kMaxTermsPerRule = 64;         // all_of / any_of / near terms
inline constexpr size_t kMaxTermBytes = 1024;          // one keyword, regex, domain ...
inline constexpr size_t kMaxIdBytes = 128;
inline constexpr uint32_t kMaxNear = 100000;    // near.within, characters
inline constexpr int kMaxNesting = 32;          // arrays/tables inside each other
inline constexpr size_t kMaxLineBytes = 16384;  // one TOML line (bounds dotted-key depth)
inline constexpr size_t kMaxProblems = 1000;    // problems listed; the rest are counted

// Hyperscan flags for a regex rule: UTF-8, single match, UCP where the regex needs it.
unsigned RegexFlags(std::string_view regex);
// Empty if Hyperscan accepts `regex` (and it cannot match the empty string), else why not.
std::string CheckRegex(const std::string& regex);
// Lower case, no leading/trailing dots; empty if `domain` is not a domain name.
std::string NormalizeDomain(std::string_view domain);
// Scheme and host lower case; empty unless it starts with http:// or https:// and a host.
std::string NormalizeUrlPrefix(std::string_view url);
// Parses "addr/len" or "addr": *addr, *bits (of the 128-bit form: IPv4 lengths + 96). Empty if
// good, else why not (host bits set: says the network meant).
std::string ParseCidr(std::string_view text, IpAddress* addr, int* bits);
// "netward-rules v1\n<version>\n" + "<sha256 hex> <file name>\n" per (hash, name).
std::string CanonicalText(const std::string& version,
                          const std::vector<std::pair<std::string, std::string>>& hashes);

}  // namespace netward::filter
