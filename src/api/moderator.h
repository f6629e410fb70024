// src/api/moderator.h: what the site API asks of the rule engine, as an interface, so the API
// is tested with a stand-in and served with engine_moderator.h (filter/rule_engine.h).
//
// Results own their strings: they stay valid after the rules in force are replaced by a reload.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "filter/rule.h"

namespace netward::api {

struct ModerationText {
  filter::Scope scope = filter::Scope::kPostText;
  std::string_view text;
  bool is_url = false;  // percent-decode before matching
};

struct ModerationMatch {
  std::string rule_id;
  std::string category;
  filter::Severity severity = filter::Severity::kMedium;
  filter::Action action = filter::Action::kLog;
  filter::Scope scope = filter::Scope::kPostText;
  std::string excerpt;
};

struct Moderation {
  bool matched = false;
  filter::Action action = filter::Action::kLog;  // highest among matches
  std::vector<ModerationMatch> matches;          // at most one per rule
  std::string bundle_version;                    // of the rules that were applied
};

// "block" for a block match, "review" for a review match, else "allow".
std::string_view VerdictName(const Moderation& m);

class Moderator {
 public:
  virtual ~Moderator() = default;
  // Checks each of `texts` against the rules of its scope and `ip` (if set) against the CIDR
  // rules of scope ip, and fills *out (cleared first). All checks of one call see the same rules.
  // Thread-safe; no failure: without rules nothing matches.
  virtual void Moderate(std::span<const ModerationText> texts, const IpAddress* ip,
                        Moderation* out) const = 0;
  // Version and rule count of the rules in force ("" and 0 when none are loaded).
  virtual std::string RulesVersion() const = 0;
  virtual size_t RuleCount() const = 0;
};

}  // namespace netward::api
