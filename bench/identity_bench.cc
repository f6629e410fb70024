// bench/identity_bench.cc: "who was it" at CGNAT scale (issue 4, "Speed"), netward side by side
// with ClickHouse on the same data.
// Shapes (--shape):
//   cgnat (default; the issue's "CGNAT-shaped workload"): S subscribers (default 100 k) behind
//     ceil(S/64) public addresses, each subscriber owning one deterministic block of 1,008
//     outside ports on its address (RFC 7422: 64 subscribers x 1,008 ports of 1024-65535), as a
//     carrier-grade NAT with port-block allocation has. Traffic comes in bursts (a page load, an
//     app waking up): bursts start as a Poisson process, each from a random subscriber, with a
//     geometric number of sessions (mean 8) 0-2 s apart (exponential, mean 200 ms), so bursts
//     overlap and interleave in time. A burst's outside ports are consecutive in the subscriber's
//     block from a random start (the NAT hands out the next free port); its inside ports are
//     consecutive from a random start for half the bursts (Windows-like ephemeral ports) and
//     random in 32768-60999 for the others (Linux). Remotes: 60 % of a burst's sessions go to
//     its site's address, the others to another; both drawn Zipf(1) over 5 M addresses. Service:
//     443/tcp 70 %, 443/udp (QUIC) 10 %, 80/tcp 10 %, 53/udp 6 %, a random port 4 %. Durations
//     log-normal (median 15 s, sigma 1.5, at most 2 h; DNS median 0.1 s). Times in whole
//     --time-unit: s (default: syslog NAT session logs, RFC 3164 and the routers' formats,
//     carry seconds) or ms (IPFIX flowStartMilliseconds). Mappings of one time are logged in
//     the order they were made.
//   uniform (the earlier, structureless worst case): each mapping from a random subscriber
//     behind S/64 public addresses, random inside and outside ports (16 bits each), a random
//     remote of 5 M, spread evenly in time, 10-49 s long: ~9.7 bytes of information a record.
// Both: D days (default 1) of M NAT session mappings a day (default 2 M, 1/10 of the issue's
// 20 M), each subscriber logged in once (RADIUS start) before the first day. The stream is
// made again from the seed for each system, and the questions are mappings picked from it.
// --full is the issue's scale: 30 days of 20 M (600 M records; ~100 GB of disk for ClickHouse
// and the store together, hours).
// Systems (--systems, default index,store,clickhouse):
//   index:      NAT events/s into the in-memory identity index (identity/identity_index.h), on
//               this thread's CPU time; the index keeps the newest --index-cap mappings (default
//               4 M, its default) and evicts older ones as it goes, as in a probe; trace latency
//               (public address, port, time, remote) -> mapping -> subscriber, p50/p99, for
//               questions about mappings still held.
//   store:      netward's store: NAT events/s of Store::AppendLines + Close (the JSON encoding is
//               timed apart), bytes per NAT record on disk (the nat stream), and trace latency for
//               the queries `netward trace` runs (nat by outside address and port, nat port blocks
//               of the address, logins of the inside address), answered by an IdentityIndex
//               loaded with what they return, as trace_command.cc does. Each question is asked
//               twice and the second ask timed, for ClickHouse too (as store_bench: a running
//               service has its block headers parsed); the first question's first ask is
//               reported apart as the cold figure.
//   clickhouse: a private clickhouse-server (bench/clickhouse/*.xml templates, as store_bench),
//               tables nat ORDER BY (outside_ip, outside_port, ts) and login ORDER BY (ip, ts),
//               RowBinary INSERTs of 1 M rows; bytes per NAT record after OPTIMIZE FINAL; trace
//               = the same three queries over one keep-alive HTTP connection, matched by the
//               same rules in the bench.
// Usage: identity_bench [--subscribers N] [--days D] [--per-day M] [--full] [--queries Q]
//          [--store-queries Q2] [--systems LIST] [--index-cap C] [--dir DIR] [--seed S]
//          [--clickhouse-config DIR] [--clickhouse-server PATH] [--clickhouse-cpus LIST]
//          [--markdown FILE] [--keep]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <queue>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "clickhouse_server.h"
#include "common/malloc_tuning.h"
#include "identity/identity_index.h"
#include "identity/store_trace.h"
#include "lib/bench_cli.h"
#include "record/json_encoder.h"
#include "store/store.h"

namespace {
using namespace netward;
using bench::PutLe;
using bench::PutString;

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

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

constexpr TimestampUs kDay = 86400 * kUsPerSecond;
constexpr TimestampUs kDay0 = 1'795'000'000 * kUsPerSecond;  // 2026-11-19
constexpr TimestampUs kSkew = 2 * kUsPerSecond;              // netward trace's default --skew
constexpr TimestampUs kNatLookback = 24 * 3600 * kUsPerSecond;
constexpr TimestampUs kLoginLookback = 7 * kDay;

struct Workload {
  enum class Shape { kCgnat, kUniform };
  Shape shape = Shape::kCgnat;
  TimestampUs time_unit = kUsPerSecond;  // cgnat: times are whole multiples of this (us)
  uint64_t subscribers = 100000;
  uint64_t days = 1;
  uint64_t per_day = 2000000;
  uint64_t seed = 42;
  uint64_t total() const { return days * per_day; }
  uint64_t publics() const {
    return shape == Shape::kCgnat ? (subscribers + 63) / 64
                                  : std::max<uint64_t>(1, subscribers / 64);
  }
  uint32_t inside_of(uint64_t s) const { return 0x64400000u + static_cast<uint32_t>(s); }
  uint32_t public_of(uint64_t s) const {
    return 0xCB007100u + static_cast<uint32_t>(s % publics());
  }
  // cgnat: the first of subscriber s's 1,008 outside ports (s / publics() < 64).
  uint16_t block_of(uint64_t s) const {
    return static_cast<uint16_t>(1024 + (s / publics()) * kBlockPorts);
  }
  static constexpr uint32_t kBlockPorts = 1008;

  // A NAT mapping, IPv4 host-order fields.
  struct Nat {
    TimestampUs ts, end_ts;
    uint64_t subscriber;
    uint32_t inside_ip, outside_ip, remote_ip;
    uint16_t inside_port, outside_port, remote_port;
    bool tcp;
  };
  // uniform: the mapping number i (0 <= i < total()), a function of (seed, i).
  Nat MakeUniform(uint64_t i) const {
    const uint64_t h = Mix(seed * 0x100000001B3ULL ^ i), h2 = Mix(h);
    Nat n;
    n.subscriber = h % subscribers;
    n.ts = kDay0 + static_cast<TimestampUs>(static_cast<double>(i) / static_cast<double>(total()) *
                                            static_cast<double>(days * kDay));
    n.end_ts = n.ts + (10 + static_cast<TimestampUs>((h >> 40) % 40)) * kUsPerSecond;
    n.tcp = ((h >> 50) & 3) != 0;
    n.inside_ip = inside_of(n.subscriber);
    n.inside_port = static_cast<uint16_t>(1024 + h2 % 64000);
    n.outside_ip = public_of(n.subscriber);
    n.outside_port = static_cast<uint16_t>(1024 + (h2 >> 16) % 64000);
    n.remote_ip = 0x08000000u + static_cast<uint32_t>((h2 >> 32) % 5000000);
    n.remote_port = ((h2 >> 60) & 1) ? 443 : 80;
    return n;
  }
  record::NatRecord Record(const Nat& n) const {
    record::NatRecord r;
    r.ts = n.ts;
    r.end_ts = n.end_ts;
    r.proto = n.tcp ? "tcp" : "udp";
    r.inside_ip = IpAddress::FromV4HostOrder(n.inside_ip);
    r.inside_port = n.inside_port;
    r.outside_ip = IpAddress::FromV4HostOrder(n.outside_ip);
    r.outside_port = n.outside_port;
    r.remote_ip = IpAddress::FromV4HostOrder(n.remote_ip);
    r.remote_port = n.remote_port;
    r.source = "ipfix";
    return r;
  }
  // Subscriber s's RADIUS accounting: a start an hour before the first day, then an interim an
  // hour before each later day (a NAS sends them every few minutes; one a day is enough for
  // `netward trace`'s 7-day login lookback on a 30-day workload).
  record::LoginRecord Login(uint64_t s, uint64_t day = 0) const {
    record::LoginRecord l;
    l.ts = kDay0 + static_cast<TimestampUs>(day) * kDay - 3600 * kUsPerSecond;
    l.event = day == 0 ? "start" : "interim";
    l.account = "sub" + std::to_string(s);
    l.calling_id = "7900" + std::to_string(1000000 + s);
    l.ip = IpAddress::FromV4HostOrder(inside_of(s));
    l.session_id = "s" + std::to_string(s);
    l.source = "radius";
    return l;
  }
  // The moment a question about mapping n asks for: the middle of the mapping.
  static TimestampUs AskAt(const Nat& n) { return n.ts + (n.end_ts - n.ts) / 2; }
};

// The workload's mappings in time order, made again from the seed on each pass.
class NatStream {
 public:
  explicit NatStream(const Workload& w) : w_(w), rng_(Mix(w.seed ^ 0xC6A4A7935BD1E995ULL)) {
    // Bursts a microsecond: per_day mappings a day in bursts of kMeanBurst on average.
    burst_rate_ = static_cast<double>(w.per_day) / kMeanBurst / static_cast<double>(kDay);
    next_burst_ = static_cast<double>(kDay0);
  }
  // The next mapping; false after total() of them.
  bool Next(Workload::Nat* out) {
    if (emitted_ == w_.total()) return false;
    if (w_.shape == Workload::Shape::kUniform) {
      *out = w_.MakeUniform(emitted_++);
      return true;
    }
    while (pending_.empty() || pending_.top().nat.ts > Whole(next_burst_)) {
      AddBurst(next_burst_);
      next_burst_ += -std::log(1.0 - Uniform()) / burst_rate_;
    }
    *out = pending_.top().nat;
    pending_.pop();
    ++emitted_;
    return true;
  }

 private:
  static constexpr double kMeanBurst = 8;
  static constexpr uint64_t kRemotes = 5000000;
  // Pending mappings in time order, those of one time in the order they were made (a gateway
  // logs mappings as it creates them).
  struct Pending {
    Workload::Nat nat;
    uint64_t made;
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.nat.ts != b.nat.ts ? a.nat.ts > b.nat.ts : a.made > b.made;
    }
  };
  double Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  TimestampUs Whole(double us) const {  // rounded down to the workload's time unit
    const auto t = static_cast<TimestampUs>(us);
    return t - t % w_.time_unit;
  }
  // Zipf(1) over kRemotes ranks (P(rank <= x) ~ ln x / ln N), each rank's address scattered.
  uint32_t Remote() {
    const auto rank = static_cast<uint64_t>(std::exp(Uniform() * std::log(double(kRemotes))));
    return 0x08000000u + static_cast<uint32_t>(Mix(rank) % kRemotes);
  }
  void AddBurst(double start) {
    const uint64_t s = rng_() % w_.subscribers;
    // Geometric size, mean kMeanBurst (at most 64).
    const double u = Uniform();
    const int size =
        std::min(64, 1 + static_cast<int>(std::log(1.0 - u) / std::log(1.0 - 1.0 / kMeanBurst)));
    const bool sequential = (rng_() & 1) != 0;
    const uint32_t inside_base = 49152 + static_cast<uint32_t>(rng_() % 16384);
    const uint32_t outside_base = static_cast<uint32_t>(rng_() % Workload::kBlockPorts);
    const uint32_t site = Remote();
    double t = start;
    for (int j = 0; j < size; ++j) {
      if (j > 0) t += std::min(2e6, -std::log(1.0 - Uniform()) * 200e3);
      Workload::Nat n;
      n.subscriber = s;
      n.ts = Whole(t);
      n.inside_ip = w_.inside_of(s);
      n.outside_ip = w_.public_of(s);
      n.outside_port =
          static_cast<uint16_t>(w_.block_of(s) + (outside_base + j) % Workload::kBlockPorts);
      n.inside_port = sequential ? static_cast<uint16_t>(49152 + (inside_base - 49152 + j) % 16384)
                                 : static_cast<uint16_t>(32768 + rng_() % 28232);
      n.remote_ip = Uniform() < 0.6 ? site : Remote();
      const double service = Uniform();
      double median_s = 15;
      if (service < 0.70) {
        n.tcp = true, n.remote_port = 443;
      } else if (service < 0.80) {
        n.tcp = false, n.remote_port = 443;
      } else if (service < 0.90) {
        n.tcp = true, n.remote_port = 80;
      } else if (service < 0.96) {
        n.tcp = false, n.remote_port = 53, median_s = 0.1;
      } else {
        n.tcp = true, n.remote_port = static_cast<uint16_t>(1024 + rng_() % 64512);
      }
      // Log-normal duration: exp(N(ln median, 1.5^2)), Box-Muller.
      const double g = std::sqrt(-2 * std::log(1.0 - Uniform())) * std::cos(2 * M_PI * Uniform());
      const double seconds = std::min(7200.0, median_s * std::exp(1.5 * g));
      n.end_ts = Whole(t + seconds * 1e6);
      if (n.end_ts < n.ts) n.end_ts = n.ts;
      pending_.push({n, made_++});
    }
  }

  const Workload& w_;
  std::mt19937_64 rng_;
  double burst_rate_ = 0, next_burst_ = 0;
  uint64_t emitted_ = 0, made_ = 0;
  std::priority_queue<Pending, std::vector<Pending>, Later> pending_;
};

// The mappings at the given positions of the stream (ascending), made again from the seed.
std::vector<Workload::Nat> Pick(const Workload& w, std::vector<uint64_t> positions) {
  std::sort(positions.begin(), positions.end());
  std::vector<Workload::Nat> picked;
  NatStream stream(w);
  Workload::Nat n;
  for (uint64_t i = 0; !positions.empty() && stream.Next(&n); ++i) {
    while (picked.size() < positions.size() && positions[picked.size()] == i) picked.push_back(n);
    if (picked.size() == positions.size()) break;
  }
  std::shuffle(picked.begin(), picked.end(), std::mt19937_64(w.seed));
  return picked;
}

// One row of the report.
struct Row {
  std::string system;
  double ingest_per_s = 0;
  std::string ingest_note;
  double bytes_per_record = -1;
  std::string bytes_note;
  double p50_ms = 0, p99_ms = 0;
  double first_ms = -1;  // the first question's (cold: nothing parsed or cached yet); -1: n/a
  size_t questions = 0, answered = 0;
};

// The chain's answer for mapping n: the inside address and the subscriber's account.
bool Resolved(const Workload::Nat& n, const IpAddress& inside, const std::string& account) {
  return inside == IpAddress::FromV4HostOrder(n.inside_ip) &&
         account == "sub" + std::to_string(n.subscriber);
}

// ---- index ----

std::string Rate(double per_s) {
  char b[32];
  if (per_s >= 1e6) {
    std::snprintf(b, sizeof b, "%.2f M", per_s / 1e6);
  } else {
    std::snprintf(b, sizeof b, "%.0f k", per_s / 1e3);
  }
  return b;
}

template <typename Stats>
uint64_t NatMemory(const Stats& s) {  // the field is newer than the bench's first version
  if constexpr (requires { s.nat_memory_bytes; }) {
    return s.nat_memory_bytes;
  } else {
    return 0;
  }
}

Row RunIndex(const Workload& w, uint64_t cap, size_t queries, std::mt19937_64* rng) {
  identity::IndexOptions io;
  io.max_nat_mappings = cap;
  io.max_login_intervals = w.subscribers + 1;
  io.open_login_ttl = (w.days + 2) * kDay;  // one login before the first day, no interims
  identity::IdentityIndex index(io);
  for (uint64_t s = 0; s < w.subscribers; ++s) index.AddLogin(w.Login(s));
  // Records are made in chunks outside the timed part.
  const uint64_t total = w.total();
  std::vector<record::NatRecord> chunk;
  double cpu = 0, full_cpu = 0;  // full_cpu: chunks that began with the index full (evicting)
  uint64_t full_records = 0;
  NatStream stream(w);
  Workload::Nat made;
  for (uint64_t i = 0; i < total;) {
    chunk.clear();
    for (; i < total && chunk.size() < 65536 && stream.Next(&made); ++i)
      chunk.push_back(w.Record(made));
    const bool full = index.stats().nat_mappings >= cap;
    const double c0 = CpuSeconds();
    for (const auto& n : chunk) index.AddNat(n);
    const double c = CpuSeconds() - c0;
    cpu += c;
    if (full) {
      full_cpu += c;
      full_records += chunk.size();
    }
  }
  const identity::IndexStats st = index.stats();
  Row row;
  row.system = "netward index (in memory)";
  row.ingest_per_s = static_cast<double>(total) / cpu;
  char note[200];
  std::snprintf(note, sizeof note, "one core, %.2f s CPU from empty; holds %llu mappings", cpu,
                static_cast<unsigned long long>(st.nat_mappings));
  row.ingest_note = note;
  if (full_records > 0) {
    std::snprintf(note, sizeof note, "; once full (evicting the oldest): %s/s",
                  Rate(static_cast<double>(full_records) / full_cpu).c_str());
    row.ingest_note += note;
  }
  if (uint64_t mem = NatMemory(st); mem != 0 && st.nat_mappings != 0) {
    std::snprintf(note, sizeof note, "in memory: %.0f bytes per mapping held (%.0f MiB)",
                  static_cast<double>(mem) / static_cast<double>(st.nat_mappings),
                  static_cast<double>(mem) / 1048576.0);
    row.bytes_note = note;
  }
  const uint64_t held = std::min<uint64_t>(st.nat_mappings, total);
  std::vector<double> lat;
  std::vector<uint64_t> positions;
  for (size_t q = 0; q < queries; ++q) positions.push_back(total - held + (*rng)() % held);
  for (const Workload::Nat& n : Pick(w, positions)) {
    const TimestampUs t = Workload::AskAt(n);
    const double w0 = WallSeconds();
    auto m = index.FindByOutside(IpAddress::FromV4HostOrder(n.outside_ip), n.outside_port, t, 0,
                                 IpAddress::FromV4HostOrder(n.remote_ip), n.remote_port);
    std::optional<identity::Subscriber> sub;
    if (m) sub = index.FindSubscriber(m->inside_ip, t);
    lat.push_back((WallSeconds() - w0) * 1e3);
    if (m && sub && Resolved(n, m->inside_ip, sub->account)) ++row.answered;
  }
  row.questions = queries;
  row.p50_ms = Percentile(lat, 0.5);
  row.p99_ms = Percentile(lat, 0.99);
  return row;
}

// ---- netward store ----

Status RunStore(const Workload& w, const std::string& dir, size_t queries, std::mt19937_64* rng,
                Row* row) {
  std::filesystem::remove_all(dir);
  store::StoreOptions so;
  so.dir = dir;
  so.background = false;
  auto opened = store::Store::Open(so);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<store::Store> st = std::move(opened.value());
  std::string lines;
  for (uint64_t d = 0; d < w.days; ++d) {
    for (uint64_t s = 0; s < w.subscribers; ++s) {
      record::EncodeJsonLine(w.Login(s, d), "S1", &lines);
    }
  }
  if (Status s = st->AppendLines(record::StreamId::kLogin, lines); !s.ok()) return s;
  lines.clear();
  const uint64_t total = w.total();
  double encode_s = 0, append_s = 0;
  double synced_at = WallSeconds(), checkpointed_at = synced_at;
  NatStream stream(w);
  Workload::Nat made;
  for (uint64_t i = 0; i < total;) {
    double t0 = WallSeconds();
    lines.clear();
    for (size_t k = 0; k < 1000 && i < total && stream.Next(&made); ++k, ++i)
      record::EncodeJsonLine(w.Record(made), "S1", &lines);
    double t1 = WallSeconds();
    encode_s += t1 - t0;
    if (Status s = st->AppendLines(record::StreamId::kNat, lines); !s.ok()) return s;
    // Sync after each second and checkpoint after each 10 s of ingest, as the background thread
    // would (store_bench does the same).
    const double now = WallSeconds();
    if (now - synced_at >= 1) {
      if (Status s = st->Sync(); !s.ok()) return s;
      synced_at = now;
    }
    if (now - checkpointed_at >= 10) {
      if (Status s = st->Checkpoint(); !s.ok()) return s;
      checkpointed_at = now;
    }
    append_s += WallSeconds() - t1;
  }
  const double c0 = WallSeconds();
  Status closed = st->Close();
  append_s += WallSeconds() - c0;
  st.reset();
  if (!closed.ok()) return closed;
  auto reader_or = store::StoreReader::Open(dir);
  if (!reader_or.ok()) return reader_or.status();
  store::StoreReader* reader = reader_or.value().get();
  uint64_t nat_bytes = 0;
  if (auto stats = reader->Stats(); stats.ok()) {
    for (const auto& s : *stats)
      if (s.stream == record::StreamId::kNat) nat_bytes = s.bytes_on_disk;
  }
  row->system = "netward store";
  row->ingest_per_s = static_cast<double>(total) / append_s;
  char note[200];
  std::snprintf(note, sizeof note,
                "Store::AppendLines + Close, wall %.1f s; JSON encoding apart: %.0f k/s", append_s,
                static_cast<double>(total) / encode_s / 1e3);
  row->ingest_note = note;
  row->bytes_per_record = static_cast<double>(nat_bytes) / static_cast<double>(total);
  row->bytes_note = "nat stream on disk";

  std::vector<double> lat;
  std::vector<uint64_t> positions;
  for (size_t q = 0; q < queries; ++q) positions.push_back((*rng)() % total);
  const std::vector<Workload::Nat> asked = Pick(w, positions);
  for (size_t q = 0; q < asked.size(); ++q) {
    const Workload::Nat& n = asked[q];
    const TimestampUs t = Workload::AskAt(n);
    const IpAddress a = IpAddress::FromV4HostOrder(n.outside_ip);
    // Asked twice, the second time timed (as store_bench): the first reads what a running
    // service keeps (parsed block headers); the very first question's first ask is reported.
    for (int pass = 0; pass < 2; ++pass) {
      const double q0 = WallSeconds();
      // What `netward trace` does (steps 1 and 2), with its default lookbacks.
      identity::StoreTraceQuestion question;
      question.address = a;
      question.port = n.outside_port;
      question.at = t;
      question.remote = IpAddress::FromV4HostOrder(n.remote_ip);
      question.remote_port = n.remote_port;
      question.skew = kSkew;
      question.nat_lookback = kNatLookback;
      question.login_lookback = kLoginLookback;
      identity::StoreTraceAnswer answer;
      Status s = identity::TraceInStore(reader, question, &answer);
      const double ms = (WallSeconds() - q0) * 1e3;
      if (!s.ok()) return s;
      if (q == 0 && pass == 0) row->first_ms = ms;
      if (pass == 0) continue;
      lat.push_back(ms);
      if (answer.nat && answer.subscriber && Resolved(n, answer.inside, answer.subscriber->account))
        ++row->answered;
    }
  }
  row->questions = queries;
  row->p50_ms = Percentile(lat, 0.5);
  row->p99_ms = Percentile(lat, 0.99);
  return Status::OK();
}

// ---- ClickHouse ----

// Why this sort key: the question fixes outside_ip and outside_port and bounds ts, so
// (outside_ip, outside_port, ts) narrows the primary index to the granules of that one port;
// partitions by day prune the rest of the month. Port blocks (inside_port 0) are found under
// the same outside_ip prefix.
constexpr const char* kNatTable = R"sql(CREATE TABLE nat (
  ts Int64, end_ts Int64, proto String, inside_ip UInt32, inside_port UInt16, outside_ip UInt32,
  outside_port UInt16, outside_port_end UInt16, remote_ip UInt32, remote_port UInt16,
  source String)
ENGINE = MergeTree PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts, 1000000)))
ORDER BY (outside_ip, outside_port, ts))sql";
constexpr const char* kLoginTable = R"sql(CREATE TABLE login (
  ts Int64, event String, account String, calling_id String, ip UInt32, session_id String,
  source String)
ENGINE = MergeTree PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000000)))
ORDER BY (ip, ts))sql";

// The private server (bench/lib/clickhouse_server.h) with the two tables, queries at
// max_threads=1.
class ClickHouse : public bench::ClickHouseServer {
 public:
  Status Start(const std::string& server, const std::string& config_dir, const std::string& dir,
               const std::string& cpus) {
    Options o;
    o.binary = server;
    o.config_dir = config_dir;
    o.dir = dir;
    o.cpus = cpus;
    o.max_threads = 1;
    if (Status s = ClickHouseServer::Start(o); !s.ok()) return s;
    for (const char* sql : {kNatTable, kLoginTable}) {
      if (Status s = Query(sql, nullptr); !s.ok()) return s;
    }
    return Status::OK();
  }
};

Status RunClickHouse(const Workload& w, const std::string& server, const std::string& config_dir,
                     const std::string& dir, const std::string& cpus, size_t queries,
                     std::mt19937_64* rng, Row* row) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ClickHouse ch;
  if (Status s = ch.Start(server, config_dir, dir, cpus); !s.ok()) return s;
  std::string rows;
  for (uint64_t d = 0; d < w.days; ++d) {
    for (uint64_t s = 0; s < w.subscribers; ++s) {
      record::LoginRecord l = w.Login(s, d);
      PutLe<int64_t>(&rows, l.ts);
      PutString(&rows, l.event);
      PutString(&rows, l.account);
      PutString(&rows, l.calling_id);
      PutLe<uint32_t>(&rows, w.inside_of(s));
      PutString(&rows, l.session_id);
      PutString(&rows, l.source);
    }
  }
  if (Status s = ch.Insert("INSERT INTO login FORMAT RowBinary", rows); !s.ok()) return s;
  const uint64_t total = w.total();
  double insert_s = 0;
  NatStream stream(w);
  for (uint64_t i = 0; i < total;) {
    Workload::Nat n;
    rows.clear();
    for (size_t k = 0; k < (size_t{1} << 20) && i < total && stream.Next(&n); ++k, ++i) {
      PutLe<int64_t>(&rows, n.ts);
      PutLe<int64_t>(&rows, n.end_ts);
      PutString(&rows, n.tcp ? "tcp" : "udp");
      PutLe<uint32_t>(&rows, n.inside_ip);
      PutLe<uint16_t>(&rows, n.inside_port);
      PutLe<uint32_t>(&rows, n.outside_ip);
      PutLe<uint16_t>(&rows, n.outside_port);
      PutLe<uint16_t>(&rows, 0);
      PutLe<uint32_t>(&rows, n.remote_ip);
      PutLe<uint16_t>(&rows, n.remote_port);
      PutString(&rows, "ipfix");
    }
    const double t0 = WallSeconds();
    if (Status s = ch.Insert("INSERT INTO nat FORMAT RowBinary", rows); !s.ok()) return s;
    insert_s += WallSeconds() - t0;
  }
  std::string parts;
  if (Status s =
          ch.Query("SELECT DISTINCT partition FROM system.parts WHERE active AND table = 'nat' "
                   "FORMAT TabSeparated",
                   &parts);
      !s.ok())
    return s;
  const double o0 = WallSeconds();
  std::istringstream lines(parts);
  for (std::string p; std::getline(lines, p);) {
    if (Status s = ch.Query("OPTIMIZE TABLE nat PARTITION " + p + " FINAL", nullptr); !s.ok())
      return s;
  }
  const double optimize_s = WallSeconds() - o0;
  std::string bytes;
  if (Status s =
          ch.Query("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND table = 'nat' "
                   "FORMAT TabSeparated",
                   &bytes);
      !s.ok())
    return s;
  row->system = "ClickHouse " + ch.version();
  row->ingest_per_s = static_cast<double>(total) / insert_s;
  char note[240];
  std::snprintf(note, sizeof note,
                "RowBinary INSERTs of 1 M rows, server %s, max_threads=1; OPTIMIZE FINAL %.1f s "
                "apart",
                cpus.empty() ? "on all CPUs" : ("on CPU " + cpus).c_str(), optimize_s);
  row->ingest_note = note;
  row->bytes_per_record = std::strtod(bytes.c_str(), nullptr) / static_cast<double>(total);
  row->bytes_note = "nat table, active parts after OPTIMIZE FINAL, zstd";

  std::vector<double> lat;
  std::string out;
  std::vector<uint64_t> positions;
  for (size_t q = 0; q < queries; ++q) positions.push_back((*rng)() % total);
  const std::vector<Workload::Nat> asked = Pick(w, positions);
  for (size_t q = 0; q < asked.size(); ++q) {
    const Workload::Nat& n = asked[q];
    const TimestampUs t = Workload::AskAt(n);
    const std::string range = " AND ts >= " + std::to_string(t - kNatLookback) + " AND ts < " +
                              std::to_string(t + kSkew + 3600 * kUsPerSecond);
    const std::string cols =
        "SELECT ts, end_ts, inside_ip, inside_port, outside_port, outside_port_end, remote_ip, "
        "remote_port FROM nat WHERE outside_ip = " +
        std::to_string(n.outside_ip);
    for (int pass = 0; pass < 2; ++pass) {  // the second timed, as for the store
      const double q0 = WallSeconds();
      // The same rules as the index: in the window widened by the skew, the remote peer matching,
      // a single mapping before a block, the exact interval first, then the latest start.
      struct Cand {
        int rank;
        TimestampUs ts;
        uint32_t inside;
      } best{-1, 0, 0};
      auto consider = [&](const std::string& text, bool blocks) {
        std::istringstream in(text);
        long long ts, end, ip, ipt, op, ope, rip, rpt;
        while (in >> ts >> end >> ip >> ipt >> op >> ope >> rip >> rpt) {
          if (blocks && !(op <= n.outside_port && n.outside_port <= ope)) continue;
          const TimestampUs e = end ? end : ts + kNatLookback;
          if (t < ts - kSkew || t > e + kSkew) continue;
          if (rip != 0 && static_cast<uint32_t>(rip) != n.remote_ip) continue;
          if (rip != 0 && rpt != 0 && rpt != n.remote_port) continue;
          int r = (blocks ? 0 : 4) | ((ts <= t && t <= e) ? 2 : 0) | (rip != 0 ? 1 : 0);
          if (r > best.rank || (r == best.rank && ts >= best.ts))
            best = {r, ts, static_cast<uint32_t>(ip)};
        }
      };
      Status s = ch.Query(cols + " AND outside_port = " + std::to_string(n.outside_port) + range +
                              " FORMAT TabSeparated",
                          &out);
      if (s.ok()) consider(out, false);
      if (s.ok() && best.rank < 0) {  // no single mapping: the port blocks of the address
        s = ch.Query(cols + " AND inside_port = 0" + range + " FORMAT TabSeparated", &out);
        if (s.ok()) consider(out, true);
      }
      std::string account;
      if (s.ok() && best.rank >= 0) {
        s = ch.Query(
            "SELECT ts, event, account FROM login WHERE ip = " + std::to_string(best.inside) +
                " AND ts >= " + std::to_string(t - kLoginLookback) + " AND ts < " +
                std::to_string(t + kSkew + kDay) + " ORDER BY ts FORMAT TabSeparated",
            &out);
        // One session per subscriber in this workload (a start, then interims): the last start
        // or interim at or before t names it.
        std::istringstream in(out);
        long long ts;
        std::string event, acct;
        while (in >> ts >> event >> acct)
          if (ts <= t + kSkew && (event == "start" || event == "interim")) account = acct;
      }
      const double ms = (WallSeconds() - q0) * 1e3;
      if (!s.ok()) return s;
      if (q == 0 && pass == 0) row->first_ms = ms;
      if (pass == 0) continue;
      lat.push_back(ms);
      if (best.rank >= 0 && Resolved(n, IpAddress::FromV4HostOrder(best.inside), account))
        ++row->answered;
    }
  }
  row->questions = queries;
  row->p50_ms = Percentile(lat, 0.5);
  row->p99_ms = Percentile(lat, 0.99);
  ch.Stop();
  std::filesystem::remove_all(dir);
  return Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  netward::TuneMalloc();  // as the netward binary runs (common/malloc_tuning.h)
  Workload w;
  size_t queries = 100000, store_queries = 200;
  uint64_t cap = uint64_t{1} << 22;  // IndexOptions' default max_nat_mappings
  std::string systems = "index,store,clickhouse", markdown;
  bool keep = false;  // --keep: leave the store in DIR/store for `netward trace` and stats
  std::string dir = (std::filesystem::temp_directory_path() / "identity_bench").string();
  std::string ch_server = "/usr/sbin/clickhouse-server", ch_config = "bench/clickhouse";
  std::string ch_cpus;
  bool full = false;
  CLI::App app{
      "identity_bench: \"who was it\" at CGNAT scale (issue 4): NAT events/s ingested, bytes per "
      "NAT record at rest and trace latency, netward's index and store side by side with "
      "ClickHouse on the same generated data. The comment at the top of bench/identity_bench.cc "
      "describes the workload and what each system's figures mean."};
  std::string shape = "cgnat", unit = "s";
  app.add_option("--shape", shape,
                 "cgnat: port blocks, bursts, Zipf remotes (the issue's CGNAT-shaped workload); "
                 "uniform: every field random (the structureless worst case); see the top of "
                 "bench/identity_bench.cc")
      ->capture_default_str()
      ->check(CLI::IsMember({"cgnat", "uniform"}));
  app.add_option("--time-unit", unit, "cgnat: the precision of start and end times")
      ->capture_default_str()
      ->check(CLI::IsMember({"s", "ms", "us"}));
  app.add_option("--subscribers", w.subscribers,
                 "subscribers, each behind one of N/64 public addresses")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 22));  // inside addresses 100.64.0.0/10
  app.add_option("--days", w.days, "days of NAT mappings")
      ->capture_default_str()
      ->check(CLI::Range(1, 366));
  app.add_option("--per-day,--mappings", w.per_day, "NAT mappings a day")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e12));
  app.add_flag(
      "--full", full,
      "the issue's scale: 30 days of 20 M mappings (600 M records, hours, ~100 GB of disk); "
      "--days/--per-day given as well win");
  app.add_option("--seed", w.seed, "seed of the generated data and questions")
      ->capture_default_str();
  app.add_option("--queries", queries, "trace questions to the in-memory index")
      ->capture_default_str();
  app.add_option("--store-queries", store_queries, "trace questions to the store and to ClickHouse")
      ->capture_default_str();
  app.add_option("--index-cap", cap, "NAT mappings the index keeps (its max_nat_mappings)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e12));
  app.add_option("--systems", systems, "comma-separated: index, store, clickhouse")
      ->capture_default_str()
      ->check([](const std::string& list) -> std::string {
        std::stringstream in(list);
        for (std::string one; std::getline(in, one, ',');) {
          if (one != "index" && one != "store" && one != "clickhouse") {
            return "unknown system '" + one + "' (index, store, clickhouse)";
          }
        }
        return "";
      });
  app.add_option("--dir", dir, "parent directory of the store and ClickHouse's data")
      ->capture_default_str();
  app.add_option("--clickhouse-server", ch_server, "clickhouse-server binary")
      ->capture_default_str();
  app.add_option("--clickhouse-config", ch_config, "directory of the server's XML templates")
      ->capture_default_str();
  app.add_option("--clickhouse-cpus", ch_cpus, "CPU list the server is pinned to (taskset -c)");
  app.add_option("--markdown", markdown, "also write the result table to this file");
  app.add_flag("--keep", keep, "keep the store in DIR/store (for netward trace and stats)");
  if (int rc = netward::bench::ParseArgs(app, argc, argv); rc >= 0) return rc;
  w.shape = shape == "uniform" ? Workload::Shape::kUniform : Workload::Shape::kCgnat;
  w.time_unit = unit == "s" ? kUsPerSecond : unit == "ms" ? 1000 : 1;
  if (full) {
    if (app.count("--days") == 0) w.days = 30;
    if (app.count("--per-day") == 0) w.per_day = 20000000;
  }
  auto wants = [&](const char* s) {
    return ("," + systems + ",").find(std::string(",") + s + ",") != std::string::npos;
  };
  std::mt19937_64 rng(w.seed);
  std::vector<Row> rows;
  std::vector<std::string> skipped;
  if (wants("index")) rows.push_back(RunIndex(w, cap, queries, &rng));
  if (wants("store")) {
    Row row;
    Status s = RunStore(w, dir + "/store", store_queries, &rng, &row);
    if (!keep) std::filesystem::remove_all(dir + "/store");
    if (!s.ok()) {
      std::fprintf(stderr, "identity_bench: store: %s\n", s.message().c_str());
      return 1;
    }
    rows.push_back(row);
  }
  if (wants("clickhouse")) {
    if (::access(ch_server.c_str(), X_OK) != 0) {
      skipped.push_back("ClickHouse: " + ch_server + " is not installed");
    } else {
      Row row;
      Status s = RunClickHouse(w, ch_server, ch_config, dir + "/clickhouse", ch_cpus, store_queries,
                               &rng, &row);
      std::filesystem::remove_all(dir + "/clickhouse");
      if (!s.ok()) {
        std::fprintf(stderr, "identity_bench: %s\n", s.message().c_str());
        return 1;
      }
      rows.push_back(row);
    }
  }

  const double scale = static_cast<double>(w.total()) / 600e6;
  std::ostringstream md;
  char line[512];
  std::snprintf(
      line, sizeof line,
      "Workload: %s, %llu subscribers behind %llu public addresses, %llu days x %llu NAT "
      "mappings = %llu records (%.4g of the issue's 600 M: 30 days x 20 M), seed %llu.\n\n",
      w.shape == Workload::Shape::kUniform ? "uniform"
                                           : ("cgnat (times in whole " + unit + ")").c_str(),
      static_cast<unsigned long long>(w.subscribers), static_cast<unsigned long long>(w.publics()),
      static_cast<unsigned long long>(w.days), static_cast<unsigned long long>(w.per_day),
      static_cast<unsigned long long>(w.total()), scale, static_cast<unsigned long long>(w.seed));
  md << line;
  md << "| system | NAT events/s ingested | bytes per NAT record | trace p50 | trace p99 | "
        "questions answered |\n| --- | --- | --- | --- | --- | --- |\n";
  for (const Row& r : rows) {
    std::string bytes = r.bytes_per_record < 0 ? "-" : "";
    if (r.bytes_per_record >= 0) {
      std::snprintf(line, sizeof line, "%.2f", r.bytes_per_record);
      bytes = line;
    }
    if (!r.bytes_note.empty()) bytes += " (" + r.bytes_note + ")";
    std::string first;
    if (r.first_ms >= 0) {
      std::snprintf(line, sizeof line, " (first question, cold: %.1f ms)", r.first_ms);
      first = line;
    }
    std::snprintf(line, sizeof line, "| %s | %s (%s) | %s | %.4f ms | %.4f ms%s | %zu / %zu |\n",
                  r.system.c_str(), Rate(r.ingest_per_s).c_str(), r.ingest_note.c_str(),
                  bytes.c_str(), r.p50_ms, r.p99_ms, first.c_str(), r.answered, r.questions);
    md << line;
  }
  for (const std::string& s : skipped) md << "\nSkipped: " << s << "\n";
  std::fputs(md.str().c_str(), stdout);
  if (!markdown.empty()) std::ofstream(markdown) << md.str();
  for (const Row& r : rows)
    if (r.answered != r.questions) {
      std::fprintf(stderr, "identity_bench: %s answered %zu of %zu questions\n", r.system.c_str(),
                   r.answered, r.questions);
      return 1;
    }
  return 0;
}
