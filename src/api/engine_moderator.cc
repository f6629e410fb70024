#include "api/engine_moderator.h"

namespace netward::api {

void EngineModerator::Moderate(std::span<const ModerationText> texts, const IpAddress* ip,
                               Moderation* out) const {
  *out = Moderation{};
  std::shared_ptr<const filter::CompiledRules> rules = engine_->Current();
  if (!rules) return;
  out->bundle_version = rules->version();
  filter::Verdict verdict;
  for (const auto& t : texts) {
    if (t.text.empty() || !rules->HasScope(t.scope)) continue;
    filter::NormalizeOptions options;
    options.is_url = t.is_url;
    rules->Check(t.scope, t.text, options, &verdict);
  }
  if (ip && !ip->is_unspecified() && rules->HasScope(filter::Scope::kIp)) {
    rules->CheckIp(*ip, &verdict);
  }
  if (!verdict.matched) return;
  out->matched = true;
  out->action = verdict.action;
  for (const auto& m : verdict.matches) {
    if (!m.rule) continue;
    bool seen = false;  // one match per rule, the first (title before content, ...)
    for (const auto& have : out->matches) seen = seen || have.rule_id == m.rule->id;
    if (seen) continue;
    out->matches.push_back(ModerationMatch{m.rule->id, m.rule->category, m.rule->severity,
                                           m.rule->action, m.scope, m.excerpt});
  }
}

std::string EngineModerator::RulesVersion() const {
  auto rules = engine_->Current();
  return rules ? rules->version() : std::string();
}

size_t EngineModerator::RuleCount() const {
  auto rules = engine_->Current();
  return rules ? rules->rule_count() : 0;
}

}  // namespace netward::api
