// bench/filter_bench.cc: the content filter's throughput (issue 5, docs/rules.md).
// Shape: a generated bundle of K keyword rules (default 20 000; half Chinese, 3 to 6
// characters from 3000 common ones, half English, one to three words of 3 to 9 letters) plus R
// regex rules (default 2000: a literal word, digits or a short gap, another literal), all in
// scope http_body; a generated mixed Chinese/English text (default 64 MB: runs of Chinese
// characters and English words, spaces and punctuation), with a real keyword planted about
// every 64 KB so the match path is exercised. The text is checked in chunks of --chunk bytes
// (default 16 KiB, an HTTP body), one thread, as a probe worker does.
// Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID): MB/s per core.
// Reports: bundle load and compile time; MB/s of the matcher alone (CheckNormalized on text
// normalized beforehand, MB of normalized text) and of normalizer + matcher (Check on the raw
// text, MB of raw text); matches found.
// Usage: filter_bench [--mb N] [--keywords K] [--regexes R] [--chunk BYTES] [--seed S]
//                     [--zh-share F] [--text-file FILE] [--html] [--no-gate] [--markdown FILE]
// --zh-share: the share of text runs that are Chinese (default 0.5; the rest English words of
// uniformly random letters, which normalization joins into one letter stream: the hard case for
// 10 000 English keywords).
// --repeat N: runs of the matcher alone, the best reported (default 3; more for a profile).
// --no-gate: scan every regex over every text (CompileOptions::gate_regexes = false), as before
// regex gating.
// --text-file: check the bytes of FILE instead (e.g. HTTP bodies of a capture), cut in chunks;
// --html: normalize them as an HTML body declared UTF-8 (as the probe does for text/html).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "filter/rule_bundle.h"
#include "filter/rule_engine.h"

namespace {
using namespace netward;
using namespace netward::filter;
using Clock = std::chrono::steady_clock;

// This thread's CPU time (the bench machine is shared: wall time would count other programs).
double CpuNow() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
struct Timer {
  double cpu = CpuNow();
  Clock::time_point wall = Clock::now();
};
double Since(const Timer& t) { return CpuNow() - t.cpu; }
double WallSince(const Timer& t) {
  return std::chrono::duration<double>(Clock::now() - t.wall).count();
}

// 3000 CJK characters from the most common block (U+4E00..), as UTF-8.
std::vector<std::string> ChineseChars() {
  std::vector<std::string> out;
  for (uint32_t cp = 0x4e00; out.size() < 3000; cp += 3) {
    char b[4] = {static_cast<char>(0xe0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 63)),
                 static_cast<char>(0x80 | (cp & 63)), 0};
    out.emplace_back(b);
  }
  return out;
}

std::string Word(std::mt19937_64& rng, int min_len, int max_len) {
  std::string w;
  int n = min_len + static_cast<int>(rng() % (max_len - min_len + 1));
  for (int i = 0; i < n; ++i) w.push_back(static_cast<char>('a' + rng() % 26));
  return w;
}

std::string Zh(std::mt19937_64& rng, const std::vector<std::string>& chars, int min_len,
               int max_len) {
  std::string w;
  int n = min_len + static_cast<int>(rng() % (max_len - min_len + 1));
  for (int i = 0; i < n; ++i) w += chars[rng() % chars.size()];
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  size_t mb = 64, keywords = 20000, regexes = 2000, chunk = 16384;
  uint64_t seed = 1;
  double zh_share = 0.5;
  std::string markdown, text_file;
  bool html = false, gate = true;
  int repeat = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "filter_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::printf(
          "filter_bench: issue 5's matcher benchmark: 20 k keyword and 2 k regex rules (one "
          "scope) over generated mixed Chinese/English text; MB/s per core of the matcher alone, "
          "the normalizer alone and both (bench/RESULTS.md, \"Filter\").\n"
          "usage: filter_bench [--mb N] [--keywords K] [--regexes R] [--chunk BYTES] "
          "[--zh-share F] [--seed S] [--text-file FILE] [--html] [--no-gate] [--repeat N] "
          "[--markdown FILE]\n");
      return 0;
    }
    if (a == "--mb") {
      mb = std::stoul(next());
    } else if (a == "--keywords") {
      keywords = std::stoul(next());
    } else if (a == "--regexes") {
      regexes = std::stoul(next());
    } else if (a == "--chunk") {
      chunk = std::stoul(next());
    } else if (a == "--zh-share") {
      zh_share = std::stod(next());
    } else if (a == "--seed") {
      seed = std::stoull(next());
    } else if (a == "--text-file") {
      text_file = next();
    } else if (a == "--html") {
      html = true;
    } else if (a == "--repeat") {
      repeat = std::max(1, std::stoi(next()));
    } else if (a == "--no-gate") {
      gate = false;
    } else if (a == "--markdown") {
      markdown = next();
    } else {
      std::fprintf(stderr,
                   "usage: filter_bench [--mb N] [--keywords K] [--regexes R] [--chunk BYTES] "
                   "[--zh-share F] [--seed S] [--text-file FILE] [--html] [--no-gate] "
                   "[--repeat N] [--markdown FILE]\n");
      return 2;
    }
  }
  std::mt19937_64 rng(seed);
  const auto chars = ChineseChars();

  // --- the bundle ---
  std::vector<std::string> planted;  // keywords to plant in the text
  std::string toml = "version = \"bench\"\n";
  for (size_t i = 0; i < keywords; ++i) {
    std::string kw;
    if (i % 2) {
      kw = Zh(rng, chars, 3, 6);
    } else {
      // One word of 6 to 12 letters or two or three of 3 to 9: after normalization (no
      // spaces) a short word would also be found inside longer ones.
      int words = 1 + static_cast<int>(rng() % 3);
      for (int w = 0; w < words; ++w) {
        kw += (w ? " " : "") + (words == 1 ? Word(rng, 6, 12) : Word(rng, 3, 9));
      }
    }
    if (i % 97 == 0) planted.push_back(kw);
    toml += "[[rule]]\nid = \"k" + std::to_string(i) + "\"\naction = \"" +
            (i % 3 ? "alert" : "block") + "\"\nscopes = [\"http_body\"]\nkeyword = \"" + kw +
            "\"\n";
  }
  for (size_t i = 0; i < regexes; ++i) {
    std::string re;
    switch (i % 3) {
      case 0:
        re = Word(rng, 4, 8) + "[0-9]{4,8}";
        break;
      case 1:
        re = Zh(rng, chars, 2, 2) + ".{0,6}" + Zh(rng, chars, 2, 2);
        break;
      default:
        re = "(" + Word(rng, 4, 6) + "|" + Word(rng, 4, 6) + ")\\d{3}" + Word(rng, 3, 5);
        break;
    }
    toml += "[[rule]]\nid = \"r" + std::to_string(i) +
            "\"\naction = \"review\"\nscopes = [\"http_body\"]\nregex = '" + re + "'\n";
  }
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("netward-filter-bench-" + std::to_string(::getpid())))
                        .string();
  std::filesystem::create_directories(dir);
  std::string path = dir + "/bench.toml";
  {
    std::ofstream out(path);
    out << toml;
  }
  Timer t0;
  std::vector<BundleProblem> problems;
  auto bundle = LoadBundle(path, {}, &problems);
  std::filesystem::remove_all(dir);
  if (!bundle.ok()) {
    std::fprintf(stderr, "filter_bench: %s\n", bundle.status().ToString().c_str());
    return 1;
  }
  double load_s = Since(t0);
  auto normalizer = Normalizer::Create();
  if (!normalizer.ok()) {
    std::fprintf(stderr, "filter_bench: %s\n", normalizer.status().ToString().c_str());
    return 1;
  }
  t0 = Timer();
  auto compiled = CompiledRules::Compile(
      std::move(bundle.value()), std::shared_ptr<const Normalizer>(std::move(normalizer.value())),
      &problems, CompileOptions{gate});
  if (!compiled.ok()) {
    std::fprintf(stderr, "filter_bench: %s\n", compiled.status().ToString().c_str());
    return 1;
  }
  double compile_s = Since(t0), compile_wall_s = WallSince(t0);
  const CompiledRules& rules = *compiled.value();

  // --- the text ---
  const size_t target = mb << 20;
  std::string raw;
  raw.reserve(target + 1024);
  static const char* kPunct[] = {" ", " ", " ", ", ", ". ", "，", "。", "\n", "! ", "：", "、"};
  size_t next_plant = 65536;
  if (!text_file.empty()) {
    std::ifstream in(text_file, std::ios::binary);
    raw.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (raw.empty()) {
      std::fprintf(stderr, "filter_bench: %s: empty or unreadable\n", text_file.c_str());
      return 1;
    }
  }
  NormalizeOptions options;
  if (html) {
    options.is_html = true;
    options.declared_charset = "text/html; charset=utf-8";
  }
  while (text_file.empty() && raw.size() < target) {
    if (raw.size() >= next_plant) {
      if (!planted.empty()) raw += " " + planted[rng() % planted.size()] + " ";
      next_plant += 65536;
    }
    if (static_cast<double>(rng() % 1000) < zh_share * 1000) {
      raw += Zh(rng, chars, 2, 12);
    } else {
      int words = 1 + static_cast<int>(rng() % 6);
      for (int w = 0; w < words; ++w) raw += (w ? " " : "") + Word(rng, 1, 10);
    }
    raw += kPunct[rng() % (sizeof(kPunct) / sizeof(kPunct[0]))];
  }
  // Chunks end on a character boundary.
  std::vector<std::string_view> raw_chunks;
  for (size_t pos = 0; pos < raw.size();) {
    size_t end = std::min(raw.size(), pos + chunk);
    while (end < raw.size() && (static_cast<unsigned char>(raw[end]) & 0xc0) == 0x80) ++end;
    raw_chunks.emplace_back(raw.data() + pos, end - pos);
    pos = end;
  }
  std::vector<std::string> norm_chunks(raw_chunks.size());
  size_t norm_bytes = 0;
  t0 = Timer();
  for (size_t i = 0; i < raw_chunks.size(); ++i) {
    rules.normalizer().Normalize(raw_chunks[i], options, &norm_chunks[i]);
    norm_bytes += norm_chunks[i].size();
  }
  double normalize_s = Since(t0);

  // --- matcher alone: best of 3 (--repeat) ---
  double match_s = 1e9;
  size_t matches = 0;
  for (int run = 0; run < repeat; ++run) {
    size_t m = 0;
    t0 = Timer();
    for (const std::string& c : norm_chunks) {
      Verdict v;
      rules.CheckNormalized(Scope::kHttpBody, c, &v);
      m += v.matches.size();
    }
    match_s = std::min(match_s, Since(t0));
    matches = m;
  }
  // --- normalizer + matcher ---
  double both_s = 1e9;
  size_t both_matches = 0;
  for (int run = 0; run < 2; ++run) {
    size_t m = 0;
    t0 = Timer();
    for (std::string_view c : raw_chunks) {
      Verdict v;
      rules.Check(Scope::kHttpBody, c, options, &v);
      m += v.matches.size();
    }
    both_s = std::min(both_s, Since(t0));
    both_matches = m;
  }

  const double raw_mb = raw.size() / 1e6, norm_mb = norm_bytes / 1e6;
  char report[2048];
  std::snprintf(report, sizeof(report),
                "| rules | %zu keywords + %zu regexes, scope http_body |\n"
                "|---|---|\n"
                "| bundle load (TOML parse + checks) | %.2f s |\n"
                "| compile (normalize keywords + Hyperscan) | %.2f s CPU (%.2f s wall) |\n"
                "| regexes gated (scanned only around their literal factors) | %zu of %zu (%zu "
                "factors) |\n"
                "| text | %.1f MB raw, %.1f MB normalized, %zu chunks of %zu bytes, %.0f%% of runs "
                "Chinese |\n"
                "| matcher alone (CheckNormalized) | **%.0f MB/s** per core (%zu matches) |\n"
                "| normalizer alone | %.0f MB/s per core |\n"
                "| normalizer + matcher (Check) | **%.0f MB/s** per core (%zu matches) |\n",
                keywords, regexes, load_s, compile_s, compile_wall_s, rules.stats().gated_regexes,
                rules.stats().regexes, rules.stats().factors, raw_mb, norm_mb, raw_chunks.size(),
                chunk, zh_share * 100, norm_mb / match_s, matches, raw_mb / normalize_s,
                raw_mb / both_s, both_matches);
  std::fputs(report, stdout);
  if (!markdown.empty()) {
    std::ofstream out(markdown);
    out << report;
  }
  return 0;
}
