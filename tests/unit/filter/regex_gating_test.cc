// Regex gating (rule_engine.cc, regex_factors.h) changes nothing: random bundles of regexes (from
// the grammar of regex_gen.h, gated and not) and keywords (short ones in Hyperscan, long ones in
// the literal matcher, near/all_of/any_of), compiled with and without gating, give the same
// verdicts (rule ids, order, action, why, excerpts) on random texts.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "filter/rule_bundle_internal.h"
#include "filter/rule_engine.h"
#include "regex_gen.h"
#include "rule_test_util.h"

namespace netward::filter {
namespace {

std::shared_ptr<const CompiledRules> Build(const RuleBundle& bundle, bool gate) {
  CompileOptions options;
  options.gate_regexes = gate;
  std::vector<BundleProblem> problems;
  auto compiled = CompiledRules::Compile(bundle, testing::TestNormalizer(), &problems, options);
  for (const auto& p : problems) ADD_FAILURE() << p.rule_id << ": " << p.reason;
  if (!compiled.ok()) {
    ADD_FAILURE() << compiled.status().ToString();
    return nullptr;
  }
  return compiled.value();
}

std::string Describe(const Verdict& v) {
  std::string s = v.matched ? "matched " + std::string(ActionName(v.action)) : "clean";
  for (const Match& m : v.matches) {
    s += "\n  " + m.rule->id + " [" + std::string(ScopeName(m.scope)) + "] " + m.why + " | " +
         m.excerpt;
  }
  return s;
}

Rule MakeRule(const std::string& id, PatternKind kind, std::vector<std::string> terms,
              Action action) {
  Rule r;
  r.id = id;
  r.kind = kind;
  r.terms = std::move(terms);
  r.action = action;
  r.scopes = (1u << static_cast<int>(Scope::kHttpBody)) | (1u << static_cast<int>(Scope::kUrl));
  return r;
}

TEST(RegexGatingTest, GatedAndUngatedEnginesAgree) {
  testing::RegexGen gen(777);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  size_t bundles = 0, texts = 0, matched_texts = 0, regexes = 0, gated = 0;
  while (bundles < 60 && std::chrono::steady_clock::now() < deadline) {
    RuleBundle bundle;
    bundle.version = "gating-" + std::to_string(bundles);
    const size_t n_regex = 5 + gen.Pick(25);
    for (size_t i = 0; bundle.rules.size() < n_regex && i < 4 * n_regex; ++i) {
      std::string re = gen.Regex();
      if (!CheckRegex(re).empty()) continue;  // the bundle loader refuses it
      bundle.rules.push_back(MakeRule("r" + std::to_string(i), PatternKind::kRegex, {re},
                                      static_cast<Action>(gen.Pick(4))));
    }
    // Keywords: their shortest length sets how long factors must be (4..8 bytes, or 6 if none).
    const size_t n_kw = gen.Pick(8);
    const size_t min_kw = 2 + gen.Pick(6);
    auto word = [&](size_t lo, size_t hi) {
      std::string w;
      size_t n = lo + gen.Pick(hi - lo + 1);
      for (size_t c = 0; c < n; ++c) w += gen.Char(false);
      return w;
    };
    for (size_t i = 0; i < n_kw; ++i) {
      const std::string id = "k" + std::to_string(i);
      switch (gen.Pick(4)) {
        case 0:
          bundle.rules.push_back(MakeRule(id, PatternKind::kKeyword, {word(min_kw, min_kw + 4)},
                                          static_cast<Action>(gen.Pick(4))));
          break;
        case 1: {
          Rule r = MakeRule(id, PatternKind::kNear, {word(1, 3), word(min_kw, min_kw + 2)},
                            Action::kAlert);
          r.near = static_cast<uint32_t>(gen.Pick(10));
          bundle.rules.push_back(std::move(r));
          break;
        }
        case 2:
          bundle.rules.push_back(
              MakeRule(id, PatternKind::kAllOf, {word(2, 4), word(min_kw, 8)}, Action::kBlock));
          break;
        default:
          bundle.rules.push_back(
              MakeRule(id, PatternKind::kAnyOf, {word(min_kw, 8), word(3, 6)}, Action::kReview));
          break;
      }
    }
    // Shuffle so regexes and keywords interleave in bundle order.
    std::shuffle(bundle.rules.begin(), bundle.rules.end(), gen.rng());
    auto gated_rules = Build(bundle, true);
    auto plain_rules = Build(bundle, false);
    ASSERT_TRUE(gated_rules && plain_rules);
    ASSERT_EQ(plain_rules->stats().gated_regexes, 0u);
    regexes += gated_rules->stats().regexes;
    gated += gated_rules->stats().gated_regexes;
    ++bundles;
    for (int t = 0; t < 150; ++t) {
      std::string text = gen.Text(t % 4 == 0 ? 2000 : 300);
      Verdict a, b;
      if (t % 5 == 0) {  // through the normalizer too
        gated_rules->Check(Scope::kHttpBody, text, NormalizeOptions{}, &a);
        plain_rules->Check(Scope::kHttpBody, text, NormalizeOptions{}, &b);
      } else {
        gated_rules->CheckNormalized(Scope::kHttpBody, text, &a);
        plain_rules->CheckNormalized(Scope::kHttpBody, text, &b);
      }
      ++texts;
      matched_texts += b.matched;
      const std::string da = Describe(a), db = Describe(b);
      ASSERT_EQ(da, db) << "bundle " << bundles << " text '" << text << "'";
      ASSERT_EQ(a.matches.size(), b.matches.size());
      for (size_t m = 0; m < a.matches.size(); ++m) {
        ASSERT_EQ(a.matches[m].rule->id, b.matches[m].rule->id);
      }
    }
  }
  EXPECT_GE(bundles, 5u);
  EXPECT_GT(gated, regexes / 10) << gated << " of " << regexes << " regexes gated";
  EXPECT_GT(matched_texts, texts / 4);
  std::printf("[ gating ] %zu bundles, %zu of %zu regexes gated, %zu texts (%zu matched)\n",
              bundles, gated, regexes, texts, matched_texts);
}

// A regex of unbounded width is gated with a whole-text scan: a match far from the factor's
// window still counts, and the first match is the one reported.
TEST(RegexGatingTest, UnboundedRegexScansTheWholeText) {
  RuleBundle bundle;
  bundle.rules.push_back(MakeRule("wide", PatternKind::kRegex, {"abc.*defghi"}, Action::kBlock));
  bundle.rules.push_back(MakeRule("near", PatternKind::kRegex, {"xyzuvw\\d{2}"}, Action::kAlert));
  auto gated_rules = Build(bundle, true);
  auto plain_rules = Build(bundle, false);
  ASSERT_TRUE(gated_rules && plain_rules);
  EXPECT_EQ(gated_rules->stats().regexes, 4u);  // two scopes each
  EXPECT_EQ(gated_rules->stats().gated_regexes, 4u);
  std::string text = "abc" + std::string(5000, 'q') + "defghi" + std::string(3000, 'r') +
                     "xyzuvw12 xyzuvw34 defghi";
  Verdict a, b;
  gated_rules->CheckNormalized(Scope::kHttpBody, text, &a);
  plain_rules->CheckNormalized(Scope::kHttpBody, text, &b);
  EXPECT_EQ(Describe(a), Describe(b));
  ASSERT_EQ(a.matches.size(), 2u);
  EXPECT_EQ(a.matches[0].why, "regex: match ending at 5009");
  EXPECT_EQ(a.matches[1].why, "regex: match ending at 8017");
  Verdict clean;
  gated_rules->CheckNormalized(Scope::kHttpBody, std::string(4000, 'q') + "xyzuvw1", &clean);
  EXPECT_FALSE(clean.matched);
}

}  // namespace
}  // namespace netward::filter
