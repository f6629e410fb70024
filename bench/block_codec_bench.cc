// bench/block_codec_bench.cc: the store's block codec (src/store/block_codec.h) on session
// records shaped like one site's: ts increasing with small gaps, 10 k clients (each with its
// MAC, account and calling id), Zipf-distributed destinations (100 k) and host names (500),
// random client ports, mostly 443/80/53 servers, lognormal byte counts, 15 % with a URL.
//
//   block_codec_bench [records (default 1048576)] [block records (default 65536)]
//                     [zstd levels (default 1,3)]
//
// Prints, per zstd level: Add+Finish records/s on one core, bytes per record (and how much of
// it is the Bloom filter), per column stored and raw bytes; then, on the last level's blocks,
// LoadColumn records/s for a few columns, AppendJsonLine records/s and the cost of a Bloom
// probe. Each timing is the best of 5 runs, in this thread's CPU time.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lib/bench_cli.h"
#include "record/json_encoder.h"
#include "store/block_codec.h"

namespace {

using netward::IpAddress;
using netward::TimestampUs;
using netward::record::SessionRecord;
using netward::record::StreamId;
namespace store = netward::store;

// This thread's CPU time: on a shared machine, waiting for a core does not count.
double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Draws 0..n-1 with P(k) ~ 1 / (k + 1)^s.
class Zipf {
 public:
  Zipf(size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (size_t k = 0; k < n; ++k) cdf_[k] = sum += 1.0 / std::pow(static_cast<double>(k + 1), s);
    for (double& c : cdf_) c /= sum;
  }
  size_t operator()(std::mt19937_64& rng) const {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin()) %
           cdf_.size();
  }

 private:
  std::vector<double> cdf_;
};

std::vector<SessionRecord> Generate(size_t n) {
  std::mt19937_64 rng(2026);
  constexpr size_t kClients = 10000, kDestinations = 100000, kHosts = 500;
  std::vector<std::string> macs, accounts, calling_ids, hosts;
  for (size_t i = 0; i < kClients; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "02:00:%02zx:%02zx:%02zx:%02zx", i >> 24 & 255, i >> 16 & 255,
                  i >> 8 & 255, i & 255);
    macs.emplace_back(buf);
    std::snprintf(buf, sizeof(buf), "user%06zu", i * 7919 % 1000000);
    accounts.emplace_back(buf);
    std::snprintf(buf, sizeof(buf), "8490%07zu", i * 104729 % 10000000);
    calling_ids.emplace_back(buf);
  }
  const char* tlds[] = {"com", "vn", "net", "org", "com.vn"};
  for (size_t i = 0; i < kHosts; ++i) {
    hosts.push_back((i % 3 ? "www.site" : "cdn") + std::to_string(i) + "." + tlds[i % 5]);
  }
  Zipf dst_zipf(kDestinations, 1.0), host_zipf(kHosts, 1.1);
  std::lognormal_distribution<double> bytes_dist(8.0, 2.0), dur_dist(13.0, 2.0);
  std::exponential_distribution<double> gap(1.0 / 40.0);  // ~25 k sessions/s
  const char* closes[] = {"fin", "fin", "fin", "rst", "timeout"};

  std::vector<SessionRecord> out(n);
  TimestampUs ts = 1'790'812'800'000'000;
  for (SessionRecord& r : out) {
    ts += static_cast<TimestampUs>(gap(rng));
    r.ts = ts;
    r.end_ts = ts + static_cast<TimestampUs>(dur_dist(rng));
    uint64_t roll = rng() % 100;
    r.proto = roll < 80 ? "tcp" : roll < 99 ? "udp" : "icmp";
    size_t client = rng() % kClients;
    r.src_ip = IpAddress::FromV4HostOrder(0x0a000000 + static_cast<uint32_t>(client));
    r.src_port = static_cast<uint16_t>(1024 + rng() % 64512);
    if (client % 4 == 0) {  // a quarter of the clients sit behind the CGNAT
      r.nat_ip = IpAddress::FromV4HostOrder(0xc6120000 + static_cast<uint32_t>(client % 256));
      r.nat_port = static_cast<uint16_t>(1024 + rng() % 64512);
    }
    size_t dst = dst_zipf(rng);
    r.dst_ip = IpAddress::FromV4HostOrder(0x5db80000 + static_cast<uint32_t>(dst * 2654435761u));
    uint64_t port = rng() % 100;
    r.dst_port = port < 70 ? 443 : port < 85 ? 80 : port < 95 ? 53 : 1024 + rng() % 1000;
    r.vlan = static_cast<uint16_t>(100 + client % 4);
    r.mac = macs[client];
    r.account = accounts[client];
    r.calling_id = calling_ids[client];
    r.app = r.dst_port == 443 ? "tls" : r.dst_port == 80 ? "http" : r.dst_port == 53 ? "dns" : "";
    if (r.dst_port == 443 || r.dst_port == 80) r.host = hosts[host_zipf(rng)];
    if (r.dst_port == 80) {
      r.url = "http://" + r.host + "/p/" + std::to_string(rng() % 5000) +
              "?id=" + std::to_string(rng() % 100000);
    }
    r.bytes_up = static_cast<uint64_t>(bytes_dist(rng) / 4);
    r.bytes_down = static_cast<uint64_t>(bytes_dist(rng));
    r.pkts_up = 1 + r.bytes_up / 900;
    r.pkts_down = 1 + r.bytes_down / 1300;
    r.close = closes[rng() % 5];
  }
  return out;
}

template <typename F>
double Best(F&& f) {
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    double start = CpuSeconds();
    f();
    best = std::min(best, CpuSeconds() - start);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1 << 20, per_block = 65536;
  std::vector<int> levels = {1, 3};
  CLI::App app{
      "block_codec_bench: the store's block codec on session records shaped like one site's: "
      "per zstd level, Add+Finish records/s on one core and bytes per record (per column), then "
      "LoadColumn and AppendJsonLine records/s and the cost of a Bloom probe. Best of 5, this "
      "thread's CPU time."};
  app.add_option("RECORDS", n, "session records to encode")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e8));
  app.add_option("BLOCK_RECORDS", per_block, "records per block (the store writes 65536)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, double{store::kMaxBlockRecords}));
  app.add_option("LEVELS", levels, "zstd levels, comma-separated")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(-7, 22));
  if (int rc = netward::bench::ParseArgs(app, argc, argv); rc >= 0) return rc;
  std::vector<SessionRecord> records = Generate(n);
  size_t json_bytes = 0;
  {
    std::string line;
    for (const auto& r : records) {
      line.clear();
      netward::record::EncodeJsonLine(r, "site-1", &line);
      json_bytes += line.size();
    }
  }
  std::printf("%zu session records, %zu per block; JSON lines: %.1f bytes/record\n", n, per_block,
              static_cast<double>(json_bytes) / static_cast<double>(n));

  std::vector<std::string> blocks;
  for (int level : levels) {
    store::BlockBuilder builder(StreamId::kSession);
    std::string out;
    out.reserve(n * 40);
    double secs = Best([&] {
      out.clear();
      for (size_t i = 0; i < n; ++i) {
        builder.Add(records[i], "site-1");
        if (builder.count() == per_block || i + 1 == n)
          builder.Finish(i + 1 - builder.count(), level, &out);
      }
    });
    // Split into blocks and sum the Bloom filters.
    blocks.clear();
    size_t bloom = 0;
    std::vector<size_t> column_bytes(store::ColumnCount(StreamId::kSession));
    std::vector<size_t> raw_bytes(column_bytes.size());
    for (size_t pos = 0; pos < out.size();) {
      auto header = store::ParseBlockHeader(std::string_view(out).substr(pos));
      if (!header.ok()) {
        std::fprintf(stderr, "%s\n", header.status().ToString().c_str());
        return 1;
      }
      bloom += header->bloom.size();
      for (size_t c = 0; c < column_bytes.size(); ++c) {
        column_bytes[c] += header->columns[c].stored_bytes;
        raw_bytes[c] += header->columns[c].raw_bytes;
      }
      blocks.push_back(out.substr(pos, header->total_bytes));
      pos += header->total_bytes;
    }
    std::printf(
        "level %d: Add+Finish %.2f M records/s (%.0f ns/record); %.2f bytes/record "
        "(Bloom %.2f, header rest %.2f)\n",
        level, static_cast<double>(n) / secs / 1e6, secs * 1e9 / static_cast<double>(n),
        static_cast<double>(out.size()) / static_cast<double>(n),
        static_cast<double>(bloom) / static_cast<double>(n),
        static_cast<double>(out.size() - bloom) / static_cast<double>(n) - [&] {
          size_t sum = 0;
          for (size_t b : column_bytes) sum += b;
          return static_cast<double>(sum) / static_cast<double>(n);
        }());
    std::printf("  bytes/record by column, stored (raw):");
    size_t raw_total = 0;
    for (size_t c = 0; c < column_bytes.size(); ++c) {
      raw_total += raw_bytes[c];
      std::printf(" %s=%.2f(%.1f)", std::string(store::ColumnName(StreamId::kSession, c)).c_str(),
                  static_cast<double>(column_bytes[c]) / static_cast<double>(n),
                  static_cast<double>(raw_bytes[c]) / static_cast<double>(n));
    }
    std::printf("\n  raw (before zstd): %.1f bytes/record",
                static_cast<double>(raw_total) / static_cast<double>(n));
    std::printf("\n");
  }

  // Reading (the last level's blocks).
  for (std::string_view field : {"ts", "dst_ip", "dst_port", "host", "url"}) {
    const auto c = static_cast<size_t>(store::ColumnIndex(StreamId::kSession, field));
    uint64_t sink = 0;
    double secs = Best([&] {
      for (const std::string& block : blocks) {
        auto reader = store::BlockReader::Open(block);
        if (!reader.ok() || !(*reader)->LoadColumn(c).ok()) std::abort();
        sink += (*reader)->header().count;
      }
    });
    std::printf("LoadColumn(%s): %.1f M records/s\n", std::string(field).c_str(),
                static_cast<double>(n) / secs / 1e6);
    if (sink == 0) std::abort();
  }
  {
    std::string line;
    double secs = Best([&] {
      for (const std::string& block : blocks) {
        auto reader = store::BlockReader::Open(block);
        if (!reader.ok()) std::abort();
        for (uint32_t row = 0; row < (*reader)->header().count; ++row) {
          line.clear();
          if (!(*reader)->AppendJsonLine(row, &line).ok()) std::abort();
        }
      }
    });
    std::printf("Open + AppendJsonLine of every row: %.2f M records/s\n",
                static_cast<double>(n) / secs / 1e6);
  }
  {
    std::vector<store::BlockHeader> headers;
    for (const std::string& block : blocks) headers.push_back(*store::ParseBlockHeader(block));
    size_t hits = 0, probes = 0;
    for (uint32_t i = 0; i < 20000; ++i) {
      auto probe = store::MakeBloomProbe(StreamId::kSession, "src_ip",
                                         IpAddress::FromV4HostOrder(0x0b000000 + i).ToString());
      for (const auto& h : headers) {
        hits += h.MayContain(probe);  // absent from every block
        ++probes;
      }
    }
    size_t sink = 0;
    double text_secs = Best([&] {
      for (uint32_t i = 0; i < 20000; ++i) {
        std::string ip = IpAddress::FromV4HostOrder(0x0b000000 + i).ToString();
        for (const auto& h : headers) sink += h.MayContain("src_ip", ip);
      }
    });
    double probe_secs = Best([&] {
      for (uint32_t i = 0; i < 20000; ++i) {
        std::string ip = IpAddress::FromV4HostOrder(0x0b000000 + i).ToString();
        auto probe = store::MakeBloomProbe(StreamId::kSession, "src_ip", ip);
        for (const auto& h : headers) sink += h.MayContain(probe);
      }
    });
    std::printf(
        "MayContain(src_ip, absent): %.1f ns/block with the text, %.1f ns/block with a "
        "prepared probe; false positives %.2f %%\n",
        text_secs * 1e9 / static_cast<double>(probes),
        probe_secs * 1e9 / static_cast<double>(probes),
        100.0 * static_cast<double>(hits) / static_cast<double>(probes));
    if (sink == 0) std::abort();
  }
  return 0;
}
