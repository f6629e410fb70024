// src/filter/rule.h: one content-filter rule, as read from a rule bundle (docs/rules.md).
// A rule says what to look for (a pattern), where (scopes), and what to do on a hit (action).
// Plain values: copyable, no behaviour beyond the name conversions below.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netward::filter {

// Where a rule applies. Each scope has its own compiled database (rule_engine.h).
enum class Scope : uint8_t {
  kUrl,           // HTTP request line as http://host/uri (probe), post url (API)
  kHost,          // HTTP Host header
  kDns,           // DNS query names
  kSni,           // TLS server_name
  kHttpHeader,    // HTTP request and response header lines other than Host
  kHttpBody,      // HTTP bodies, both directions, after dechunking and decompression
  kMailSubject,   // SMTP Subject: (encoded-words decoded)
  kMailBody,      // SMTP message body (MIME parts decoded)
  kFtpFile,       // FTP file and directory names
  kPostText,      // site API: post title and content, /v1/moderate text
  kRegistration,  // site API: registration fields (account, name)
  kIp,            // the server address of a flow, the author's address of a post (CIDR rules)
};
inline constexpr int kScopeCount = 12;

// Order matters: when several rules match, the verdict takes the highest action.
enum class Action : uint8_t { kLog = 0, kAlert = 1, kReview = 2, kBlock = 3 };

enum class Severity : uint8_t { kInfo = 0, kLow, kMedium, kHigh, kCritical };

enum class PatternKind : uint8_t {
  kKeyword,    // terms[0] occurs
  kAllOf,      // every term occurs (any order, anywhere in the text)
  kAnyOf,      // at least one term occurs
  kNear,       // every term occurs, all within `near` characters of each other
  kRegex,      // regex (PCRE syntax as Hyperscan accepts it) matches
  kDomain,     // host/dns/sni equals terms[0] or is a subdomain of it
  kUrlPrefix,  // url starts with terms[0] (scheme and host case-insensitive)
  kCidr,       // address is inside terms[0] ("192.0.2.0/24", "2001:db8::/32", a plain address)
};

struct Rule {
  std::string id;        // unique within a bundle
  std::string category;  // free text, e.g. "gambling"
  Severity severity = Severity::kMedium;
  Action action = Action::kAlert;
  uint32_t scopes = 0;  // bit (1u << Scope) per scope it applies to
  PatternKind kind = PatternKind::kKeyword;
  std::vector<std::string> terms;  // keywords (already normalized at compile), regex, domain ...
  uint32_t near = 0;               // kNear: maximum distance in characters
  std::string description;         // optional, shown by `rules test`

  bool HasScope(Scope s) const { return (scopes >> static_cast<int>(s)) & 1u; }
};

// "url", "host", "dns", "sni", "http_header", "http_body", "mail_subject", "mail_body",
// "ftp_file", "post_text", "registration", "ip".
std::string_view ScopeName(Scope s);
bool ScopeFromName(std::string_view name, Scope* s);
std::string_view ActionName(Action a);  // "log", "alert", "review", "block"
bool ActionFromName(std::string_view name, Action* a);
std::string_view SeverityName(Severity s);  // "info", "low", "medium", "high", "critical"
bool SeverityFromName(std::string_view name, Severity* s);
std::string_view PatternKindName(PatternKind k);  // "keyword", "all_of", "any_of", "near", ...
bool PatternKindFromName(std::string_view name, PatternKind* k);

}  // namespace netward::filter
