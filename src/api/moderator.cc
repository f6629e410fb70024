#include "api/moderator.h"

namespace netward::api {

std::string_view VerdictName(const Moderation& m) {
  if (!m.matched) return "allow";
  if (m.action == filter::Action::kBlock) return "block";
  if (m.action == filter::Action::kReview) return "review";
  return "allow";
}

}  // namespace netward::api
