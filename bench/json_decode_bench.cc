// bench/json_decode_bench.cc: cost of record/json_decoder.h on session lines, one thread.
// Generates N session records shaped like real ones (default 200,000; first argument overrides;
// fixed seed), encodes them once, then decodes every line into one reused record, several
// passes, keeping the best pass. Rows: canonical lines (the store's common case; every line must
// come back canonical), the same lines with keys in reverse order and spaces after ':' (the
// general path: other tools' JSON), and decode + encode for comparison. Times are per line, best
// pass, as this thread's CPU time (robust on a shared machine) and as wall time.
// Usage: json_decode_bench [lines]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lib/bench_cli.h"
#include "record/json_decoder.h"
#include "record/json_encoder.h"

namespace {
using namespace netward;
using namespace netward::record;

std::vector<std::string> MakeSessionLines(size_t n) {
  std::mt19937_64 rng(42);
  static const char* const kHosts[] = {"www.example.com",      "api.weixin.qq.com",
                                       "cdn.jsdelivr.net",     "static.zhihu.com",
                                       "update.microsoft.com", ""};
  static const char* const kApps[] = {"http", "tls", "quic", "dns", ""};
  static const char* const kClose[] = {"fin", "rst", "timeout", "eof"};
  std::vector<std::string> lines;
  lines.reserve(n);
  SessionRecord r;
  for (size_t i = 0; i < n; ++i) {
    r.ts = 1763800000000000LL + static_cast<int64_t>(rng() % 86400000000ULL);
    r.end_ts = r.ts + static_cast<int64_t>(rng() % 60000000);
    r.proto = rng() % 4 ? "tcp" : "udp";
    r.src_ip = IpAddress::FromV4HostOrder(0x0a000000u | static_cast<uint32_t>(rng() & 0xFFFFFF));
    r.src_port = static_cast<uint16_t>(1024 + rng() % 64000);
    if (rng() % 2) {
      r.nat_ip = IpAddress::FromV4HostOrder(0xcb007100u | static_cast<uint32_t>(rng() & 0xFF));
      r.nat_port = static_cast<uint16_t>(1024 + rng() % 64000);
    } else {
      r.nat_ip = IpAddress{};
      r.nat_port = 0;
    }
    if (rng() % 10 == 0) {
      uint8_t b[16];
      for (auto& x : b) x = static_cast<uint8_t>(rng());
      b[0] = 0x24;
      r.dst_ip = IpAddress::FromV6(b);
    } else {
      r.dst_ip = IpAddress::FromV4HostOrder(static_cast<uint32_t>(rng()));
    }
    r.dst_port = rng() % 3 ? 443 : 80;
    r.vlan = static_cast<uint16_t>(rng() % 4 ? 0 : 100 + rng() % 10);
    char mac[18];
    std::snprintf(mac, sizeof(mac), "52:54:00:%02x:%02x:%02x", static_cast<unsigned>(rng() & 255),
                  static_cast<unsigned>(rng() & 255), static_cast<unsigned>(rng() & 255));
    r.mac = mac;
    r.account = rng() % 2 ? "user" + std::to_string(rng() % 100000) : "";
    r.calling_id = r.account.empty() ? "" : "138" + std::to_string(10000000 + rng() % 89999999);
    r.app = kApps[rng() % std::size(kApps)];
    r.host = kHosts[rng() % std::size(kHosts)];
    r.url = r.app == "http" && !r.host.empty()
                ? "http://" + r.host + "/static/js/app." + std::to_string(rng() % 1000000) + ".js"
                : "";
    r.bytes_up = rng() % 100000;
    r.bytes_down = rng() % 10000000;
    r.pkts_up = rng() % 1000;
    r.pkts_down = rng() % 10000;
    r.close = kClose[rng() % std::size(kClose)];
    std::string line;
    EncodeJsonLine(r, "GD-SZ-01", &line);
    lines.push_back(std::move(line));
  }
  return lines;
}

// Keys in reverse order, a space after each ':' : valid, never canonical.
std::string Shuffle(std::string_view line) {
  std::vector<std::string> members;
  // Top-level split on ',' outside strings (no arrays in session lines).
  size_t start = 1;
  bool in_string = false;
  for (size_t i = 1; i + 1 < line.size(); ++i) {
    char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ',' || c == '}') {
      std::string m(line.substr(start, i - start));
      m.insert(m.find("\":") + 2, " ");
      members.push_back(m);
      start = i + 1;
      if (c == '}') break;
    }
  }
  std::string out = "{";
  for (size_t i = members.size(); i-- > 0;) {
    out += members[i];
    if (i) out += ",";
  }
  return out + "}\n";
}

struct Timing {
  double wall = 1e9;  // seconds, best pass
  double cpu = 1e9;   // this thread's CPU seconds, best pass: what the figure is on a busy machine
};

double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

template <typename F>
Timing BestPass(int passes, F&& f) {
  Timing best;
  for (int p = 0; p < passes; ++p) {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = ThreadCpuSeconds();
    f();
    double cpu = ThreadCpuSeconds() - c0;
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best.wall = std::min(best.wall, wall);
    best.cpu = std::min(best.cpu, cpu);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 200000;
  CLI::App app{
      "json_decode_bench: cost of record/json_decoder.h on session lines (canonical, reordered "
      "keys, decode + encode), one thread, best of 5 passes."};
  app.add_option("N", n, "session lines to generate and decode")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 100000000.0));
  if (int rc = netward::bench::ParseArgs(app, argc, argv); rc >= 0) return rc;
  const int passes = 5;
  std::vector<std::string> lines = MakeSessionLines(n);
  std::vector<std::string> shuffled;
  shuffled.reserve(n);
  size_t bytes = 0;
  for (const auto& l : lines) {
    bytes += l.size();
    shuffled.push_back(Shuffle(l));
  }

  SessionRecord r;
  std::string site;
  size_t canonical_count = 0, errors = 0;
  auto decode_all = [&](const std::vector<std::string>& in) {
    canonical_count = errors = 0;
    for (const auto& l : in) {
      bool canonical = false;
      if (!DecodeJsonLine(l, &r, &site, &canonical).ok()) ++errors;
      canonical_count += canonical;
    }
  };
  Timing t_canon = BestPass(passes, [&] { decode_all(lines); });
  size_t canon_ok = canonical_count, canon_err = errors;
  Timing t_general = BestPass(passes, [&] { decode_all(shuffled); });
  size_t general_canonical = canonical_count, general_err = errors;
  std::string out;
  Timing t_encode = BestPass(passes, [&] {
    for (const auto& l : lines) {
      (void)DecodeJsonLine(l, &r, &site, nullptr);
      out.clear();
      EncodeJsonLine(r, site, &out);
    }
  });

  const double lines_n = static_cast<double>(n);
  std::printf("json_decode_bench: %zu session lines, %.0f bytes per line on average, best of %d\n",
              n, static_cast<double>(bytes) / lines_n, passes);
  std::printf(
      "| case | ns/line (CPU) | ns/line (wall) | lines/s (CPU) | MB/s (CPU) | canonical | errors "
      "|\n|---|---|---|---|---|---|---|\n");
  auto row = [&](const char* name, Timing t, size_t canonical, size_t err, bool counts) {
    std::printf("| %s | %.0f | %.0f | %.2f M | %.0f |", name, t.cpu * 1e9 / lines_n,
                t.wall * 1e9 / lines_n, lines_n / t.cpu / 1e6,
                static_cast<double>(bytes) / t.cpu / 1e6);
    if (counts) {
      std::printf(" %zu | %zu |\n", canonical, err);
    } else {
      std::printf(" | |\n");
    }
  };
  row("decode, canonical lines", t_canon, canon_ok, canon_err, true);
  row("decode, reordered keys + spaces", t_general, general_canonical, general_err, true);
  row("decode + re-encode, canonical", t_encode, 0, 0, false);
  std::printf("example line: %s", lines[0].c_str());
  return canon_ok == n && canon_err == 0 && general_err == 0 && general_canonical == 0 ? 0 : 1;
}
