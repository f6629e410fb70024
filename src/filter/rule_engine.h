// src/filter/rule_engine.h: compiled rules and the engine that holds the current ones.
//
// CompiledRules is one bundle compiled, per scope, into a literal matcher for keywords of 4
// bytes or more and the literal factors of gated regexes, a Hyperscan database for the other
// regexes and shorter keywords, scanned over every text, and one for gated regexes, scanned only
// around their factors' occurrences (domains, URL prefixes and CIDRs in their own tables). It is
// immutable and thread-safe: any number of threads may call Check at once (each thread keeps
// its own Hyperscan scratch). RuleEngine holds the current CompiledRules behind an atomic
// shared pointer: Reload() compiles a new bundle beside the old one and swaps it in only when
// it loaded, verified and compiled; traffic keeps being checked against the old rules until the
// swap and is never dropped. A failed reload keeps the last good rules and returns why.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/status.h"
#include "filter/normalizer.h"
#include "filter/rule.h"
#include "filter/rule_bundle.h"

namespace netward::filter {

struct Match {
  const Rule* rule = nullptr;  // owned by the CompiledRules that produced the match
  Scope scope = Scope::kUrl;
  std::string excerpt;  // normalized text around the match, at most 64 characters each side
  // Why it matched, for people: "all_of: 'a' at 3, 'b' at 17" (positions are characters of the
  // normalized text, from 0; a regex gives where its match ends), "domain: 'evil.com' (host
  // a.evil.com)", "cidr: 192.0.2.0/24 contains 192.0.2.7".
  std::string why;
};

struct Verdict {
  bool matched = false;
  Action action = Action::kLog;  // highest action among matches (meaningless if !matched)
  std::vector<Match> matches;    // one per matching rule, in bundle order
};

struct CompileOptions {
  // Scan for a regex only around the places where one of its literal factors occurs
  // (regex_factors.h); regexes without usable factors are scanned for in every text. Results
  // are the same either way (tests/unit/filter/regex_gating_test.cc); false scans every regex
  // in every text, as before gating existed.
  bool gate_regexes = true;
};

struct CompileStats {
  size_t regexes = 0;        // regex patterns over all scopes (a rule in two scopes counts twice)
  size_t gated_regexes = 0;  // of them, scanned only around their factors
  size_t factors = 0;        // distinct factors of gated regexes (per scope, summed)
};

class CompiledRules {
 public:
  // Compiles `bundle`. Rules Hyperscan refuses (bad regex, too complex) are reported in
  // *problems with their id and Hyperscan's reason, and the compile fails with InvalidArgument.
  static Result<std::shared_ptr<const CompiledRules>> Compile(
      RuleBundle bundle, std::shared_ptr<const Normalizer> normalizer,
      std::vector<BundleProblem>* problems, const CompileOptions& options = {});
  ~CompiledRules();

  const std::string& version() const;
  size_t rule_count() const;
  CompileStats stats() const;
  // Whether any rule applies to `scope` (callers skip normalizing text nobody looks at). Inline:
  // the probe asks it for every body piece.
  bool HasScope(Scope scope) const { return (scopes_present_ >> static_cast<int>(scope)) & 1; }
  const Normalizer& normalizer() const;
  // The same normalizer, shared (a reload compiles the new bundle with it).
  std::shared_ptr<const Normalizer> shared_normalizer() const;

  // Normalizes `raw` with `options` and adds the matches of rules of `scope` to *verdict
  // (verdict->action is raised, never lowered, so one Verdict can gather several checks).
  void Check(Scope scope, std::string_view raw, const NormalizeOptions& options,
             Verdict* verdict) const;
  // Same for text already normalized by normalizer().
  void CheckNormalized(Scope scope, std::string_view normalized, Verdict* verdict) const;
  // CIDR rules of scope kIp.
  void CheckIp(const IpAddress& address, Verdict* verdict) const;

 private:
  CompiledRules();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint32_t scopes_present_ = 0;  // bit s: some rule applies to Scope s
};

class RuleEngine {
 public:
  RuleEngine();
  // Loads, verifies (if options.verify_with) and compiles the bundle at `path`; on success it
  // becomes Current(). On failure Current() is unchanged and the Status says why (the
  // problems, if any, in *problems).
  Status Reload(const std::string& path, const BundleLoadOptions& options,
                std::vector<BundleProblem>* problems = nullptr);
  // Installs already-compiled rules (tests, the site API's own bundle).
  void Install(std::shared_ptr<const CompiledRules> rules);
  // The rules in force; null until the first successful Reload/Install. Cheap (an atomic load).
  std::shared_ptr<const CompiledRules> Current() const;

 private:
  std::atomic<std::shared_ptr<const CompiledRules>> current_;
};

}  // namespace netward::filter
