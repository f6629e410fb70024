// CompiledRules and RuleEngine: each pattern kind matching and not matching, normalization
// interplay, near at its boundary, verdict action, excerpts on multibyte text, hot reload.
#include "filter/rule_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "unit/filter/rule_test_util.h"

namespace netward::filter {
namespace {

using V = std::vector<std::string>;
using testing::CompileToml;
using testing::MatchIds;
using testing::TempDir;

std::string Utf8Chars(size_t n, const std::string& ch) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += ch;
  return out;
}

TEST(RuleEngineTest, KeywordMatchesAndDoesNot) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "gamble"
category = "gambling"
action = "block"
scopes = ["http_body", "post_text"]
keyword = "赌博"
)");
  ASSERT_TRUE(rules);
  EXPECT_EQ(rules->version(), "1");
  EXPECT_EQ(rules->rule_count(), 1u);
  EXPECT_TRUE(rules->HasScope(Scope::kHttpBody));
  EXPECT_FALSE(rules->HasScope(Scope::kDns));
  Verdict v;
  EXPECT_EQ(MatchIds(*rules, Scope::kHttpBody, "欢迎来到赌博网站", &v), V{"gamble"});
  EXPECT_TRUE(v.matched);
  EXPECT_EQ(v.action, Action::kBlock);
  EXPECT_EQ(v.matches[0].scope, Scope::kHttpBody);
  EXPECT_EQ(v.matches[0].why, "keyword '赌博' at 4");
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "赌博"), V{"gamble"});
  EXPECT_EQ(MatchIds(*rules, Scope::kHttpBody, "欢迎来到博物馆"), V{});
  // Right text, scope the rule does not have.
  EXPECT_EQ(MatchIds(*rules, Scope::kMailBody, "赌博"), V{});
  Verdict none;
  rules->CheckNormalized(Scope::kHttpBody, "nothing here", &none);
  EXPECT_FALSE(none.matched);
  EXPECT_TRUE(none.matches.empty());
}

TEST(RuleEngineTest, SpacedOutAndCaseFoldedKeywordMatches) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "casino"
scopes = ["http_body"]
keyword = "Online Casino"
)");
  ASSERT_TRUE(rules);
  EXPECT_EQ(MatchIds(*rules, Scope::kHttpBody, "best o n l i n e-CASINO here"), V{"casino"});
  EXPECT_EQ(MatchIds(*rules, Scope::kHttpBody, "online casin0"), V{});
  // Separators between the characters of a Chinese keyword.
  auto zh = CompileToml(R"(
version = "1"
[[rule]]
id = "gamble"
scopes = ["http_body"]
keyword = "赌博"
)");
  ASSERT_TRUE(zh);
  EXPECT_EQ(MatchIds(*zh, Scope::kHttpBody, "赌 . 博"), V{"gamble"});
}

TEST(RuleEngineTest, TraditionalKeywordMatchesSimplifiedText) {
  std::string t2s;
  testing::TestNormalizer()->Normalize("賭博", NormalizeOptions{}, &t2s);
  if (t2s != "赌博") GTEST_SKIP() << "the normalizer has no traditional->simplified step yet";
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "gamble-t"
scopes = ["post_text"]
keyword = "賭博"
)");
  ASSERT_TRUE(rules);
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "网上赌博"), V{"gamble-t"});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "網上賭博"), V{"gamble-t"});
}

TEST(RuleEngineTest, AllOfAnyOf) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "both"
scopes = ["post_text"]
all_of = ["alpha", "beta"]
[[rule]]
id = "either"
scopes = ["post_text"]
any_of = ["gamma", "delta"]
)");
  ASSERT_TRUE(rules);
  Verdict v;
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "xbeta and then alpha", &v), V{"both"});
  EXPECT_EQ(v.matches[0].why, "all_of: 'beta' at 1, 'alpha' at 12");  // spaces removed
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "alpha only"), V{});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "delta"), V{"either"});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "gamma alpha beta"), (V{"both", "either"}));
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "gamm a"), V{"either"});  // separators
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "epsilon"), V{});
}

TEST(RuleEngineTest, NearAtTheBoundary) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "near3"
scopes = ["post_text"]
near = { terms = ["赌博", "网站"], within = 3 }
)");
  ASSERT_TRUE(rules);
  // Characters between the end of the first term and the start of the last (normalized text).
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "赌博网站"), V{"near3"});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "赌博一二三网站"), V{"near3"});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "赌博一二三四网站"), V{});
  // Order does not matter; separators are not counted (they are removed first).
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "网站 一二三 赌博"), V{"near3"});
  // A far pair and a near pair later in the text.
  Verdict v;
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "赌博" + Utf8Chars(50, "字") + "网站x赌博", &v),
            V{"near3"});
  EXPECT_EQ(v.matches[0].why, "near (within 3): '网站' at 52, '赌博' at 55");
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "赌博" + Utf8Chars(4, "字") + "网站"), V{});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "only 赌博"), V{});
}

TEST(RuleEngineTest, NearWithThreeTermsAndZero) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "adjacent"
scopes = ["post_text"]
near = { terms = ["ab", "cd", "ef"], within = 0 }
)");
  ASSERT_TRUE(rules);
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "ab cd"), V{});
  // within 0: from the end of the first term to the start of the last, nothing in between;
  // with three terms the middle one lies in between, so only overlapping terms qualify.
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "abcdef"), V{});
  auto two = CompileToml(R"(
version = "1"
[[rule]]
id = "adjacent2"
scopes = ["post_text"]
near = { terms = ["ab", "cd"], within = 0 }
)");
  ASSERT_TRUE(two);
  EXPECT_EQ(MatchIds(*two, Scope::kPostText, "xxcd1ab"), V{});
  EXPECT_EQ(MatchIds(*two, Scope::kPostText, "cdab"), V{"adjacent2"});
  EXPECT_EQ(MatchIds(*two, Scope::kPostText, "xxcd ab"), V{"adjacent2"});  // the space is removed
  EXPECT_EQ(MatchIds(*two, Scope::kPostText, "cd-x-ab"), V{});
}

TEST(RuleEngineTest, RegexMatchesNormalizedText) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "qq"
scopes = ["post_text"]
regex = "qq[0-9]{6,10}"
[[rule]]
id = "zh"
scopes = ["post_text"]
regex = "代[开办]发票"
)");
  ASSERT_TRUE(rules);
  Verdict v;
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "add QQ 1234 5678 now", &v), V{"qq"});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "qq12345"), V{});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "专业代开发票"), V{"zh"});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "代买发票"), V{});
}

TEST(RuleEngineTest, DomainWithAndWithoutSubdomain) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "evil"
domain = "Evil.com"
)");
  ASSERT_TRUE(rules);
  for (Scope s : {Scope::kHost, Scope::kDns, Scope::kSni}) {
    EXPECT_EQ(MatchIds(*rules, s, "evil.com"), V{"evil"}) << ScopeName(s);
    EXPECT_EQ(MatchIds(*rules, s, "a.b.EVIL.com."), V{"evil"}) << ScopeName(s);
    EXPECT_EQ(MatchIds(*rules, s, "notevil.com"), V{}) << ScopeName(s);
    EXPECT_EQ(MatchIds(*rules, s, "evil.com.cn"), V{}) << ScopeName(s);
  }
  Verdict v;
  EXPECT_EQ(MatchIds(*rules, Scope::kHost, "www.evil.com:8080", &v), V{"evil"});
  EXPECT_EQ(v.matches[0].why, "domain: 'evil.com' (host www.evil.com)");
  EXPECT_EQ(MatchIds(*rules, Scope::kUrl, "http://x.evil.com/path?q=notevil.com"), V{"evil"});
  EXPECT_EQ(MatchIds(*rules, Scope::kUrl, "http://good.org/evil.com"), V{});
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "evil.com"), V{});
}

TEST(RuleEngineTest, UrlPrefix) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "forum"
url_prefix = "HTTP://Example.COM/Forum/"
)");
  ASSERT_TRUE(rules);
  EXPECT_EQ(MatchIds(*rules, Scope::kUrl, "http://example.com/Forum/t/1"), V{"forum"});
  EXPECT_EQ(MatchIds(*rules, Scope::kUrl, "http://EXAMPLE.com/Forum/"), V{"forum"});
  EXPECT_EQ(MatchIds(*rules, Scope::kUrl, "http://example.com/forum/t/1"), V{});  // path
  EXPECT_EQ(MatchIds(*rules, Scope::kUrl, "http://example.com/Foru"), V{});
  EXPECT_EQ(MatchIds(*rules, Scope::kUrl, "https://example.com/Forum/"), V{});
}

TEST(RuleEngineTest, CidrV4AndV6) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "net4"
cidr = "192.0.2.0/24"
[[rule]]
id = "host4"
action = "block"
cidr = "198.51.100.7"
[[rule]]
id = "net6"
cidr = "2001:db8::/32"
)");
  ASSERT_TRUE(rules);
  EXPECT_TRUE(rules->HasScope(Scope::kIp));
  auto ids = [&](const char* ip) {
    Verdict v;
    rules->CheckIp(*IpAddress::Parse(ip), &v);
    std::vector<std::string> out;
    for (const Match& m : v.matches) out.push_back(m.rule->id);
    return out;
  };
  EXPECT_EQ(ids("192.0.2.0"), V{"net4"});
  EXPECT_EQ(ids("192.0.2.255"), V{"net4"});
  EXPECT_EQ(ids("192.0.3.0"), V{});
  EXPECT_EQ(ids("198.51.100.7"), V{"host4"});
  EXPECT_EQ(ids("198.51.100.8"), V{});
  EXPECT_EQ(ids("2001:db8:ffff::1"), V{"net6"});
  EXPECT_EQ(ids("2001:db9::1"), V{});
  EXPECT_EQ(ids("::ffff:192.0.2.9"), V{"net4"});
  Verdict v;
  rules->CheckIp(*IpAddress::Parse("192.0.2.9"), &v);
  EXPECT_EQ(v.matches[0].why, "cidr: 192.0.2.0/24 contains 192.0.2.9");
}

TEST(RuleEngineTest, ActionIsTheHighestAndMatchesAreInBundleOrder) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "r-log"
action = "log"
scopes = ["post_text"]
keyword = "zzz"
[[rule]]
id = "r-review"
action = "review"
scopes = ["post_text"]
keyword = "aaa"
[[rule]]
id = "r-alert"
action = "alert"
scopes = ["post_text"]
keyword = "aaa"
)");
  ASSERT_TRUE(rules);
  Verdict v;
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "aaa zzz", &v), (V{"r-log", "r-review", "r-alert"}));
  EXPECT_EQ(v.action, Action::kReview);
  EXPECT_EQ(MatchIds(*rules, Scope::kPostText, "zzz", &v), V{"r-log"});
  EXPECT_EQ(v.action, Action::kLog);
  // One verdict gathering several checks: the action is raised, never lowered.
  Verdict gather;
  rules->CheckNormalized(Scope::kPostText, "aaa", &gather);
  rules->CheckNormalized(Scope::kPostText, "zzz", &gather);
  EXPECT_EQ(gather.action, Action::kReview);
  EXPECT_EQ(gather.matches.size(), 3u);
}

TEST(RuleEngineTest, ExcerptKeepsWholeCharactersAnd64EachSide) {
  auto rules = CompileToml(R"(
version = "1"
[[rule]]
id = "k"
scopes = ["post_text"]
keyword = "目标"
)");
  ASSERT_TRUE(rules);
  std::string before = Utf8Chars(100, "前"), after = Utf8Chars(100, "后");
  Verdict v;
  rules->CheckNormalized(Scope::kPostText, before + "目标" + after, &v);
  ASSERT_EQ(v.matches.size(), 1u);
  EXPECT_EQ(v.matches[0].excerpt, Utf8Chars(64, "前") + "目标" + Utf8Chars(64, "后"));
  // Mixed widths: 1-, 3- and 4-byte characters around the match.
  std::string mixed_before = Utf8Chars(70, "a") + Utf8Chars(10, "\xF0\x9F\x98\x80");
  v = Verdict();
  rules->CheckNormalized(Scope::kPostText, mixed_before + "目标" + "x", &v);
  ASSERT_EQ(v.matches.size(), 1u);
  EXPECT_EQ(v.matches[0].excerpt,
            Utf8Chars(54, "a") + Utf8Chars(10, "\xF0\x9F\x98\x80") + "目标" + "x");
  // At the very start and end of the text.
  v = Verdict();
  rules->CheckNormalized(Scope::kPostText, "目标", &v);
  EXPECT_EQ(v.matches[0].excerpt, "目标");
}

TEST(RuleEngineTest, TwentyThousandKeywordsCompile) {
  std::string toml = "version = \"big\"\n";
  std::mt19937 rng(7);
  const std::string zh =
      "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年";
  for (int i = 0; i < 20000; ++i) {
    std::string kw;
    if (i % 2) {
      for (int c = 0; c < 3 + static_cast<int>(rng() % 4); ++c) {
        size_t k = (rng() % (zh.size() / 3)) * 3;
        kw += zh.substr(k, 3);
      }
    } else {
      for (int c = 0; c < 6 + static_cast<int>(rng() % 8); ++c) {
        kw.push_back(static_cast<char>('a' + rng() % 26));
      }
    }
    toml += "[[rule]]\nid = \"k" + std::to_string(i) +
            "\"\nscopes = [\"http_body\"]\nkeyword = \"" + kw + "\"\n";
  }
  toml += "[[rule]]\nid = \"marker\"\nscopes = [\"http_body\"]\nkeyword = \"zqxjzqxj\"\n";
  auto t0 = std::chrono::steady_clock::now();
  auto rules = CompileToml(toml);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("20001 keyword rules loaded and compiled in %.2f s\n", seconds);
  ASSERT_TRUE(rules);
  EXPECT_LT(seconds, 60.0);
  Verdict v;
  rules->CheckNormalized(Scope::kHttpBody, "----zqxjzqxj----", &v);
  bool found = false;
  for (const Match& m : v.matches) found |= m.rule->id == "marker";
  EXPECT_TRUE(found);
}

const char kBundleV1[] = R"(
version = "v1"
[[rule]]
id = "old"
action = "alert"
scopes = ["post_text"]
keyword = "oldword"
)";
const char kBundleV2[] = R"(
version = "v2"
[[rule]]
id = "new"
action = "block"
scopes = ["post_text"]
keyword = "newword"
)";

TEST(RuleEngineTest, FailedReloadKeepsTheOldRules) {
  TempDir dir;
  std::string path = dir.Write("rules.toml", kBundleV1);
  RuleEngine engine;
  EXPECT_EQ(engine.Current(), nullptr);
  ASSERT_TRUE(engine.Reload(path, {}).ok());
  auto before = engine.Current();
  ASSERT_TRUE(before);
  EXPECT_EQ(before->version(), "v1");
  // A broken bundle: the load fails, the problems are reported, the old rules stay.
  dir.Write("rules.toml",
            "version = \"v2\"\n[[rule]]\nid = \"x\"\nscopes = [\"nowhere\"]\n"
            "keyword = \"k\"\n");
  std::vector<BundleProblem> problems;
  Status st = engine.Reload(path, {}, &problems);
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(problems.empty());
  EXPECT_EQ(engine.Current(), before);
  // A bundle that loads but does not verify (unsigned, a key required).
  dir.Write("rules.toml", kBundleV2);
  auto key = store::SigningKey::Generate("netward.test/rules");
  ASSERT_TRUE(key.ok());
  auto vkey = store::VerifierKey::Parse(key->VerifierKeyText());
  ASSERT_TRUE(vkey.ok());
  BundleLoadOptions verify;
  verify.verify_with = &vkey.value();
  EXPECT_FALSE(engine.Reload(path, verify).ok());
  EXPECT_EQ(engine.Current(), before);
  // Missing file.
  EXPECT_FALSE(engine.Reload(dir.File("missing.toml"), {}).ok());
  EXPECT_EQ(engine.Current()->version(), "v1");
  // And a good one is taken.
  ASSERT_TRUE(engine.Reload(path, {}).ok());
  EXPECT_EQ(engine.Current()->version(), "v2");
}

TEST(RuleEngineTest, HotReloadUnderConcurrentChecks) {
  TempDir dir;
  std::string p1 = dir.Write("v1.toml", kBundleV1), p2 = dir.Write("v2.toml", kBundleV2);
  RuleEngine engine;
  ASSERT_TRUE(engine.Reload(p1, {}).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, checks{0}, saw_v2{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      const std::string text = "xx oldword yy newword zz";
      while (!stop.load()) {
        auto rules = engine.Current();
        Verdict v;
        rules->CheckNormalized(Scope::kPostText, text, &v);
        // Exactly the rule of the version this check saw: old rules or new, never a mix.
        bool ok = v.matches.size() == 1 &&
                  v.matches[0].rule->id == (rules->version() == "v1" ? "old" : "new");
        if (!ok) bad.fetch_add(1);
        if (rules->version() == "v2") saw_v2.fetch_add(1);
        checks.fetch_add(1);
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < 40 && std::chrono::steady_clock::now() < deadline; ++i) {
    ASSERT_TRUE(engine.Reload(i % 2 ? p1 : p2, {}).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(checks.load(), 0);
  EXPECT_GT(saw_v2.load(), 0);
}

TEST(RuleEngineTest, EmptyAfterNormalizationIsAProblem) {
  TempDir dir;
  std::string path = dir.Write("r.toml",
                               "version = \"1\"\n[[rule]]\nid = \"dots\"\nscopes = "
                               "[\"post_text\"]\nkeyword = \"...\"\n");
  std::vector<BundleProblem> problems;
  auto bundle = LoadBundle(path, {}, &problems);
  ASSERT_TRUE(bundle.ok());
  auto compiled =
      CompiledRules::Compile(std::move(bundle.value()), testing::TestNormalizer(), &problems);
  EXPECT_FALSE(compiled.ok());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rule_id, "dots");
  EXPECT_NE(problems[0].reason.find("empty once normalized"), std::string::npos);
}

}  // namespace
}  // namespace netward::filter
