// tests/unit/filter/regex_gen.h: random regexes and texts over a small alphabet, for the factor
// extractor's soundness test and the gated-vs-ungated engine test. The grammar covers what
// regex_factors.h reads (literal runs, escapes, classes, groups, alternation, every quantifier,
// `.`) and, now and then, what it must refuse (anchors, \b, \w, (?i), lookahead, backreferences).
// The alphabet is small (a b c x 1 2 and two Chinese characters) so that matches are common.
#pragma once

#include <random>
#include <string>

namespace netward::filter::testing {

class RegexGen {
 public:
  explicit RegexGen(uint64_t seed, bool refusals = true) : rng_(seed), refusals_(refusals) {}

  std::string Regex() { return Alt(0); }

  // A random text: alphabet characters, sometimes with pieces of `plant` (a regex's literals).
  std::string Text(size_t max_chars) {
    std::string t;
    size_t n = Pick(max_chars + 1);
    for (size_t i = 0; i < n; ++i) t += Char(true);
    return t;
  }

  std::string Char(bool text) {
    static const char* kChars[] = {"a", "b", "c", "x", "1", "2", "\xe8\xb5\x8c", "\xe5\x8d\x9a"};
    static const char* kRare[] = {"z", "9", " ", "\n", ".", "-"};
    if (text && Pick(10) == 0) return kRare[Pick(6)];
    return kChars[Pick(8)];
  }

  size_t Pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::string Alt(int depth) {
    std::string r = Seq(depth);
    if (depth < 3 && Pick(5) == 0) {
      size_t n = 1 + Pick(3);
      for (size_t i = 0; i < n; ++i) r += "|" + Seq(depth);
    }
    return r;
  }
  std::string Seq(int depth) {
    std::string r;
    size_t n = 1 + Pick(depth == 0 ? 6 : 3);
    for (size_t i = 0; i < n; ++i) r += Atom(depth) + Quant();
    return r;
  }
  std::string Quant() {
    switch (Pick(14)) {
      case 0:
        return "?";
      case 1:
        return "*";
      case 2:
        return "+";
      case 3:
        return "{" + std::to_string(Pick(4)) + "}";
      case 4: {
        size_t lo = Pick(3);
        return "{" + std::to_string(lo) + "," + std::to_string(lo + Pick(4)) + "}";
      }
      case 5:
        return "{" + std::to_string(Pick(3)) + ",}";
      case 6:
        return "??";
      default:
        return "";
    }
  }
  std::string Atom(int depth) {
    if (refusals_ && Pick(40) == 0) {
      static const char* kRefused[] = {"^", "$", "\\b", "\\B", "\\w", "(?i)a", "(?=a)", "\\W"};
      return kRefused[Pick(8)];
    }
    switch (Pick(12)) {
      case 0:
      case 1:
      case 2:
      case 3: {
        std::string run;
        size_t n = 1 + Pick(4);
        for (size_t i = 0; i < n; ++i) run += Char(false);
        return run;
      }
      case 4:
        return depth < 3 ? "(" + Alt(depth + 1) + ")" : Char(false);
      case 5:
        return depth < 3 ? "(?:" + Alt(depth + 1) + ")" : Char(false);
      case 6: {
        static const char* kClasses[] = {"[abc]",  "[0-9]", "[a-c]",
                                         "[^a]",   "[12]",  "[\xe8\xb5\x8c\xe5\x8d\x9a]",
                                         "[a\\d]", "[\\s1]"};
        return kClasses[Pick(8)];
      }
      case 7: {
        static const char* kEscapes[] = {"\\d", "\\s", "\\D", "\\S", "\\.", "\\-", "\\x61", "\\n"};
        return kEscapes[Pick(8)];
      }
      case 8:
        return ".";
      default:
        return Char(false);
    }
  }

  std::mt19937_64 rng_;
  bool refusals_;
};

}  // namespace netward::filter::testing
