// bench/identity_bench.cc: "who was it" at CGNAT scale (issue 4), one thread.
// Shape: S subscribers (default 100 k) behind S/64 public addresses, each logged in once
// (RADIUS start); M NAT session mappings (default 2 M; 20 M make a day) spread evenly over a
// day, each ~30 s long, from a random subscriber, random inside and outside ports, a random remote.
// Measures, on this thread's CPU time:
//   index:  NAT events/s into the in-memory identity index (identity/identity_index.h);
//   store:  NAT events/s into the store (JSON encoding + Store::AppendLines, zstd 1), and the
//           nat stream's bytes on disk per record once closed;
//   trace:  latency of (public address, port, time, remote) -> mapping -> subscriber, p50/p99,
//           in the index and from the store (the queries `netward trace` runs).
// Usage: identity_bench [--subscribers N] [--mappings M] [--queries Q] [--store-queries Q2]
//                       [--dir DIR]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "identity/identity_index.h"
#include "record/json_decoder.h"
#include "record/json_encoder.h"
#include "store/store.h"

namespace {
using namespace netward;

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  size_t subscribers = 100000, mappings = 2000000, queries = 100000, store_queries = 200;
  std::string dir = (std::filesystem::temp_directory_path() / "identity_bench_store").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--subscribers") subscribers = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--mappings") mappings = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--queries") queries = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--store-queries") store_queries = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--dir") dir = argv[i + 1];
  }
  const size_t publics = std::max<size_t>(1, subscribers / 64);
  const TimestampUs day0 = 1'795'000'000 * kUsPerSecond;  // 2026-11-19
  const TimestampUs day = 86400 * kUsPerSecond;
  std::mt19937_64 rng(42);

  auto inside_of = [](size_t s) { return IpAddress::FromV4HostOrder(0x64400000u + uint32_t(s)); };
  auto public_of = [&](size_t s) {
    return IpAddress::FromV4HostOrder(0xCB007100u + static_cast<uint32_t>(s % publics));
  };

  std::vector<record::NatRecord> nats(mappings);
  for (size_t i = 0; i < mappings; ++i) {
    record::NatRecord& n = nats[i];
    size_t s = rng() % subscribers;
    n.ts = day0 + static_cast<TimestampUs>(static_cast<double>(i) / static_cast<double>(mappings) *
                                           static_cast<double>(day));
    n.end_ts = n.ts + (10 + static_cast<TimestampUs>(rng() % 40)) * kUsPerSecond;
    n.proto = (rng() & 3) ? "tcp" : "udp";
    n.inside_ip = inside_of(s);
    n.inside_port = static_cast<uint16_t>(1024 + rng() % 64000);
    n.outside_ip = public_of(s);
    n.outside_port = static_cast<uint16_t>(1024 + rng() % 64000);
    n.remote_ip = IpAddress::FromV4HostOrder(0x08000000u + static_cast<uint32_t>(rng() % 5000000));
    n.remote_port = (rng() & 1) ? 443 : 80;
    n.source = "ipfix";
  }

  identity::IndexOptions io;
  io.max_nat_mappings = mappings + 1;
  io.max_login_intervals = subscribers + 1;
  io.open_login_ttl = 2 * day;  // one login before the day, no interims in this shape
  identity::IdentityIndex index(io);
  for (size_t s = 0; s < subscribers; ++s) {
    record::LoginRecord l;
    l.ts = day0 - 3600 * kUsPerSecond;
    l.event = "start";
    l.account = "sub" + std::to_string(s);
    l.calling_id = "7900" + std::to_string(1000000 + s);
    l.ip = inside_of(s);
    l.session_id = "s" + std::to_string(s);
    l.source = "radius";
    index.AddLogin(l);
  }

  // ---- index ingest ----
  double c0 = CpuSeconds();
  for (const auto& n : nats) index.AddNat(n);
  double index_s = CpuSeconds() - c0;
  identity::IndexStats st = index.stats();

  // ---- index trace ----
  std::vector<double> lat;
  lat.reserve(queries);
  size_t found = 0;
  for (size_t q = 0; q < queries; ++q) {
    const record::NatRecord& n = nats[rng() % mappings];
    TimestampUs t = n.ts + (n.end_ts - n.ts) / 2;
    double w0 = WallSeconds();
    auto m = index.FindByOutside(n.outside_ip, n.outside_port, t, 0, n.remote_ip, n.remote_port);
    std::optional<identity::Subscriber> sub;
    if (m) sub = index.FindSubscriber(m->inside_ip, t);
    lat.push_back((WallSeconds() - w0) * 1e6);
    if (sub && m->inside_ip == n.inside_ip) ++found;
  }

  // ---- store ingest ----
  std::filesystem::remove_all(dir);
  store::StoreOptions so;
  so.dir = dir;
  so.background = false;
  auto opened = store::Store::Open(so);
  if (!opened.ok()) {
    std::fprintf(stderr, "store: %s\n", opened.status().message().c_str());
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(opened.value());
  std::string lines;
  c0 = CpuSeconds();
  double w0 = WallSeconds();
  for (size_t i = 0; i < mappings; ++i) {
    record::EncodeJsonLine(nats[i], "S1", &lines);
    if (lines.size() > (1 << 20) || i + 1 == mappings) {
      Status s = store->AppendLines(record::StreamId::kNat, lines);
      if (!s.ok()) {
        std::fprintf(stderr, "append: %s\n", s.message().c_str());
        return 1;
      }
      lines.clear();
    }
  }
  Status closed = store->Close();
  double store_s = CpuSeconds() - c0, store_wall = WallSeconds() - w0;
  store.reset();
  if (!closed.ok()) {
    std::fprintf(stderr, "close: %s\n", closed.message().c_str());
    return 1;
  }
  auto reader = store::StoreReader::Open(dir);
  if (!reader.ok()) {
    std::fprintf(stderr, "reader: %s\n", reader.status().message().c_str());
    return 1;
  }
  uint64_t nat_bytes = 0;
  if (auto stats = reader.value()->Stats(); stats.ok()) {
    for (const auto& s : *stats)
      if (s.stream == record::StreamId::kNat) nat_bytes = s.bytes_on_disk;
  }

  // ---- store trace: the nat query `netward trace` runs (mapping by outside address and port) ----
  std::vector<double> slat;
  size_t sfound = 0;
  for (size_t q = 0; q < store_queries; ++q) {
    const record::NatRecord& n = nats[rng() % mappings];
    TimestampUs t = n.ts + (n.end_ts - n.ts) / 2;
    store::QuerySpec spec;
    spec.stream = record::StreamId::kNat;
    spec.from = t - 3600 * kUsPerSecond;
    spec.to = t + 2 * kUsPerSecond;
    spec.where = {{"outside_ip", n.outside_ip.ToString()},
                  {"outside_port", std::to_string(n.outside_port)}};
    double q0 = WallSeconds();
    bool hit = false;
    record::NatRecord r;
    Status s = reader.value()->Query(spec, [&](uint64_t, std::string_view line) {
      if (record::DecodeJsonLine(line, &r, nullptr, nullptr).ok() && r.inside_ip == n.inside_ip &&
          r.ts <= t && t <= r.end_ts)
        hit = true;
      return true;
    });
    slat.push_back((WallSeconds() - q0) * 1e3);
    if (s.ok() && hit) ++sfound;
  }
  std::filesystem::remove_all(dir);

  std::printf("identity_bench: %zu subscribers, %zu public addresses, %zu NAT mappings (one day)\n",
              subscribers, publics, mappings);
  std::printf("index ingest   %10.0f NAT events/s (one core, %.2f s CPU)  held %llu, merged %llu\n",
              static_cast<double>(mappings) / index_s, index_s,
              static_cast<unsigned long long>(st.nat_mappings),
              static_cast<unsigned long long>(st.nats_merged));
  std::printf(
      "index trace    p50 %.2f us  p99 %.2f us  (%zu queries, %zu resolved to the subscriber)\n",
      Percentile(lat, 0.5), Percentile(lat, 0.99), queries, found);
  std::printf(
      "store ingest   %10.0f NAT events/s (one core CPU incl. JSON encoding; wall %.2f s)\n",
      static_cast<double>(mappings) / store_s, store_wall);
  std::printf("store at rest  %.2f bytes per NAT record (%llu bytes, nat stream)\n",
              static_cast<double>(nat_bytes) / static_cast<double>(mappings),
              static_cast<unsigned long long>(nat_bytes));
  std::printf("store trace    p50 %.2f ms  p99 %.2f ms  (%zu queries, %zu found)\n",
              Percentile(slat, 0.5), Percentile(slat, 0.99), store_queries, sfound);
  return 0;
}
