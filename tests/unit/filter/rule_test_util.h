// tests/unit/filter/rule_test_util.h: temporary bundle files and compiled rules for the
// rule_*_test.cc files.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "filter/normalizer.h"
#include "filter/rule_bundle.h"
#include "filter/rule_engine.h"

namespace netward::filter::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "netward-rules-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  std::string Write(const std::string& name, const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path(File(name)).parent_path());
    std::ofstream out(File(name), std::ios::binary | std::ios::trunc);
    out << text;
    return File(name);
  }

 private:
  std::string path_;
};

inline std::shared_ptr<const Normalizer> TestNormalizer() {
  static std::shared_ptr<const Normalizer> n = [] {
    auto created = Normalizer::Create();
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return std::shared_ptr<const Normalizer>(std::move(created.value()));
  }();
  return n;
}

// Loads and compiles `toml` (a whole bundle file); fails the test on any problem.
inline std::shared_ptr<const CompiledRules> CompileToml(const std::string& toml) {
  TempDir dir;
  std::string path = dir.Write("rules.toml", toml);
  std::vector<BundleProblem> problems;
  auto bundle = LoadBundle(path, {}, &problems);
  for (const auto& p : problems) ADD_FAILURE() << p.file << ": " << p.rule_id << ": " << p.reason;
  if (!bundle.ok()) {
    ADD_FAILURE() << bundle.status().ToString();
    return nullptr;
  }
  auto compiled = CompiledRules::Compile(std::move(bundle.value()), TestNormalizer(), &problems);
  for (const auto& p : problems) ADD_FAILURE() << p.rule_id << ": " << p.reason;
  if (!compiled.ok()) {
    ADD_FAILURE() << compiled.status().ToString();
    return nullptr;
  }
  return compiled.value();
}

// Ids of the rules that match `text` in `scope` (Check, default normalization).
inline std::vector<std::string> MatchIds(const CompiledRules& rules, Scope scope,
                                         const std::string& text, Verdict* out = nullptr) {
  Verdict v;
  rules.Check(scope, text, NormalizeOptions{}, &v);
  std::vector<std::string> ids;
  for (const Match& m : v.matches) ids.push_back(m.rule->id);
  if (out) *out = v;
  return ids;
}

}  // namespace netward::filter::testing
