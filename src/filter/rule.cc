// Name tables of rule.h.
#include "filter/rule.h"

#include <array>

namespace netward::filter {
namespace {

constexpr std::array<std::string_view, kScopeCount> kScopeNames = {
    "url",          "host",      "dns",      "sni",       "http_header",  "http_body",
    "mail_subject", "mail_body", "ftp_file", "post_text", "registration", "ip"};
constexpr std::array<std::string_view, 4> kActionNames = {"log", "alert", "review", "block"};
constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high",
                                                            "critical"};
constexpr std::array<std::string_view, 8> kKindNames = {"keyword", "all_of", "any_of",     "near",
                                                        "regex",   "domain", "url_prefix", "cidr"};

template <typename E, size_t N>
bool FromName(const std::array<std::string_view, N>& names, std::string_view name, E* out) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

template <size_t N>
std::string_view ToName(const std::array<std::string_view, N>& names, size_t i) {
  return i < N ? names[i] : std::string_view("?");
}

}  // namespace

std::string_view ScopeName(Scope s) { return ToName(kScopeNames, static_cast<size_t>(s)); }
bool ScopeFromName(std::string_view name, Scope* s) { return FromName(kScopeNames, name, s); }
std::string_view ActionName(Action a) { return ToName(kActionNames, static_cast<size_t>(a)); }
bool ActionFromName(std::string_view name, Action* a) { return FromName(kActionNames, name, a); }
std::string_view SeverityName(Severity s) { return ToName(kSeverityNames, static_cast<size_t>(s)); }
bool SeverityFromName(std::string_view name, Severity* s) {
  return FromName(kSeverityNames, name, s);
}
std::string_view PatternKindName(PatternKind k) {
  return ToName(kKindNames, static_cast<size_t>(k));
}
bool PatternKindFromName(std::string_view name, PatternKind* k) {
  return FromName(kKindNames, name, k);
}

}  // namespace netward::filter
