// `netward rules check | test | sign`: the rule bundle tools (filter/rule_bundle.h,
// filter/rule_engine.h, docs/rules.md).
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "filter/rule_bundle.h"
#include "filter/rule_engine.h"
#include "store/signing_key.h"

namespace netward::cli {
namespace {

using filter::BundleProblem;

struct RulesOptions {
  std::string bundle;
  std::string pubkey;
  std::string key;
  std::string text;
  std::string file;
  std::string scope;
  std::string charset;
  bool html = false;
};

void PrintProblems(const std::string& bundle, const std::vector<BundleProblem>& problems) {
  for (const BundleProblem& p : problems) {
    std::cerr << (p.file.empty() ? bundle : p.file) << ": ";
    if (!p.rule_id.empty()) std::cerr << "rule " << p.rule_id << ": ";
    std::cerr << p.reason << "\n";
  }
}

// Loads (verifying with --pubkey if given) and compiles; prints problems and sets the exit code
// on failure.
std::shared_ptr<const filter::CompiledRules> LoadAndCompile(const RulesOptions& o,
                                                            const char* command) {
  std::unique_ptr<store::VerifierKey> vkey;
  filter::BundleLoadOptions options;
  if (!o.pubkey.empty()) {
    auto loaded = store::VerifierKey::Load(o.pubkey);
    if (!loaded.ok()) {
      std::cerr << "netward rules " << command << ": " << loaded.status().message() << "\n";
      SetExitCode(2);
      return nullptr;
    }
    vkey = std::make_unique<store::VerifierKey>(loaded.value());
    options.verify_with = vkey.get();
  }
  std::vector<BundleProblem> problems;
  auto bundle = filter::LoadBundle(o.bundle, options, &problems);
  if (!bundle.ok()) {
    if (problems.empty()) {
      std::cerr << "netward rules " << command << ": " << bundle.status().message() << "\n";
    } else {
      PrintProblems(o.bundle, problems);
      std::cerr << "netward rules " << command << ": " << o.bundle << ": " << problems.size()
                << (problems.size() == 1 ? " problem" : " problems") << "\n";
    }
    SetExitCode(1);
    return nullptr;
  }
  auto normalizer = filter::Normalizer::Create();
  if (!normalizer.ok()) {
    std::cerr << "netward rules " << command << ": " << normalizer.status().message() << "\n";
    SetExitCode(1);
    return nullptr;
  }
  auto compiled = filter::CompiledRules::Compile(
      std::move(bundle.value()),
      std::shared_ptr<const filter::Normalizer>(std::move(normalizer.value())), &problems);
  if (!compiled.ok()) {
    PrintProblems(o.bundle, problems);
    if (problems.empty()) {
      std::cerr << "netward rules " << command << ": " << compiled.status().message() << "\n";
    }
    SetExitCode(1);
    return nullptr;
  }
  return compiled.value();
}

void RunCheck(const RulesOptions& o) {
  std::vector<BundleProblem> problems;
  auto rules = LoadAndCompile(o, "check");
  if (!rules) return;
  // Rules per scope, from the bundle as read (the compiled rules keep no per-scope count).
  auto bundle = filter::LoadBundle(o.bundle, {}, &problems);
  std::map<int, size_t> per_scope;
  if (bundle.ok()) {
    for (const filter::Rule& r : bundle->rules) {
      for (int s = 0; s < filter::kScopeCount; ++s) {
        if (r.HasScope(static_cast<filter::Scope>(s))) ++per_scope[s];
      }
    }
  }
  std::cout << rules->rule_count() << (rules->rule_count() == 1 ? " rule" : " rules")
            << ", version " << rules->version() << ", scopes";
  const char* sep = " ";
  for (const auto& [s, n] : per_scope) {
    std::cout << sep << filter::ScopeName(static_cast<filter::Scope>(s)) << " " << n;
    sep = ", ";
  }
  if (per_scope.empty()) std::cout << " none";
  std::cout << (o.pubkey.empty() ? "" : ", signature good") << "\n";
  // Regexes without literal factors are scanned over every text: worth knowing for speed.
  const filter::CompileStats stats = rules->stats();
  if (stats.regexes > 0) {
    std::cout << "regexes (counted per scope): " << stats.gated_regexes << " of " << stats.regexes
              << " scanned only around their literal factors";
    if (stats.gated_regexes < stats.regexes) {
      std::cout << "; the other " << stats.regexes - stats.gated_regexes
                << " over every text (docs/rules.md, \"Regex gating\", says what keeps a regex "
                   "ungated)";
    }
    std::cout << "\n";
  }
}

void PrintVerdict(const filter::Verdict& v) {
  for (const filter::Match& m : v.matches) {
    std::cout << "match: rule " << m.rule->id;
    if (!m.rule->category.empty()) std::cout << " (" << m.rule->category << ")";
    std::cout << ", action " << filter::ActionName(m.rule->action) << ", severity "
              << filter::SeverityName(m.rule->severity) << ", scope " << filter::ScopeName(m.scope)
              << "\n";
    std::cout << "  excerpt: " << m.excerpt << "\n";
    std::cout << "  why: " << m.why << "\n";
    if (!m.rule->description.empty()) std::cout << "  description: " << m.rule->description << "\n";
  }
}

void RunTest(const RulesOptions& o) {
  if (o.text.empty() == o.file.empty()) {
    std::cerr << "netward rules test: give the text to check with --text or --file (one of them)\n";
    SetExitCode(2);
    return;
  }
  std::vector<filter::Scope> scopes;
  if (!o.scope.empty()) {
    filter::Scope s;
    if (!filter::ScopeFromName(o.scope, &s)) {
      std::cerr << "netward rules test: --scope '" << o.scope
                << "': one of url, host, dns, sni, http_header, http_body, mail_subject, "
                   "mail_body, ftp_file, post_text, registration, ip\n";
      SetExitCode(2);
      return;
    }
    scopes.push_back(s);
  }
  std::string raw = o.text;
  if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) {
      std::cerr << "netward rules test: " << o.file << ": cannot open\n";
      SetExitCode(1);
      return;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    raw = ss.str();
  }
  auto rules = LoadAndCompile(o, "test");
  if (!rules) return;
  if (scopes.empty()) {  // every scope the bundle has rules for
    for (int s = 0; s < filter::kScopeCount; ++s) {
      if (rules->HasScope(static_cast<filter::Scope>(s))) {
        scopes.push_back(static_cast<filter::Scope>(s));
      }
    }
  }
  filter::Verdict verdict;
  std::string last_normalized = "\x01";
  for (filter::Scope s : scopes) {
    if (s == filter::Scope::kIp) {
      if (auto ip = IpAddress::Parse(raw)) rules->CheckIp(*ip, &verdict);
      continue;
    }
    filter::NormalizeOptions options;
    options.declared_charset = o.charset;
    options.is_html = o.html;
    options.is_url = s == filter::Scope::kUrl;
    std::string normalized;
    rules->normalizer().Normalize(raw, options, &normalized);
    if (normalized != last_normalized) {
      std::cout << "normalized (" << filter::ScopeName(s) << "): " << normalized << "\n";
      last_normalized = normalized;
    }
    rules->Check(s, raw, options, &verdict);
  }
  PrintVerdict(verdict);
  if (verdict.matched) {
    std::cout << "verdict: " << filter::ActionName(verdict.action) << " (" << verdict.matches.size()
              << (verdict.matches.size() == 1 ? " match" : " matches") << ")\n";
  } else {
    std::cout << "verdict: no rule matched\n";
    SetExitCode(3);  // like `netward trace`: nothing found
  }
}

void RunSign(const RulesOptions& o) {
  auto key = store::SigningKey::Load(o.key);
  if (!key.ok()) {
    std::cerr << "netward rules sign: " << key.status().message() << "\n";
    SetExitCode(2);
    return;
  }
  std::vector<BundleProblem> problems;
  auto bundle = filter::LoadBundle(o.bundle, {}, &problems);
  if (!bundle.ok()) {
    PrintProblems(o.bundle, problems);
    std::cerr << "netward rules sign: " << bundle.status().message()
              << "\nnetward rules sign: not signed; fix the problems first\n";
    SetExitCode(1);
    return;
  }
  Status signed_ = filter::SignBundle(o.bundle, key.value());
  if (!signed_.ok()) {
    std::cerr << "netward rules sign: " << signed_.message() << "\n";
    SetExitCode(1);
    return;
  }
  std::cout << "signed " << o.bundle << " (version " << bundle->version << ", "
            << bundle->rules.size() << " rules) with key " << key->name() << "\n";
}

}  // namespace

void RegisterRules(CLI::App& app) {
  CLI::App* rules = app.add_subcommand(
      "rules", "Check, try out and sign content-filter rule bundles (docs/rules.md).");
  rules->require_subcommand(1);
  rules->footer(
      "A bundle is a .toml/.json file, or a directory of them, with a version and rules:\n"
      "  version = \"2026.11.23-1\"\n"
      "  [[rule]]\n"
      "  id = \"gambling-1\"\n"
      "  category = \"gambling\"\n"
      "  action = \"block\"                 # log < alert < review < block\n"
      "  scopes = [\"http_body\", \"post_text\"]\n"
      "  keyword = \"网上赌博\"             # or all_of, any_of, near, regex, domain, url_prefix, "
      "cidr\n"
      "Workflow: edit, `netward rules check`, try texts with `netward rules test`, then\n"
      "`netward rules sign` and deploy; the probe and the site API load only bundles that\n"
      "verify against their configured public key. Example bundle: examples/rules/.");

  auto o = std::make_shared<RulesOptions>();
  {
    CLI::App* c = rules->add_subcommand(
        "check", "Read and compile a bundle; list every problem, or print a one-line summary.");
    c->add_option("BUNDLE", o->bundle, "Rule file (.toml/.json) or directory")->required();
    c->add_option("--pubkey", o->pubkey,
                  "Also verify the signature (BUNDLE.sig or BUNDLE/bundle.sig) with this public "
                  "key file (from `netward keygen`)");
    c->footer(
        "Prints \"N rules, version V, scopes ...\" and exits 0 if every rule is good; else lists\n"
        "each problem as \"FILE: rule ID: reason\" (the reason says how to fix it) and exits 1.\n"
        "Exit status: 0 good, 1 problems or a bad signature, 2 bad options.\n"
        "Example: netward rules check examples/rules --pubkey examples/rules/rules-example.pub");
    c->callback([o] { RunCheck(*o); });
  }
  {
    CLI::App* c = rules->add_subcommand(
        "test", "Show how a text is normalized and which rules match it, and why.");
    c->add_option("BUNDLE", o->bundle, "Rule file (.toml/.json) or directory")->required();
    auto* text = c->add_option("--text", o->text, "The text to check");
    auto* file = c->add_option("--file", o->file, "Read the text to check from FILE (raw bytes)");
    text->excludes(file);
    c->add_option("--scope", o->scope,
                  "Check as this scope (url, host, dns, sni, http_header, http_body, "
                  "mail_subject, mail_body, ftp_file, post_text, registration, ip); default: "
                  "every scope the bundle has rules for");
    c->add_option("--charset", o->charset,
                  "Declared charset of the text (e.g. gbk, big5); default: detected");
    c->add_flag("--html", o->html, "The text is HTML: strip tags, decode entities");
    c->add_option("--pubkey", o->pubkey, "Verify the bundle's signature first");
    c->footer(
        "Prints the normalized text (what rules are matched against: case-folded, full-width\n"
        "to half-width, traditional to simplified Chinese, spaces and punctuation removed), then\n"
        "one block per matching rule: id, category, action, scope, an excerpt of the normalized\n"
        "text and why it matched (\"all_of: 'a' at 3, 'b' at 17\", character positions).\n"
        "Examples:\n"
        "  netward rules test examples/rules --text '网 上 賭 博' --scope post_text\n"
        "  netward rules test examples/rules --file page.html --html --charset gbk "
        "--scope http_body\n"
        "  netward rules test examples/rules --text 'http://www.casino.example/x' --scope url\n"
        "Exit status: 0 a rule matched, 3 no rule matched, 1 problems in the bundle or its\n"
        "signature or an unreadable --file, 2 bad options.");
    c->callback([o] { RunTest(*o); });
  }
  {
    CLI::App* c = rules->add_subcommand(
        "sign", "Sign a bundle (writes BUNDLE.sig, or BUNDLE/bundle.sig for a directory).");
    c->add_option("BUNDLE", o->bundle, "Rule file (.toml/.json) or directory")->required();
    c->add_option("--key", o->key, "Private key file from `netward keygen` (mode 0600)")
        ->option_text("PRIVATE_KEY_FILE REQUIRED")
        ->required();
    c->footer(
        "The signature is a C2SP signed note (the format of store checkpoints) over\n"
        "\"netward-rules v1\", the version and the SHA-256 of every rule file. Any later change\n"
        "to a file, an added or removed file, or a new version makes the probe refuse the\n"
        "bundle until it is signed again. A bundle with problems is not signed.\n"
        "Exit status: 0 signed, 1 problems or a write error, 2 bad key or options.\n"
        "Example:\n"
        "  netward keygen --name example.com/netward/rules --out rules-signing\n"
        "  netward rules sign /etc/netward/rules --key rules-signing.key");
    c->callback([o] { RunSign(*o); });
  }
}

}  // namespace netward::cli
