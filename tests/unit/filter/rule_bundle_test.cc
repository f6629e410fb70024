// LoadBundle and SignBundle: TOML and JSON read alike, directory bundles, one test per problem
// kind (all collected), hostile input, signature accept and refuse cases.
#include "filter/rule_bundle.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "unit/filter/rule_test_util.h"

namespace netward::filter {
namespace {

using testing::TempDir;

const char kToml[] = R"(version = "2026.11.23-1"

[[rule]]
id = "gamble-1"
category = "gambling"
severity = "high"
action = "block"
scopes = ["http_body", "post_text"]
keyword = "赌博"
description = "gambling sites"

[[rule]]
id = "pair"
scopes = ["post_text"]
all_of = ["a1", "b2"]

[[rule]]
id = "one-of"
scopes = ["mail_subject"]
any_of = ["x", "y"]

[[rule]]
id = "close"
scopes = ["post_text"]
near = { terms = ["p", "q"], within = 7 }

[[rule]]
id = "re"
scopes = ["url"]
regex = "ab+c"

[[rule]]
id = "dom"
domain = "Example.COM."

[[rule]]
id = "pre"
url_prefix = "http://Example.com/x"

[[rule]]
id = "net"
action = "log"
cidr = "10.0.0.0/8"
)";

const char kJson[] = R"({"version": "2026.11.23-1", "rules": [
 {"id": "gamble-1", "category": "gambling", "severity": "high", "action": "block",
  "scopes": ["http_body", "post_text"], "keyword": "赌博", "description": "gambling sites"},
 {"id": "pair", "scopes": ["post_text"], "all_of": ["a1", "b2"]},
 {"id": "one-of", "scopes": ["mail_subject"], "any_of": ["x", "y"]},
 {"id": "close", "scopes": ["post_text"], "near": {"terms": ["p", "q"], "within": 7}},
 {"id": "re", "scopes": ["url"], "regex": "ab+c"},
 {"id": "dom", "domain": "Example.COM."},
 {"id": "pre", "url_prefix": "http://Example.com/x"},
 {"id": "net", "action": "log", "cidr": "10.0.0.0/8"}
]})";

bool SameRule(const Rule& a, const Rule& b) {
  return a.id == b.id && a.category == b.category && a.severity == b.severity &&
         a.action == b.action && a.scopes == b.scopes && a.kind == b.kind && a.terms == b.terms &&
         a.near == b.near && a.description == b.description;
}

std::vector<BundleProblem> ProblemsOf(const std::string& name, const std::string& text) {
  TempDir dir;
  std::vector<BundleProblem> problems;
  auto bundle = LoadBundle(dir.Write(name, text), {}, &problems);
  EXPECT_FALSE(bundle.ok());
  if (!problems.empty()) {
    // The status names the count and the first problem.
    EXPECT_NE(bundle.status().message().find(problems[0].reason), std::string::npos);
  }
  return problems;
}

// The single problem of a one-rule bundle; fails unless there is exactly one.
BundleProblem OneProblem(const std::string& rule_body) {
  auto problems = ProblemsOf("r.toml", "version = \"1\"\n[[rule]]\n" + rule_body);
  EXPECT_EQ(problems.size(), 1u);
  for (const auto& p : problems)
    std::printf("  %s: %s: %s\n", p.file.c_str(), p.rule_id.c_str(), p.reason.c_str());
  return problems.empty() ? BundleProblem{} : problems[0];
}

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(RuleBundleTest, TomlAndJsonReadAlike) {
  TempDir dir;
  std::vector<BundleProblem> problems;
  auto t = LoadBundle(dir.Write("a.toml", kToml), {}, &problems);
  auto j = LoadBundle(dir.Write("b.json", kJson), {}, &problems);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(t->version, "2026.11.23-1");
  EXPECT_EQ(j->version, t->version);
  ASSERT_EQ(t->rules.size(), 8u);
  ASSERT_EQ(j->rules.size(), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_TRUE(SameRule(t->rules[i], j->rules[i])) << i;
  const Rule& r = t->rules[0];
  EXPECT_EQ(r.severity, Severity::kHigh);
  EXPECT_EQ(r.action, Action::kBlock);
  EXPECT_TRUE(r.HasScope(Scope::kHttpBody));
  EXPECT_TRUE(r.HasScope(Scope::kPostText));
  EXPECT_FALSE(r.HasScope(Scope::kUrl));
  EXPECT_EQ(t->rules[1].severity, Severity::kMedium);  // defaults
  EXPECT_EQ(t->rules[1].action, Action::kAlert);
  EXPECT_EQ(t->rules[3].kind, PatternKind::kNear);
  EXPECT_EQ(t->rules[3].near, 7u);
  EXPECT_EQ(t->rules[5].terms[0], "example.com");  // lower case, no final dot
  EXPECT_TRUE(t->rules[5].HasScope(Scope::kDns));  // default scopes of a domain
  EXPECT_EQ(t->rules[6].terms[0], "http://example.com/x");
  EXPECT_EQ(t->rules[7].scopes, 1u << static_cast<int>(Scope::kIp));
}

TEST(RuleBundleTest, DirectoryBundleInNameOrderWithVersionFromBundleToml) {
  TempDir dir;
  dir.Write("b/20-more.json",
            R"({"rules": [{"id": "second", "scopes": ["dns"], "keyword": "k2"}]})");
  dir.Write("b/10-first.toml",
            "version = \"ignored?\"\n[[rule]]\nid = \"first\"\nscopes = "
            "[\"dns\"]\nkeyword = \"k1\"\n");
  dir.Write("b/bundle.toml", "version = \"dir-7\"\n");
  dir.Write("b/notes.txt", "not a rule file");
  std::vector<BundleProblem> problems;
  auto b = LoadBundle(dir.File("b"), {}, &problems);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->version, "dir-7");
  ASSERT_EQ(b->rules.size(), 2u);
  EXPECT_EQ(b->rules[0].id, "first");
  EXPECT_EQ(b->rules[1].id, "second");
}

TEST(RuleBundleTest, DuplicateIdAcrossFiles) {
  TempDir dir;
  dir.Write("d/a.toml",
            "version = \"1\"\n[[rule]]\nid = \"same\"\nscopes = [\"dns\"]\n"
            "keyword = \"k\"\n");
  dir.Write("d/b.json", R"({"rules": [{"id": "same", "scopes": ["dns"], "keyword": "j"}]})");
  std::vector<BundleProblem> problems;
  EXPECT_FALSE(LoadBundle(dir.File("d"), {}, &problems).ok());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].file, "b.json");
  EXPECT_EQ(problems[0].rule_id, "same");
  EXPECT_TRUE(Has(problems[0].reason, "duplicate id")) << problems[0].reason;
  EXPECT_TRUE(Has(problems[0].reason, "a.toml")) << problems[0].reason;
}

TEST(RuleBundleTest, EachProblemKindIsNamed) {
  const std::string kw = "scopes = [\"post_text\"]\nkeyword = \"k\"\n";
  auto p = OneProblem("id = \"u\"\nkeywords = \"k\"\n" + kw);
  EXPECT_EQ(p.rule_id, "u");
  EXPECT_TRUE(Has(p.reason, "unknown key 'keywords'")) << p.reason;
  p = OneProblem(kw);
  EXPECT_EQ(p.rule_id, "#1");
  EXPECT_TRUE(Has(p.reason, "has no id")) << p.reason;
  p = OneProblem("id = \"bad id!\"\n" + kw);
  EXPECT_TRUE(Has(p.reason, "must be 1 to 128")) << p.reason;
  p = OneProblem("id = \"s\"\nscopes = [\"body\"]\nkeyword = \"k\"\n");
  EXPECT_TRUE(Has(p.reason, "unknown scope 'body'")) << p.reason;
  p = OneProblem("id = \"a\"\naction = \"drop\"\n" + kw);
  EXPECT_TRUE(Has(p.reason, "action must be one of")) << p.reason;
  EXPECT_TRUE(Has(p.reason, "'drop'")) << p.reason;
  p = OneProblem("id = \"v\"\nseverity = 3\n" + kw);
  EXPECT_TRUE(Has(p.reason, "severity must be one of")) << p.reason;
  p = OneProblem("id = \"two\"\nregex = \"a+\"\n" + kw);
  EXPECT_TRUE(Has(p.reason, "2 patterns (keyword and regex)")) << p.reason;
  p = OneProblem("id = \"none\"\nscopes = [\"post_text\"]\n");
  EXPECT_TRUE(Has(p.reason, "has no pattern")) << p.reason;
  p = OneProblem("id = \"e\"\nscopes = [\"post_text\"]\nkeyword = \"\"\n");
  EXPECT_TRUE(Has(p.reason, "keyword is empty")) << p.reason;
  p = OneProblem("id = \"c\"\ncidr = \"10.0.0.1/8\"\n");
  EXPECT_TRUE(Has(p.reason, "did you mean 10.0.0.0/8?")) << p.reason;
  p = OneProblem("id = \"c2\"\ncidr = \"10.0.0.0/33\"\n");
  EXPECT_TRUE(Has(p.reason, "longer than 32 bits")) << p.reason;
  p = OneProblem("id = \"c3\"\ncidr = \"not-an-ip\"\n");
  EXPECT_TRUE(Has(p.reason, "not an address")) << p.reason;
  p = OneProblem("id = \"r\"\nscopes = [\"post_text\"]\nregex = \"a(b\"\n");
  EXPECT_TRUE(Has(p.reason, "not accepted by Hyperscan")) << p.reason;
  p = OneProblem("id = \"r0\"\nscopes = [\"post_text\"]\nregex = \"a*\"\n");
  EXPECT_TRUE(Has(p.reason, "empty string")) << p.reason;
  p = OneProblem("id = \"cs\"\ncidr = \"10.0.0.0/8\"\nscopes = [\"http_body\"]\n");
  EXPECT_TRUE(Has(p.reason, "scope http_body makes no sense for a cidr pattern")) << p.reason;
  p = OneProblem("id = \"ki\"\nkeyword = \"k\"\nscopes = [\"ip\"]\n");
  EXPECT_TRUE(Has(p.reason, "scope ip makes no sense")) << p.reason;
  p = OneProblem("id = \"ds\"\ndomain = \"a.com\"\nscopes = [\"mail_body\"]\n");
  EXPECT_TRUE(Has(p.reason, "makes no sense for a domain")) << p.reason;
  p = OneProblem("id = \"d2\"\ndomain = \"http://a.com/\"\n");
  EXPECT_TRUE(Has(p.reason, "is not a domain name")) << p.reason;
  p = OneProblem("id = \"up\"\nurl_prefix = \"example.com/x\"\n");
  EXPECT_TRUE(Has(p.reason, "must start with http://")) << p.reason;
  p = OneProblem("id = \"ns\"\nkeyword = \"k\"\n");
  EXPECT_TRUE(Has(p.reason, "has no scopes")) << p.reason;
  p = OneProblem("id = \"n1\"\nscopes = [\"post_text\"]\nnear = { terms = [\"a\"], within = 3 }\n");
  EXPECT_TRUE(Has(p.reason, "near.terms must be a list of 2")) << p.reason;
  p = OneProblem(
      "id = \"n2\"\nscopes = [\"post_text\"]\nnear = { terms = [\"a\", \"b\"], "
      "within = -1 }\n");
  EXPECT_TRUE(Has(p.reason, "near.within")) << p.reason;
  p = OneProblem("id = \"ctl\"\nscopes = [\"post_text\"]\nkeyword = \"a\\u0001b\"\n");
  EXPECT_TRUE(Has(p.reason, "control character")) << p.reason;
}

TEST(RuleBundleTest, AllProblemsAreCollectedWithFileAndId) {
  std::string text = "version = \"1\"\n";
  for (int i = 0; i < 5; ++i) {
    text += "[[rule]]\nid = \"bad" + std::to_string(i) +
            "\"\nscopes = [\"nowhere\"]\n"
            "keyword = \"k\"\n";
  }
  text += "[[rule]]\nid = \"good\"\nscopes = [\"dns\"]\nkeyword = \"k\"\n";
  auto problems = ProblemsOf("many.toml", text);
  ASSERT_EQ(problems.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(problems[i].file, "many.toml");
    EXPECT_EQ(problems[i].rule_id, "bad" + std::to_string(i));
  }
  // One rule with several things wrong: each is listed.
  problems = ProblemsOf("r.json", R"({"version": "1", "rules": [
      {"id": "x", "action": "nuke", "severity": "extreme", "scopes": ["up"], "keyword": "k",
       "colour": "red"}]})");
  EXPECT_EQ(problems.size(), 4u);
}

TEST(RuleBundleTest, BundleLevelProblems) {
  auto p = ProblemsOf("r.toml", "[[rule]]\nid = \"a\"\nscopes = [\"dns\"]\nkeyword = \"k\"\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(Has(p[0].reason, "no version")) << p[0].reason;
  p = ProblemsOf("r.toml", "version = \"1\"\nrulez = []\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(Has(p[0].reason, "unknown top-level key 'rulez'")) << p[0].reason;
  p = ProblemsOf("r.toml", "version = \"1\"\n[[rule]\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(Has(p[0].reason, "not valid TOML: line 2")) << p[0].reason;
  p = ProblemsOf("r.json", "{\"version\": \"1\", \"rules\": [}");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(Has(p[0].reason, "not valid JSON")) << p[0].reason;
  p = ProblemsOf("r.json", "[1, 2]");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(Has(p[0].reason, "top level")) << p[0].reason;
  TempDir dir;
  std::vector<BundleProblem> problems;
  EXPECT_EQ(LoadBundle(dir.File("absent.toml"), {}, &problems).status().code(),
            Status::Code::kNotFound);
  EXPECT_FALSE(LoadBundle(dir.Write("r.yaml", "x"), {}, &problems).ok());
  std::filesystem::create_directories(dir.File("empty"));
  EXPECT_FALSE(LoadBundle(dir.File("empty"), {}, &problems).ok());
}

TEST(RuleBundleTest, HostileInputIsRefusedWithReasons) {
  auto p = ProblemsOf("r.toml", std::string("version = \"1\"\0\n", 15));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(Has(p[0].reason, "NUL byte")) << p[0].reason;
  p = ProblemsOf("r.json", std::string(100000, '[') + std::string(100000, ']'));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(Has(p[0].reason, "nested deeper than 32")) << p[0].reason;
  p = ProblemsOf("r.toml", "x = " + std::string(5000, '[') + std::string(5000, ']') + "\n");
  ASSERT_EQ(p.size(), 1u);
  p = ProblemsOf("r.toml", "[" + std::string(20000, 'a') + "]\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(Has(p[0].reason, "longer than 16384 bytes")) << p[0].reason;
  p = ProblemsOf("r.toml", "version = 1\n");
  ASSERT_GE(p.size(), 1u);
  EXPECT_TRUE(Has(p[0].reason, "version must be")) << p[0].reason;
  // A file over the size cap (sparse: nothing written).
  TempDir dir;
  std::string big = dir.Write("big.toml", "");
  ASSERT_EQ(::truncate(big.c_str(), (64 << 20) + 1), 0);
  std::vector<BundleProblem> problems;
  EXPECT_FALSE(LoadBundle(big, {}, &problems).ok());
  ASSERT_FALSE(problems.empty());
  EXPECT_TRUE(Has(problems[0].reason, "larger than 64 MiB")) << problems[0].reason;
  // Invalid UTF-8 in a JSON string.
  p = ProblemsOf("r.json",
                 "{\"version\": \"1\", \"rules\": [{\"id\": \"u\", \"scopes\": "
                 "[\"dns\"], \"keyword\": \"\xff\xfe\"}]}");
  ASSERT_EQ(p.size(), 1u);
}

class SignedBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = store::SigningKey::Generate("netward.test/rules");
    ASSERT_TRUE(key.ok());
    key_ = std::make_unique<store::SigningKey>(key.value());
    auto vkey = store::VerifierKey::Parse(key_->VerifierKeyText());
    ASSERT_TRUE(vkey.ok());
    vkey_ = std::make_unique<store::VerifierKey>(vkey.value());
    dir_.Write("b/bundle.toml", "version = \"s1\"\n");
    dir_.Write("b/rules.toml", "[[rule]]\nid = \"a\"\nscopes = [\"dns\"]\nkeyword = \"k\"\n");
    ASSERT_TRUE(SignBundle(dir_.File("b"), *key_).ok());
  }
  // The load's status message, "" when it loads.
  std::string Verify(const store::VerifierKey& key) {
    BundleLoadOptions options;
    options.verify_with = &key;
    std::vector<BundleProblem> problems;
    auto b = LoadBundle(dir_.File("b"), options, &problems);
    return b.ok() ? "" : b.status().message();
  }
  TempDir dir_;
  std::unique_ptr<store::SigningKey> key_;
  std::unique_ptr<store::VerifierKey> vkey_;
};

TEST_F(SignedBundleTest, Accepts) {
  EXPECT_EQ(Verify(*vkey_), "");
  EXPECT_TRUE(std::filesystem::exists(dir_.File("b/bundle.sig")));
}

TEST_F(SignedBundleTest, RefusesUnsigned) {
  std::filesystem::remove(dir_.File("b/bundle.sig"));
  EXPECT_TRUE(Has(Verify(*vkey_), "unsigned: no signature file")) << Verify(*vkey_);
}

TEST_F(SignedBundleTest, RefusesAnotherKey) {
  auto other = store::SigningKey::Generate("netward.test/other");
  ASSERT_TRUE(other.ok());
  auto vother = store::VerifierKey::Parse(other->VerifierKeyText());
  ASSERT_TRUE(vother.ok());
  std::string msg = Verify(*vother);
  EXPECT_TRUE(Has(msg, "wrong key: the bundle is signed by netward.test/rules+")) << msg;
}

TEST_F(SignedBundleTest, RefusesChangedFile) {
  dir_.Write("b/rules.toml", "[[rule]]\nid = \"a\"\nscopes = [\"dns\"]\nkeyword = \"K\"\n");
  std::string msg = Verify(*vkey_);
  EXPECT_TRUE(Has(msg, "modified after signing: rules.toml was changed")) << msg;
}

TEST_F(SignedBundleTest, RefusesAddedFileAndChangedVersion) {
  dir_.Write("b/zz.json", R"({"rules": []})");
  std::string msg = Verify(*vkey_);
  EXPECT_TRUE(Has(msg, "modified after signing: zz.json was added")) << msg;
  std::filesystem::remove(dir_.File("b/zz.json"));
  EXPECT_EQ(Verify(*vkey_), "");
  dir_.Write("b/bundle.toml", "version = \"s2\"\n");
  msg = Verify(*vkey_);
  EXPECT_TRUE(Has(msg, "modified after signing: version is now 's2'")) << msg;
}

TEST_F(SignedBundleTest, RefusesAlteredSignatureFile) {
  std::string sig;
  {
    std::ifstream in(dir_.File("b/bundle.sig"));
    sig.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t pos = sig.find("\n\n");
  ASSERT_NE(pos, std::string::npos);
  // Same signature, a different claimed text (a forged hash line).
  std::string forged = sig;
  forged[pos - 1 - 20] = forged[pos - 1 - 20] == 'a' ? 'b' : 'a';
  dir_.Write("b/bundle.sig", forged);
  std::string msg = Verify(*vkey_);
  EXPECT_TRUE(Has(msg, "bad signature")) << msg;
  dir_.Write("b/bundle.sig", "garbage");
  msg = Verify(*vkey_);
  EXPECT_TRUE(Has(msg, "is not a signed note")) << msg;
}

TEST_F(SignedBundleTest, SingleFileBundleSignatureBesideIt) {
  std::string path = dir_.Write("one.json", kJson);
  ASSERT_TRUE(SignBundle(path, *key_).ok());
  EXPECT_TRUE(std::filesystem::exists(path + ".sig"));
  BundleLoadOptions options;
  options.verify_with = vkey_.get();
  std::vector<BundleProblem> problems;
  EXPECT_TRUE(LoadBundle(path, options, &problems).ok());
  // A bundle with problems is not signed.
  std::string bad = dir_.Write("bad.toml", "version = \"1\"\n[[rule]]\nid = \"x\"\n");
  EXPECT_FALSE(SignBundle(bad, *key_).ok());
  EXPECT_FALSE(std::filesystem::exists(bad + ".sig"));
}

}  // namespace
}  // namespace netward::filter
