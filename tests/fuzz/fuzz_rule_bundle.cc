// tests/fuzz/fuzz_rule_bundle.cc: the rule bundle reader and compiler on arbitrary files.
// Input: byte 0 picks the format (even: TOML, odd: JSON); the rest up to the first "\n#TEXT\n"
// is the rule file, what follows is a text checked in every scope. Every input must end in
// rules or in problems, never a crash, hang or escaping exception; a bundle that loads must
// compile or report why, and checking text with compiled rules must not crash. Files with
// large counted repeats are loaded but not compiled (counted_repeats.h: Hyperscan's time).
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "counted_repeats.h"
#include "filter/rule_bundle.h"
#include "filter/rule_engine.h"

using namespace netward::filter;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const std::string dir = [] {
    char tmpl[] = "/tmp/fuzz-rule-bundle-XXXXXX";
    return std::string(::mkdtemp(tmpl) ? tmpl : "/tmp");
  }();
  static std::shared_ptr<const Normalizer> normalizer = [] {
    auto n = Normalizer::Create();
    if (!n.ok()) __builtin_trap();
    return std::shared_ptr<const Normalizer>(std::move(n.value()));
  }();
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string text;
  if (size_t sep = input.find("\n#TEXT\n"); sep != std::string::npos) {
    text = input.substr(sep + 7);
    input.resize(sep);
  }
  const std::string path = dir + ((data[0] & 1) ? "/bundle.json" : "/bundle.toml");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << input;
  }
  std::vector<BundleProblem> problems;
  auto bundle = LoadBundle(path, {}, &problems);
  ::unlink(path.c_str());
  if (!bundle.ok()) {
    if (problems.empty() && bundle.status().ok()) __builtin_trap();
    return 0;
  }
  if (!problems.empty()) __builtin_trap();  // problems mean the load fails
  if (!netward::fuzz::SmallCountedRepeats(input)) return 0;
  auto compiled = CompiledRules::Compile(std::move(bundle.value()), normalizer, &problems);
  if (!compiled.ok()) return 0;
  Verdict verdict;
  for (int s = 0; s < kScopeCount; ++s) {
    compiled.value()->Check(static_cast<Scope>(s), text, NormalizeOptions{}, &verdict);
  }
  if (auto ip = netward::IpAddress::Parse(text)) compiled.value()->CheckIp(*ip, &verdict);
  for (const Match& m : verdict.matches) {
    if (m.rule == nullptr || m.excerpt.size() > 4 * 64 * 2 + 4 * 1024 + 256) __builtin_trap();
  }
  return 0;
}
