// bench/api_bench.cc: the site API's /v1/moderate latency over real HTTP (docs/api.md, issue 5
// target: p99 <= 2 ms for a 2 KB post with 20 k rules loaded).
//
// Compiles --rules keyword rules (3-5 random CJK characters or a random 6-10 letter English word,
// scope post_text, fixed seed) with --regexes regex rules, serves them with ApiServer on
// 127.0.0.1 (--threads request threads), and sends --requests POST /v1/moderate requests, each
// a different --text-bytes mixed Chinese/English post, from ONE client thread over one
// keep-alive connection, after --warmup requests. Prints p50/p90/p99/p999/max latency (client
// side, request sent to answer parsed) and requests/s; --markdown FILE writes the table row.
// Records: none are written (a StoreSinkWriter with no store or sink), so this measures parsing,
// normalization, matching and HTTP, not the store.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "api/engine_moderator.h"
#include "filter/rule_engine.h"

using namespace netward;

namespace {

std::string Utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

// Common CJK ideographs U+4E00..U+4E00+3500: about the 3,500 characters of everyday text.
std::string CjkChar(std::mt19937& rng) { return Utf8(0x4E00 + rng() % 3500); }

std::string Word(std::mt19937& rng, int min_len, int max_len) {
  std::string w;
  const int n = min_len + static_cast<int>(rng() % (max_len - min_len + 1));
  for (int i = 0; i < n; ++i) w.push_back(static_cast<char>('a' + rng() % 26));
  return w;
}

// A post of about `bytes` bytes: runs of Chinese characters and English words with punctuation.
std::string Text(std::mt19937& rng, size_t bytes) {
  std::string t;
  while (t.size() < bytes) {
    if (rng() % 3) {
      const int n = 4 + static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) t += CjkChar(rng);
      t += rng() % 2 ? "，" : "。";
    } else {
      t += " " + Word(rng, 2, 9) + (rng() % 4 ? " " : ", ");
    }
  }
  return t;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t rules = 20000, regexes = 0, requests = 20000, warmup = 1000, text_bytes = 2048;
  int threads = 4;
  std::string markdown;
  for (int i = 1; i < argc; ++i) {
    auto next = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "api_bench: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::printf(
          "api_bench: the site API's POST /v1/moderate latency (p50/p99) and requests/s over "
          "HTTP on 127.0.0.1 with a generated rule bundle (bench/RESULTS.md, \"Site API\").\n"
          "usage: api_bench [--rules N] [--regexes N] [--requests N] [--warmup N] "
          "[--text-bytes N] [--threads N] [--markdown FILE]\n");
      return 0;
    }
    if (!std::strcmp(argv[i], "--rules")) {
      rules = std::strtoull(next("--rules"), nullptr, 10);
    } else if (!std::strcmp(argv[i], "--regexes")) {
      regexes = std::strtoull(next("--regexes"), nullptr, 10);
    } else if (!std::strcmp(argv[i], "--requests")) {
      requests = std::strtoull(next("--requests"), nullptr, 10);
    } else if (!std::strcmp(argv[i], "--warmup")) {
      warmup = std::strtoull(next("--warmup"), nullptr, 10);
    } else if (!std::strcmp(argv[i], "--text-bytes")) {
      text_bytes = std::strtoull(next("--text-bytes"), nullptr, 10);
    } else if (!std::strcmp(argv[i], "--threads")) {
      threads = std::atoi(next("--threads"));
    } else if (!std::strcmp(argv[i], "--markdown")) {
      markdown = next("--markdown");
    } else {
      std::fprintf(stderr,
                   "usage: api_bench [--rules N] [--regexes N] [--requests N] [--warmup N] "
                   "[--text-bytes N] [--threads N] [--markdown FILE]\n");
      return 2;
    }
  }
  std::mt19937 rng(1);
  filter::RuleBundle bundle;
  bundle.version = "bench-1";
  for (size_t i = 0; i < rules + regexes; ++i) {
    filter::Rule r;
    r.id = "r" + std::to_string(i);
    r.category = "bench";
    r.action = filter::Action::kBlock;
    r.scopes = 1u << static_cast<int>(filter::Scope::kPostText);
    if (i < rules) {
      r.kind = filter::PatternKind::kKeyword;
      if (i % 4 == 3) {
        r.terms.push_back(Word(rng, 6, 10));
      } else {
        std::string w;
        const int n = 3 + static_cast<int>(rng() % 3);
        for (int k = 0; k < n; ++k) w += CjkChar(rng);
        r.terms.push_back(w);
      }
    } else {
      r.kind = filter::PatternKind::kRegex;
      r.terms.push_back(Word(rng, 4, 6) + "[0-9]{4,8}" + Word(rng, 2, 3));
    }
    bundle.rules.push_back(std::move(r));
  }
  auto normalizer = filter::Normalizer::Create();
  if (!normalizer.ok()) {
    std::fprintf(stderr, "api_bench: %s\n", normalizer.status().message().c_str());
    return 1;
  }
  std::shared_ptr<const filter::Normalizer> shared_normalizer = std::move(*normalizer);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<filter::BundleProblem> problems;
  auto compiled = filter::CompiledRules::Compile(std::move(bundle), shared_normalizer, &problems);
  if (!compiled.ok()) {
    std::fprintf(stderr, "api_bench: compile: %s\n", compiled.status().message().c_str());
    return 1;
  }
  const double compile_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  filter::RuleEngine engine;
  engine.Install(*compiled);
  api::EngineModerator moderator(&engine);
  api::StoreSinkWriter writer(nullptr, nullptr);
  const std::string key = "nwk_bench";
  api::ApiKeys keys = *api::ApiKeys::Parse("bench " + api::ApiKeyHashHex(key) + "\n", "keys");
  api::ApiServiceOptions so;
  so.site = "BENCH";
  so.keys = &keys;
  so.moderator = &moderator;
  so.writer = &writer;
  api::ApiService service(so);
  api::ApiServerOptions o;
  o.port = 0;
  o.threads = threads;
  auto server = api::ApiServer::Start(o, &service);
  if (!server.ok()) {
    std::fprintf(stderr, "api_bench: %s\n", server.status().message().c_str());
    return 1;
  }
  httplib::Client client("127.0.0.1", (*server)->port());
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_bearer_token_auth(key.c_str());

  std::vector<std::string> bodies;
  for (size_t i = 0; i < 256; ++i) {
    bodies.push_back("{\"text\":\"" + JsonEscape(Text(rng, text_bytes)) +
                     "\",\"scope\":\"post_text\"}");
  }
  std::vector<double> us;
  us.reserve(requests);
  size_t blocked = 0, failed = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < warmup + requests; ++i) {
    const std::string& body = bodies[i % bodies.size()];
    const auto a = std::chrono::steady_clock::now();
    auto r = client.Post("/v1/moderate", body, "application/json");
    const auto b = std::chrono::steady_clock::now();
    if (!r || r->status != 200) {
      ++failed;
      continue;
    }
    if (i < warmup) continue;
    if (r->body.find("\"verdict\":\"block\"") != std::string::npos) ++blocked;
    us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  (*server)->Stop();
  if (us.empty()) {
    std::fprintf(stderr, "api_bench: every request failed\n");
    return 1;
  }
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) {
    return us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))];
  };
  const double timed_s = [&] {
    double s = 0;
    for (double v : us) s += v;
    return s / 1e6;
  }();
  std::printf(
      "rules=%zu regexes=%zu compile_s=%.2f text_bytes=%zu body_bytes=%zu requests=%zu "
      "failed=%zu blocked=%zu p50_us=%.0f p90_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f "
      "req_per_s=%.0f wall_s=%.2f\n",
      rules, regexes, compile_s, text_bytes, bodies[0].size(), us.size(), failed, blocked, pct(0.5),
      pct(0.9), pct(0.99), pct(0.999), us.back(), us.size() / timed_s, wall);
  if (!markdown.empty()) {
    std::ofstream md(markdown);
    md << "| " << rules << " keywords + " << regexes << " regexes | " << text_bytes << " | "
       << us.size() << " | " << static_cast<int>(pct(0.5)) << " | " << static_cast<int>(pct(0.99))
       << " | " << static_cast<int>(pct(0.999)) << " | " << static_cast<int>(us.size() / timed_s)
       << " | " << (pct(0.99) <= 2000 ? "met" : "NOT met") << " |\n";
  }
  return failed ? 1 : 0;
}
