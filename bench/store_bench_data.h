// bench/store_bench_data.h: the store benchmark's data set (bench/README.md, "Store").
// A deterministic stream of session and NAT records shaped like a carrier's logs: 100 k
// subscribers behind 256 CGNAT addresses with port blocks, destinations and host names drawn
// from Zipf distributions, ts increasing over 30 days. The same (records, seed) give the same
// records in the same order, so every system ingests identical data; the query parameters are
// drawn from the records themselves, so every query finds something.
// Rows hold views into the Generator's tables: they stay valid while the Generator lives.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace netward::bench {

constexpr TimestampUs kDataStart = 1790812800 * kUsPerSecond;  // 2026-10-01T00:00:00Z
constexpr int kDataDays = 30;
constexpr TimestampUs kUsPerDay = 86400 * kUsPerSecond;
constexpr uint32_t kSubscribers = 100000;
constexpr uint32_t kPublicAddresses = 256;  // 198.18.0.0/24, 128-port blocks from 1024
constexpr uint32_t kDestinations = 1000000;
constexpr uint32_t kHosts = 5000;
constexpr std::string_view kSite = "bench";
constexpr std::string_view kNeedle = "bank";  // query (c); only host and url can contain it

// IPv4 addresses are host-order integers (0x0a000001 is 10.0.0.1): all generated ones are v4.
struct SessionRow {
  TimestampUs ts = 0;
  TimestampUs end_ts = 0;
  std::string_view proto;
  uint32_t src_ip = 0;
  uint16_t src_port = 0;
  uint32_t nat_ip = 0;
  uint16_t nat_port = 0;
  uint32_t dst_ip = 0;
  uint16_t dst_port = 0;
  uint16_t vlan = 0;
  std::string_view mac;
  std::string_view account;
  std::string_view calling_id;
  std::string_view app;
  std::string_view host;
  std::string url;  // only HTTP sessions have one
  uint64_t bytes_up = 0;
  uint64_t bytes_down = 0;
  uint64_t pkts_up = 0;
  uint64_t pkts_down = 0;
  std::string_view close;
};

struct NatRow {
  TimestampUs ts = 0;
  TimestampUs end_ts = 0;
  std::string_view proto;
  uint32_t inside_ip = 0;
  uint16_t inside_port = 0;
  uint32_t outside_ip = 0;
  uint16_t outside_port = 0;
  uint32_t remote_ip = 0;
  uint16_t remote_port = 0;
  std::string_view source;
};

// A slice of the stream: each stream's records in order (the interleaving between the two
// streams does not matter: every system keeps one table or log per stream).
struct Batch {
  std::vector<SessionRow> sessions;
  std::vector<NatRow> nats;
  size_t size() const { return sessions.size() + nats.size(); }
};

// (a) records of one inside address within [from, to): session.src_ip and nat.inside_ip.
struct PointQuery {
  uint32_t ip = 0;
  TimestampUs from = 0;
  TimestampUs to = 0;
};
// (b) session records of one account within one UTC day [from, to).
struct AccountQuery {
  std::string account;
  TimestampUs from = 0;
  TimestampUs to = 0;
};
// (c) session records of one UTC day [from, to) whose host or url contains `needle`.
struct SubstringQuery {
  std::string needle;
  TimestampUs from = 0;
  TimestampUs to = 0;
};

struct QueryParams {
  std::vector<PointQuery> point;
  std::vector<AccountQuery> account;
  std::vector<SubstringQuery> substring;
  friend bool operator==(const QueryParams& a, const QueryParams& b);
};

// xoshiro256** seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>((Next() >> 32) * n >> 32); }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Normal();  // approximately standard normal (Irwin-Hall, 4 terms)

 private:
  uint64_t s_[4];
};

// Zipf(n, s) over ranks 1..n by rejection-inversion (Hörmann and Derflinger 1996): O(1) per
// sample, no table.
class Zipf {
 public:
  Zipf(uint32_t n, double s);
  uint32_t Sample(Rng& rng) const;

 private:
  double H(double x) const;
  double HIntegral(double x) const;
  double HIntegralInverse(double x) const;
  uint32_t n_;
  double s_, h_integral_x1_, h_integral_n_, s_bound_;
};

class Generator {
 public:
  // `total_records` sessions and NAT records together (about 2 : 1); `queries` parameters of each
  // kind are drawn from them.
  Generator(uint64_t total_records, uint64_t seed, size_t queries);

  // Replaces `batch`'s contents with the next records, at most `max_records`; false (and an
  // empty batch) once all records were produced.
  bool Fill(size_t max_records, Batch* batch);
  uint64_t produced() const { return produced_; }
  // Complete once Fill() has returned false.
  const QueryParams& params() const { return params_; }

 private:
  struct Subscriber {
    std::string account, calling_id, mac;
    uint32_t inside_ip;
    uint32_t nat_ip;
    uint16_t port_block;
    uint16_t vlan;
  };
  void MakeSession(SessionRow* row);
  void TakeParams(const SessionRow& row);

  uint64_t total_;
  uint64_t produced_ = 0;
  Rng rng_;
  Zipf subscriber_zipf_, destination_zipf_, host_zipf_;
  std::vector<Subscriber> subscribers_;
  std::vector<std::string> hosts_;
  std::vector<bool> bank_host_;
  // Record ordinals whose session (or the next session) gives a point / account query.
  std::vector<uint64_t> point_at_, account_at_;
  size_t next_point_ = 0, next_account_ = 0;
  NatRow nat_;  // the NAT record of the last session, when it did not fit in the batch
  bool pending_nat_ = false;
  Rng param_rng_;
  QueryParams params_;
};

// "10.1.2.3"
std::string Ipv4Text(uint32_t ip);

}  // namespace netward::bench
