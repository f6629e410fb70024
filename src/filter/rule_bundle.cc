// Reading, checking and signing rule bundles (rule_bundle.h, docs/rules.md).
//
// Both formats are first turned into one tree (nlohmann::json: TOML tables become objects), so
// TOML and JSON bundles are checked by the same code and read into equal rules. Every limit
// below is reported as a problem saying which limit and how to get under it.
#include "filter/rule_bundle.h"

#include <hs.h>
#include <openssl/sha.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "filter/rule_bundle_internal.h"
#include "store/checkpoint.h"

namespace netward::filter {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::string_view kKnownKeys =
    "id, category, severity, action, scopes, description, keyword, all_of, any_of, near, regex, "
    "domain, url_prefix, cidr";
constexpr std::string_view kPatternKeys[] = {"keyword", "all_of", "any_of",     "near",
                                             "regex",   "domain", "url_prefix", "cidr"};

bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n;
  }
  return true;
}

bool HasControl(std::string_view s) {
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string Quoted(std::string_view s) {
  std::string out = "'";
  for (char ch : s.substr(0, 80)) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  if (s.size() > 80) out += "...";
  out += "'";
  return out;
}

// --- TOML -> Json ------------------------------------------------------------------------------

bool TomlToJson(const toml::node& node, int depth, Json* out, std::string* error) {
  if (depth > kMaxNesting) {
    *error = "nested deeper than " + std::to_string(kMaxNesting) + " levels";
    return false;
  }
  if (const toml::table* t = node.as_table()) {
    *out = Json::object();
    for (const auto& [key, value] : *t) {
      Json child;
      if (!TomlToJson(value, depth + 1, &child, error)) return false;
      (*out)[std::string(key.str())] = std::move(child);
    }
  } else if (const toml::array* a = node.as_array()) {
    *out = Json::array();
    for (const toml::node& value : *a) {
      Json child;
      if (!TomlToJson(value, depth + 1, &child, error)) return false;
      out->push_back(std::move(child));
    }
  } else if (auto s = node.as_string()) {
    *out = s->get();
  } else if (auto i = node.as_integer()) {
    *out = i->get();
  } else if (auto f = node.as_floating_point()) {
    *out = f->get();
  } else if (auto b = node.as_boolean()) {
    *out = b->get();
  } else {
    *out = "(a date/time)";  // no rule key takes one: reported as the wrong type
  }
  return true;
}

// Checks limits toml++ and nlohmann do not enforce themselves before handing them the text.
std::string PreScan(std::string_view text, bool json) {
  if (text.find('\0') != std::string_view::npos) {
    return "contains a NUL byte at offset " + std::to_string(text.find('\0')) +
           " (a rule file is UTF-8 text)";
  }
  if (json) {
    int depth = 0;
    bool in_string = false, escape = false;
    for (char c : text) {
      if (in_string) {
        if (escape) {
          escape = false;
        } else if (c == '\\') {
          escape = true;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++depth > kMaxNesting) {
          return "nested deeper than " + std::to_string(kMaxNesting) +
                 " levels (a bundle needs 4: top, rules, rule, near)";
        }
      } else if (c == ']' || c == '}') {
        --depth;
      }
    }
  } else {
    size_t line = 1, start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      if (i == text.size() || text[i] == '\n') {
        if (i - start > kMaxLineBytes) {
          return "line " + std::to_string(line) + " is longer than " +
                 std::to_string(kMaxLineBytes) + " bytes";
        }
        ++line;
        start = i + 1;
      }
    }
  }
  return {};
}

// Parses one file's text into a tree; false and *error on a syntax error.
bool ParseTree(std::string_view text, bool json, const std::string& name, Json* out,
               std::string* error) {
  *error = PreScan(text, json);
  if (!error->empty()) return false;
  if (json) {
    try {
      *out = Json::parse(text);
    } catch (const Json::exception& e) {
      *error = std::string("not valid JSON: ") + e.what();
      return false;
    }
    return true;
  }
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& err) {
    std::ostringstream os;
    os << "not valid TOML: line " << err.source().begin.line << ", column "
       << err.source().begin.column << ": " << err.description();
    *error = os.str();
    return false;
  }
  return TomlToJson(table, 0, out, error);
}

// --- one rule ----------------------------------------------------------------------------------

class RuleChecker {
 public:
  RuleChecker(const std::string& file, std::vector<BundleProblem>* problems)
      : file_(file), problems_(problems) {}

  // Fills *rule from `node`; false if anything was wrong (each thing reported).
  bool Check(const Json& node, size_t index, Rule* rule) {
    label_ = "#" + std::to_string(index + 1);
    bad_ = false;
    if (!node.is_object()) {
      Problem(
          "is not a table/object; each rule is a [[rule]] table (TOML) or an object in "
          "\"rules\" (JSON)");
      return false;
    }
    // The id first, so every later problem names it.
    if (auto it = node.find("id"); it == node.end()) {
      Problem("has no id: add id = \"...\" (letters, digits, '.', '_', '-', ':', '/')");
    } else if (!it->is_string()) {
      Problem("id must be a string");
    } else {
      const std::string& id = it->get_ref<const std::string&>();
      if (id.empty() || id.size() > kMaxIdBytes || !std::all_of(id.begin(), id.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '_' || c == '-' || c == ':' || c == '/';
          })) {
        Problem("id " + Quoted(id) + " must be 1 to " + std::to_string(kMaxIdBytes) +
                " of: letters, digits, '.', '_', '-', ':', '/'");
      } else {
        rule->id = id;
        label_ = id;
      }
    }
    for (const auto& [key, value] : node.items()) {
      if (kKnownKeys.find(key) == std::string_view::npos || key.find(',') != std::string::npos ||
          !IsKnownKey(key)) {
        Problem("unknown key " + Quoted(key) + " (a rule has: " + std::string(kKnownKeys) + ")");
      }
    }
    if (auto it = node.find("category"); it != node.end()) {
      if (!it->is_string() || it->get_ref<const std::string&>().size() > 128 ||
          HasControl(it->get_ref<const std::string&>())) {
        Problem("category must be a string of at most 128 bytes, e.g. category = \"gambling\"");
      } else {
        rule->category = it->get<std::string>();
      }
    }
    if (auto it = node.find("description"); it != node.end()) {
      if (!it->is_string() || it->get_ref<const std::string&>().size() > 4096) {
        Problem("description must be a string of at most 4096 bytes");
      } else {
        rule->description = it->get<std::string>();
      }
    }
    if (auto it = node.find("severity"); it != node.end()) {
      if (!it->is_string() ||
          !SeverityFromName(it->get_ref<const std::string&>(), &rule->severity)) {
        Problem("severity must be one of \"info\", \"low\", \"medium\", \"high\", \"critical\"" +
                Got(*it));
      }
    }
    if (auto it = node.find("action"); it != node.end()) {
      if (!it->is_string() || !ActionFromName(it->get_ref<const std::string&>(), &rule->action)) {
        Problem("action must be one of \"log\", \"alert\", \"review\", \"block\"" + Got(*it));
      }
    }
    CheckPattern(node, rule);
    CheckScopes(node, rule);
    return !bad_;
  }

  const std::string& label() const { return label_; }

 private:
  static bool IsKnownKey(std::string_view key) {
    static const std::set<std::string_view> known = {
        "id",     "category", "severity", "action", "scopes", "description", "keyword",
        "all_of", "any_of",   "near",     "regex",  "domain", "url_prefix",  "cidr"};
    return known.count(key) > 0;
  }

  static std::string Got(const Json& v) {
    if (v.is_string()) return ", not " + Quoted(v.get_ref<const std::string&>());
    return ", not " + std::string(v.type_name());
  }

  void Problem(std::string reason) {
    bad_ = true;
    if (problems_->size() < kMaxProblems) {
      problems_->push_back({file_, label_, std::move(reason)});
    } else if (problems_->size() == kMaxProblems) {
      problems_->push_back(
          {file_, "",
           "more problems left out (at most " + std::to_string(kMaxProblems) + " are listed)"});
    }
  }

  // A term of a text pattern: valid UTF-8, no control characters, bounded, not empty.
  bool CheckTerm(const Json& v, std::string_view what, std::string* out) {
    if (!v.is_string()) {
      Problem(std::string(what) + " must be a string" + Got(v));
      return false;
    }
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty()) {
      Problem(std::string(what) + " is empty: give the text to look for, or remove the rule");
      return false;
    }
    if (s.size() > kMaxTermBytes) {
      Problem(std::string(what) + " is longer than " + std::to_string(kMaxTermBytes) +
              " bytes: use a shorter, characteristic part of the text");
      return false;
    }
    if (!IsUtf8(s)) {
      Problem(std::string(what) + " is not valid UTF-8: save the file as UTF-8");
      return false;
    }
    if (HasControl(s)) {
      Problem(std::string(what) + " " + Quoted(s) + " contains a control character");
      return false;
    }
    *out = s;
    return true;
  }

  bool CheckTermList(const Json& v, std::string_view key, size_t min, Rule* rule) {
    if (!v.is_array() || v.size() < min || v.size() > kMaxTermsPerRule) {
      Problem(std::string(key) + " must be a list of " + std::to_string(min) + " to " +
              std::to_string(kMaxTermsPerRule) + " strings, e.g. " + std::string(key) +
              " = [\"a\", \"b\"]");
      return false;
    }
    bool ok = true;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string term;
      if (CheckTerm(v[i], std::string(key) + "[" + std::to_string(i) + "]", &term)) {
        rule->terms.push_back(std::move(term));
      } else {
        ok = false;
      }
    }
    return ok;
  }

  void CheckPattern(const Json& node, Rule* rule) {
    std::vector<std::string_view> present;
    for (std::string_view key : kPatternKeys) {
      if (node.contains(std::string(key))) present.push_back(key);
    }
    if (present.empty()) {
      Problem(
          "has no pattern: give exactly one of keyword, all_of, any_of, near, regex, domain, "
          "url_prefix, cidr");
      return;
    }
    if (present.size() > 1) {
      std::string names;
      for (std::string_view p : present) names += (names.empty() ? "" : " and ") + std::string(p);
      Problem("has " + std::to_string(present.size()) + " patterns (" + names +
              "): a rule has exactly one; split it into one rule per pattern");
      return;
    }
    std::string_view key = present[0];
    const Json& v = node.at(std::string(key));
    PatternKindFromName(key, &rule->kind);
    std::string term;
    switch (rule->kind) {
      case PatternKind::kKeyword:
        if (CheckTerm(v, "keyword", &term)) rule->terms.push_back(term);
        break;
      case PatternKind::kAllOf:
      case PatternKind::kAnyOf:
        CheckTermList(v, key, 1, rule);
        break;
      case PatternKind::kNear: {
        static const char* kNearHelp =
            "near must be a table: near = { terms = [\"a\", \"b\"], "
            "within = 20 } (within: characters between the terms)";
        if (!v.is_object()) {
          Problem(kNearHelp);
          break;
        }
        for (const auto& [k, unused] : v.items()) {
          if (k != "terms" && k != "within") {
            Problem("near: unknown key " + Quoted(k) + " (near has terms and within)");
          }
        }
        if (!v.contains("terms") || !v.contains("within")) {
          Problem(kNearHelp);
          break;
        }
        CheckTermList(v["terms"], "near.terms", 2, rule);
        const Json& w = v["within"];
        if (!w.is_number_integer() || w.get<int64_t>() < 0 ||
            w.get<int64_t>() > static_cast<int64_t>(kMaxNear)) {
          Problem("near.within must be a whole number of characters from 0 to " +
                  std::to_string(kMaxNear));
        } else {
          rule->near = static_cast<uint32_t>(w.get<int64_t>());
        }
        break;
      }
      case PatternKind::kRegex:
        if (!CheckTerm(v, "regex", &term)) break;
        if (std::string why = CheckRegex(term); !why.empty()) {
          Problem("regex " + Quoted(term) + " is not accepted by Hyperscan: " + why);
        } else {
          rule->terms.push_back(term);
        }
        break;
      case PatternKind::kDomain:
        if (!CheckTerm(v, "domain", &term)) break;
        if (std::string d = NormalizeDomain(term); d.empty()) {
          Problem("domain " + Quoted(term) +
                  " is not a domain name: write it like \"example.com\" (it also matches its "
                  "subdomains; no scheme, port, path or '*')");
        } else {
          rule->terms.push_back(d);
        }
        break;
      case PatternKind::kUrlPrefix:
        if (!CheckTerm(v, "url_prefix", &term)) break;
        if (std::string p = NormalizeUrlPrefix(term); p.empty()) {
          Problem("url_prefix " + Quoted(term) +
                  " must start with http:// or https:// and a host, e.g. "
                  "\"http://example.com/forum/\"");
        } else {
          rule->terms.push_back(p);
        }
        break;
      case PatternKind::kCidr: {
        if (!CheckTerm(v, "cidr", &term)) break;
        IpAddress addr;
        int bits = 0;
        std::string why = ParseCidr(term, &addr, &bits);
        if (!why.empty()) {
          Problem("cidr " + Quoted(term) + ": " + why);
        } else {
          rule->terms.push_back(term);
        }
        break;
      }
    }
  }

  void CheckScopes(const Json& node, Rule* rule) {
    auto it = node.find("scopes");
    if (it == node.end()) {
      switch (rule->kind) {  // the natural places of address-like patterns
        case PatternKind::kCidr:
          rule->scopes = 1u << static_cast<int>(Scope::kIp);
          return;
        case PatternKind::kDomain:
          rule->scopes =
              (1u << static_cast<int>(Scope::kHost)) | (1u << static_cast<int>(Scope::kDns)) |
              (1u << static_cast<int>(Scope::kSni)) | (1u << static_cast<int>(Scope::kUrl));
          return;
        case PatternKind::kUrlPrefix:
          rule->scopes = 1u << static_cast<int>(Scope::kUrl);
          return;
        default:
          Problem("has no scopes: say where to look, e.g. scopes = [\"http_body\", \"post_text\"]");
          return;
      }
    }
    if (!it->is_array() || it->empty()) {
      Problem("scopes must be a non-empty list, e.g. scopes = [\"http_body\"]");
      return;
    }
    for (const Json& s : *it) {
      Scope scope;
      if (!s.is_string() || !ScopeFromName(s.get_ref<const std::string&>(), &scope)) {
        Problem("unknown scope" + Got(s).substr(5) +
                " (scopes: url, host, dns, sni, http_header, http_body, mail_subject, mail_body, "
                "ftp_file, post_text, registration, ip)");
        continue;
      }
      if (std::string why = ScopeMismatch(rule->kind, scope); !why.empty()) {
        Problem(why);
        continue;
      }
      rule->scopes |= 1u << static_cast<int>(scope);
    }
  }

  static std::string ScopeMismatch(PatternKind kind, Scope scope) {
    std::string k(PatternKindName(kind)), s(ScopeName(scope));
    switch (kind) {
      case PatternKind::kCidr:
        if (scope != Scope::kIp) {
          return "scope " + s +
                 " makes no sense for a cidr pattern: addresses are checked in "
                 "scope ip only (remove \"" +
                 s + "\")";
        }
        return {};
      case PatternKind::kDomain:
        if (scope != Scope::kHost && scope != Scope::kDns && scope != Scope::kSni &&
            scope != Scope::kUrl) {
          return "scope " + s +
                 " makes no sense for a domain pattern: use host, dns, sni or url "
                 "(to find a domain in text, use keyword)";
        }
        return {};
      case PatternKind::kUrlPrefix:
        if (scope != Scope::kUrl) {
          return "scope " + s +
                 " makes no sense for a url_prefix pattern: use url (to find a URL "
                 "in text, use keyword)";
        }
        return {};
      default:
        if (scope == Scope::kIp) {
          return "scope ip makes no sense for a " + k +
                 " pattern: scope ip holds addresses; use "
                 "cidr for them";
        }
        return {};
    }
  }

  const std::string& file_;
  std::vector<BundleProblem>* problems_;
  std::string label_;
  bool bad_ = false;
};

// --- files -------------------------------------------------------------------------------------

struct BundleFile {
  std::string name;  // base name, as signed
  std::string path;
  bool json = false;
};

Result<std::vector<BundleFile>> ListFiles(const std::string& path, bool* is_dir) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Status::NotFound(path, "no such file or directory");
  std::vector<BundleFile> files;
  auto kind = [](const fs::path& p, bool* json) {
    std::string ext = p.extension().string();
    *json = ext == ".json";
    return ext == ".json" || ext == ".toml";
  };
  *is_dir = fs::is_directory(st);
  if (*is_dir) {
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      bool json = false;
      if (!kind(it->path(), &json) || !it->is_regular_file(ec)) continue;
      files.push_back({it->path().filename().string(), it->path().string(), json});
      if (files.size() > kMaxFiles) {
        return Status::ResourceExhausted(
            path, "more than " + std::to_string(kMaxFiles) + " rule files; merge some");
      }
    }
    if (ec) return Status::IOError(path, ec.message());
    std::sort(files.begin(), files.end(),
              [](const BundleFile& a, const BundleFile& b) { return a.name < b.name; });
    if (files.empty()) {
      return Status::InvalidArgument(path, "no *.toml or *.json rule files in this directory");
    }
  } else {
    bool json = false;
    if (!kind(path, &json)) {
      return Status::InvalidArgument(path, "a bundle is a .toml or .json file or a directory");
    }
    files.push_back({fs::path(path).filename().string(), path, json});
  }
  return files;
}

Result<std::string> ReadCapped(const std::string& path, size_t cap) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path, "cannot open");
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > cap) {
      return Status::ResourceExhausted(
          path, "larger than " + std::to_string(cap >> 20) + " MiB; split the rules into files");
    }
  }
  if (in.bad()) return Status::IOError(path, "read error");
  return data;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : md) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string SignaturePath(const std::string& path, bool is_dir) {
  return is_dir ? (fs::path(path) / "bundle.sig").string() : path + ".sig";
}

struct LoadedBundle {
  RuleBundle bundle;
  std::string canonical;  // the text that is signed
  std::string sig_path;
  bool bad = false;
};

LoadedBundle ReadBundle(const std::string& path, std::vector<BundleProblem>* problems,
                        Status* status) {
  LoadedBundle out;
  auto add = [&](const std::string& file, std::string reason) {
    out.bad = true;
    if (problems->size() <= kMaxProblems) problems->push_back({file, "", std::move(reason)});
  };
  bool is_dir = false;
  auto files = ListFiles(path, &is_dir);
  if (!files.ok()) {
    *status = files.status();
    add(path, files.status().message());
    return out;
  }
  out.sig_path = SignaturePath(path, is_dir);
  std::string version_file;
  std::vector<std::pair<std::string, std::string>> hashes;
  std::unordered_map<std::string, std::string> id_file;  // id -> file that defined it first
  size_t total = 0;
  for (const BundleFile& f : *files) {
    if (!store::IsValidNoteText(f.name) || f.name.find('\n') != std::string::npos) {
      add(f.name, "the file name must be UTF-8 without control characters (it is signed)");
      continue;
    }
    auto data = ReadCapped(f.path, kMaxFileBytes);
    if (!data.ok()) {
      add(f.name, data.status().message());
      continue;
    }
    total += data->size();
    if (total > kMaxBundleBytes) {
      add(f.name, "the bundle is larger than " + std::to_string(kMaxBundleBytes >> 20) +
                      " MiB in all; remove unused rules");
      break;
    }
    hashes.emplace_back(Sha256Hex(*data), f.name);
    Json tree;
    std::string error;
    if (!ParseTree(*data, f.json, f.path, &tree, &error)) {
      add(f.name, error);
      continue;
    }
    if (!tree.is_object()) {
      add(f.name, "the top level must be an object with \"version\" and \"rules\"");
      continue;
    }
    const Json* rules = nullptr;
    for (const auto& [key, value] : tree.items()) {
      if (key == "version") {
        if (!value.is_string() || value.get_ref<const std::string&>().empty() ||
            value.get_ref<const std::string&>().size() > 128 ||
            HasControl(value.get_ref<const std::string&>()) ||
            !IsUtf8(value.get_ref<const std::string&>())) {
          add(f.name,
              "version must be a non-empty string of at most 128 bytes, e.g. version = "
              "\"2026.11.23-1\"");
        } else if (out.bundle.version.empty() ||
                   (f.name == "bundle.toml" && version_file != "bundle.toml")) {
          out.bundle.version = value.get<std::string>();
          version_file = f.name;
        } else if (value.get_ref<const std::string&>() != out.bundle.version &&
                   version_file != "bundle.toml") {
          add(f.name, "version " + Quoted(value.get_ref<const std::string&>()) + " differs from " +
                          Quoted(out.bundle.version) + " in " + version_file +
                          ": keep one version, in bundle.toml");
        }
      } else if (key == "rule" || key == "rules") {
        if (rules) {
          add(f.name, "both \"rule\" and \"rules\": use [[rule]] (TOML) or \"rules\" (JSON)");
        }
        rules = &value;
      } else {
        add(f.name, "unknown top-level key " + Quoted(key) + " (a rule file has version and " +
                        (f.json ? "\"rules\"" : "[[rule]]") + ")");
      }
    }
    if (!rules) continue;  // e.g. bundle.toml with the version only
    if (!rules->is_array()) {
      add(f.name, f.json ? "\"rules\" must be a list of objects" : "rule must be [[rule]] tables");
      continue;
    }
    RuleChecker checker(f.name, problems);
    for (size_t i = 0; i < rules->size(); ++i) {
      if (out.bundle.rules.size() >= kMaxRules) {
        add(f.name, "more than " + std::to_string(kMaxRules) +
                        " rules in the bundle; the rest are not read");
        break;
      }
      Rule rule;
      bool good = checker.Check((*rules)[i], i, &rule);
      if (!rule.id.empty()) {
        auto [it, fresh] = id_file.emplace(rule.id, f.name);
        if (!fresh) {
          if (problems->size() <= kMaxProblems) {
            problems->push_back({f.name, rule.id,
                                 "duplicate id: already used by a rule in " + it->second +
                                     "; give each rule its own id"});
          }
          good = false;
        }
      }
      if (good) {
        out.bundle.rules.push_back(std::move(rule));
      } else {
        out.bad = true;
      }
    }
  }
  if (out.bundle.version.empty() && !out.bad) {
    add(files->size() > 1 ? (is_dir ? "bundle.toml" : files->front().name) : files->front().name,
        "the bundle has no version: add version = \"...\" (e.g. the date and a counter)");
  }
  out.canonical = CanonicalText(out.bundle.version, hashes);
  return out;
}

}  // namespace

// --- helpers shared with rule_engine.cc (rule_bundle_internal.h) --------------------------------

std::string CheckRegex(const std::string& regex) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_expression_info(regex.c_str(), RegexFlags(regex), &info, &error) != HS_SUCCESS) {
    std::string why = error && error->message ? error->message : "rejected";
    hs_free_compile_error(error);
    return why;
  }
  std::string why;
  if (info->min_width == 0) {
    why =
        "it can match the empty string, so it would match every text; make it need at least "
        "one character";
  }
  free(info);  // allocated by Hyperscan's default allocator (malloc)
  return why;
}

unsigned RegexFlags(std::string_view regex) {
  unsigned flags = HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH;
  // Unicode properties only where they change the meaning: \w, \b and POSIX classes (so a
  // Chinese character is a word character). \d and \s stay ASCII: normalization has turned
  // full-width digits into ASCII and removed whitespace. UCP makes a database larger and
  // slower, so it is not set for every regex.
  for (size_t i = 0; i + 1 < regex.size(); ++i) {
    if (regex[i] == '\\') {
      if (std::strchr("wWbB", regex[i + 1])) return flags | HS_FLAG_UCP;
      ++i;  // skip the escaped character
    } else if (regex[i] == '[' && regex[i + 1] == ':') {
      return flags | HS_FLAG_UCP;
    }
  }
  return flags;
}

std::string NormalizeDomain(std::string_view domain) {
  std::string d;
  for (char c : domain) d.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  while (!d.empty() && d.back() == '.') d.pop_back();
  while (!d.empty() && d.front() == '.') d.erase(0, 1);
  if (d.empty() || d.size() > 253) return {};
  size_t label = 0;
  for (char ch : d) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (label == 0) return {};
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80)) {
      return {};
    }
    if (++label > 63) return {};
  }
  return d;
}

std::string NormalizeUrlPrefix(std::string_view url) {
  std::string u(url);
  size_t scheme_end = u.find("://");
  if (scheme_end == std::string::npos) return {};
  size_t host_end = u.find_first_of("/?#", scheme_end + 3);
  if (host_end == std::string::npos) host_end = u.size();
  for (size_t i = 0; i < host_end; ++i) {
    if (u[i] >= 'A' && u[i] <= 'Z') u[i] = static_cast<char>(u[i] + 32);
  }
  std::string_view scheme = std::string_view(u).substr(0, scheme_end);
  if ((scheme != "http" && scheme != "https") || host_end == scheme_end + 3) return {};
  return u;
}

std::string ParseCidr(std::string_view text, IpAddress* addr, int* bits) {
  size_t slash = text.find('/');
  std::string_view a = text.substr(0, slash);
  auto parsed = IpAddress::Parse(a);
  if (!parsed) {
    return "not an address: write \"192.0.2.0/24\", \"2001:db8::/32\" or a single address";
  }
  int max_bits = parsed->is_v4() ? 32 : 128;
  int len = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view l = text.substr(slash + 1);
    if (l.empty() || l.size() > 3 ||
        !std::all_of(l.begin(), l.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return "the prefix length after '/' must be a number";
    }
    len = std::stoi(std::string(l));
    if (len > max_bits) {
      return "prefix length " + std::to_string(len) + " is longer than " +
             std::to_string(max_bits) + " bits";
    }
  }
  int total = parsed->is_v4() ? len + 96 : len;
  for (int bit = total; bit < 128; ++bit) {
    if ((parsed->bytes[bit / 8] >> (7 - bit % 8)) & 1) {
      IpAddress net = *parsed;
      for (int b = total; b < 128; ++b)
        net.bytes[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
      return "address bits are set after the /" + std::to_string(len) + " prefix: did you mean " +
             net.ToString() + "/" + std::to_string(len) + "?";
    }
  }
  *addr = *parsed;
  *bits = total;
  return {};
}

std::string CanonicalText(const std::string& version,
                          const std::vector<std::pair<std::string, std::string>>& hashes) {
  std::string text = "netward-rules v1\n" + version + "\n";
  for (const auto& [hash, name] : hashes) text += hash + " " + name + "\n";
  return text;
}

// --- signatures --------------------------------------------------------------------------------

namespace {

// Verifies `note` (the .sig file) against `key` and the bundle's canonical text. Empty if good,
// else the reason.
std::string VerifySignature(std::string_view note, const store::VerifierKey& key,
                            const std::string& canonical, const std::string& sig_path) {
  std::string label = key.name() + "+" + [&] {
    char hex[9];
    std::snprintf(hex, sizeof(hex), "%08x", key.key_id());
    return std::string(hex);
  }();
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos || !store::IsValidNoteText(note)) {
    return "signature file " + sig_path +
           " is not a signed note; sign again with `netward rules "
           "sign`";
  }
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  std::vector<std::string> others;
  bool found = false, verified = false;
  int count = 0;
  while (!sigs.empty() && ++count <= 100) {
    size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl == std::string_view::npos ? sigs.size() : nl + 1);
    constexpr std::string_view kPrefix = "\xe2\x80\x94 ";
    if (line.substr(0, kPrefix.size()) != kPrefix) continue;
    line.remove_prefix(kPrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    std::string name(line.substr(0, space));
    std::string blob;
    // base64 decode via the checkpoint module's decoder is private; decode here.
    static const std::string kB64 =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    int nbits = 0;
    bool bad = false;
    for (char c : line.substr(space + 1)) {
      if (c == '=') break;
      size_t v = kB64.find(c);
      if (v == std::string::npos) {
        bad = true;
        break;
      }
      acc = (acc << 6) | static_cast<uint32_t>(v);
      nbits += 6;
      if (nbits >= 8) {
        nbits -= 8;
        blob.push_back(static_cast<char>((acc >> nbits) & 0xff));
      }
    }
    if (bad || blob.size() != 68) continue;
    uint32_t id = (static_cast<uint32_t>(static_cast<uint8_t>(blob[0])) << 24) |
                  (static_cast<uint32_t>(static_cast<uint8_t>(blob[1])) << 16) |
                  (static_cast<uint32_t>(static_cast<uint8_t>(blob[2])) << 8) |
                  static_cast<uint32_t>(static_cast<uint8_t>(blob[3]));
    char hex[9];
    std::snprintf(hex, sizeof(hex), "%08x", id);
    if (name != key.name() || id != key.key_id()) {
      others.push_back(name + "+" + hex);
      continue;
    }
    found = true;
    if (key.Verify(text, std::string_view(blob).substr(4))) verified = true;
  }
  if (!found) {
    std::string by;
    for (const std::string& o : others) by += (by.empty() ? "" : ", ") + o;
    return "wrong key: the bundle is signed by " + (by.empty() ? std::string("nobody") : by) +
           ", not by " + label + " (check --pubkey, or sign again with that key's .key)";
  }
  if (!verified) {
    return "bad signature: the signature by " + label + " in " + sig_path +
           " does not verify (the .sig file was altered); sign again";
  }
  if (text != canonical) {
    // Say what changed: version, or which files.
    auto lines = [](std::string_view t) {
      std::vector<std::string> out;
      for (size_t pos = 0; pos < t.size();) {
        size_t nl = t.find('\n', pos);
        out.emplace_back(t.substr(pos, nl - pos));
        pos = nl + 1;
      }
      return out;
    };
    std::vector<std::string> signed_lines = lines(text), now_lines = lines(canonical);
    std::string what;
    if (signed_lines.size() < 2 || signed_lines[0] != "netward-rules v1") {
      what = "the signed text is not a netward rule bundle's";
    } else if (signed_lines[1] != now_lines[1]) {
      what = "version is now " + Quoted(now_lines[1]) + ", signed was " + Quoted(signed_lines[1]);
    } else {
      std::map<std::string, std::string> before, after;
      for (size_t i = 2; i < signed_lines.size(); ++i) {
        size_t sp = signed_lines[i].find(' ');
        if (sp != std::string::npos) before[signed_lines[i].substr(sp + 1)] = signed_lines[i];
      }
      for (size_t i = 2; i < now_lines.size(); ++i) {
        size_t sp = now_lines[i].find(' ');
        after[now_lines[i].substr(sp + 1)] = now_lines[i];
      }
      for (const auto& [name, line] : after) {
        auto it = before.find(name);
        if (it == before.end()) {
          what += (what.empty() ? "" : ", ") + name + " was added";
        } else if (it->second != line) {
          what += (what.empty() ? "" : ", ") + name + " was changed";
        }
      }
      for (const auto& [name, line] : before) {
        if (!after.count(name)) what += (what.empty() ? "" : ", ") + name + " was removed";
      }
    }
    return "modified after signing: " + what + " (sign again after reviewing the change)";
  }
  return {};
}

}  // namespace

Result<RuleBundle> LoadBundle(const std::string& path, const BundleLoadOptions& options,
                              std::vector<BundleProblem>* problems) {
  std::vector<BundleProblem> local;
  if (!problems) problems = &local;
  Status status;
  LoadedBundle loaded = ReadBundle(path, problems, &status);
  if (!status.ok()) return status;
  if (options.verify_with) {
    auto note = ReadCapped(loaded.sig_path, 1 << 16);
    std::string why;
    if (!note.ok()) {
      std::error_code ec;
      why = fs::exists(loaded.sig_path, ec)
                ? note.status().message()
                : "unsigned: no signature file " + loaded.sig_path +
                      " (sign with `netward rules sign " + path + " --key KEY`)";
    } else {
      why = VerifySignature(*note, *options.verify_with, loaded.canonical, loaded.sig_path);
    }
    if (!why.empty()) {
      problems->push_back({fs::path(loaded.sig_path).filename().string(), "", why});
      return Status::InvalidArgument(path, "signature: " + why);
    }
  }
  if (loaded.bad) {
    size_t n = problems->size();
    return Status::InvalidArgument(
        path, std::to_string(n) + (n == 1 ? " problem" : " problems") +
                  " (first: " + (*problems)[0].file +
                  ((*problems)[0].rule_id.empty() ? "" : ": rule " + (*problems)[0].rule_id) +
                  ": " + (*problems)[0].reason + ")");
  }
  return std::move(loaded.bundle);
}

Status SignBundle(const std::string& path, const store::SigningKey& key) {
  std::vector<BundleProblem> problems;
  Status status;
  LoadedBundle loaded = ReadBundle(path, &problems, &status);
  if (!status.ok()) return status;
  if (loaded.bad) {
    return Status::InvalidArgument(path, "not signed: the bundle has " +
                                             std::to_string(problems.size()) +
                                             " problems (run `netward rules check` and fix them)");
  }
  std::string note = store::SignNote(loaded.canonical, key);
  std::string tmp = loaded.sig_path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << note;
    out.flush();
    if (!out) return Status::IOError(tmp, "cannot write");
  }
  std::error_code ec;
  fs::rename(tmp, loaded.sig_path, ec);
  if (ec) return Status::IOError(loaded.sig_path, ec.message());
  return Status::OK();
}

}  // namespace netward::filter
