// src/api/engine_moderator.h: the Moderator backed by a filter::RuleEngine: the probe's [filter]
// engine when it has one, else the engine the API loads from api.rules (docs/api.md).
// Thread-safe: each call takes the rules in force once (RuleEngine::Current).
#pragma once

#include "api/moderator.h"
#include "filter/rule_engine.h"

namespace netward::api {

class EngineModerator : public Moderator {
 public:
  // `engine` is not owned and must outlive this.
  explicit EngineModerator(const filter::RuleEngine* engine) : engine_(engine) {}
  void Moderate(std::span<const ModerationText> texts, const IpAddress* ip,
                Moderation* out) const override;
  std::string RulesVersion() const override;
  size_t RuleCount() const override;

 private:
  const filter::RuleEngine* engine_;
};

}  // namespace netward::api
