// bench/store_bench_data.cc: the generator behind bench/store_bench_data.h.
#include "store_bench_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace netward::bench {

namespace {

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t Mix(uint64_t x) { return SplitMix64(&x); }

constexpr TimestampUs kUsPerMinute = 60 * kUsPerSecond;

// A log-normal value with the given median, clamped to [lo, hi].
uint64_t LogNormal(Rng& rng, double median, double sigma, double lo, double hi) {
  double v = median * std::exp(sigma * rng.Normal());
  return static_cast<uint64_t>(std::clamp(v, lo, hi));
}

constexpr std::string_view kSyllables[] = {
    "ba", "bo", "ci", "da", "fe", "gu", "hu", "ji", "ka", "lu", "mi", "no", "pa", "qi",  "ru",
    "su", "ta", "we", "xi", "ya", "zo", "an", "en", "li", "ma", "ne", "ou", "te", "yun", "shi"};
constexpr std::string_view kPrefixes[] = {"www.", "",     "api.",    "m.",
                                          "cdn.", "img.", "static.", "v."};
constexpr std::string_view kTlds[] = {".com", ".cn", ".com.cn", ".net", ".org", ".io", ".tv"};

}  // namespace

bool operator==(const QueryParams& a, const QueryParams& b) {
  auto eq_point = [](const PointQuery& x, const PointQuery& y) {
    return x.ip == y.ip && x.from == y.from && x.to == y.to;
  };
  auto eq_account = [](const AccountQuery& x, const AccountQuery& y) {
    return x.account == y.account && x.from == y.from && x.to == y.to;
  };
  auto eq_sub = [](const SubstringQuery& x, const SubstringQuery& y) {
    return x.needle == y.needle && x.from == y.from && x.to == y.to;
  };
  return std::equal(a.point.begin(), a.point.end(), b.point.begin(), b.point.end(), eq_point) &&
         std::equal(a.account.begin(), a.account.end(), b.account.begin(), b.account.end(),
                    eq_account) &&
         std::equal(a.substring.begin(), a.substring.end(), b.substring.begin(), b.substring.end(),
                    eq_sub);
}

Rng::Rng(uint64_t seed) {
  for (uint64_t& s : s_) s = SplitMix64(&seed);
}

uint64_t Rng::Next() {
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::Normal() {
  // Irwin-Hall with 4 uniforms: mean 2, variance 1/3.
  double sum = Uniform() + Uniform() + Uniform() + Uniform();
  return (sum - 2.0) * 1.7320508075688772;
}

Zipf::Zipf(uint32_t n, double s) : n_(n), s_(s) {
  h_integral_x1_ = HIntegral(1.5) - 1.0;
  h_integral_n_ = HIntegral(n + 0.5);
  s_bound_ = 2.0 - HIntegralInverse(HIntegral(2.5) - H(2));
}

double Zipf::H(double x) const { return std::exp(-s_ * std::log(x)); }

double Zipf::HIntegral(double x) const {
  const double log_x = std::log(x);
  const double t = (1.0 - s_) * log_x;
  const double helper =
      std::abs(t) > 1e-8 ? std::expm1(t) / t : 1 + t * 0.5 * (1 + t / 3 * (1 + 0.25 * t));
  return helper * log_x;
}

double Zipf::HIntegralInverse(double x) const {
  double t = x * (1.0 - s_);
  if (t < -1.0) t = -1.0;
  const double helper =
      std::abs(t) > 1e-8 ? std::log1p(t) / t : 1 - t * (0.5 - t * (1.0 / 3 - 0.25 * t));
  return std::exp(helper * x);
}

uint32_t Zipf::Sample(Rng& rng) const {
  for (;;) {
    const double u = h_integral_n_ + rng.Uniform() * (h_integral_x1_ - h_integral_n_);
    const double x = HIntegralInverse(u);
    double k = std::floor(x + 0.5);
    if (k < 1) k = 1;
    if (k > n_) k = n_;
    if (k - x <= s_bound_ || u >= HIntegral(k + 0.5) - H(k)) return static_cast<uint32_t>(k);
  }
}

std::string Ipv4Text(uint32_t ip) {
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
                        ip & 255);
  return std::string(buf, static_cast<size_t>(n));
}

Generator::Generator(uint64_t total_records, uint64_t seed, size_t queries)
    : total_(total_records),
      rng_(seed),
      subscriber_zipf_(kSubscribers, 0.5),
      destination_zipf_(kDestinations, 1.0),
      host_zipf_(kHosts, 1.0),
      param_rng_(seed ^ 0x5175657279ULL) {
  subscribers_.resize(kSubscribers);
  char buf[32];
  for (uint32_t i = 0; i < kSubscribers; ++i) {
    Subscriber& s = subscribers_[i];
    std::snprintf(buf, sizeof buf, "u%07u", i);
    s.account = buf;
    std::snprintf(buf, sizeof buf, "170%08llu",
                  static_cast<unsigned long long>(Mix(seed + i) % 100000000ULL));
    s.calling_id = buf;
    uint64_t m = Mix(seed ^ (0x6d6163ULL << 32) ^ i);
    std::snprintf(buf, sizeof buf, "02:%02x:%02x:%02x:%02x:%02x", unsigned(m & 255),
                  unsigned((m >> 8) & 255), unsigned((m >> 16) & 255), unsigned((m >> 24) & 255),
                  unsigned((m >> 32) & 255));
    s.mac = buf;
    s.inside_ip = 0x0a000000u | ((i / 250) << 8) | (i % 250 + 2);
    s.nat_ip = 0xc6120000u | (i % kPublicAddresses);  // 198.18.0.x
    s.port_block = static_cast<uint16_t>(1024 + (i / kPublicAddresses) * 128);
    s.vlan = static_cast<uint16_t>(1000 + i / 2000);
  }

  Rng names(seed ^ 0x686f737473ULL);
  hosts_.resize(kHosts + 1);  // by Zipf rank, 1-based
  bank_host_.assign(kHosts + 1, false);
  for (uint32_t rank = 1; rank <= kHosts; ++rank) {
    std::string name(kPrefixes[names.Below(std::size(kPrefixes))]);
    int syllables = 2 + static_cast<int>(names.Below(3));
    for (int k = 0; k < syllables; ++k) name += kSyllables[names.Below(std::size(kSyllables))];
    // About 0.5 % of sessions go to a bank: ranks 37, 137, 237, ...
    bool bank = rank % 100 == 37;
    if (bank) name += kNeedle;
    name += kTlds[names.Below(std::size(kTlds))];
    if (!bank && name.find(kNeedle) != std::string::npos) name += "x";  // never by accident
    hosts_[rank] = std::move(name);
    bank_host_[rank] = bank;
  }

  for (size_t i = 0; i < queries; ++i) {
    point_at_.push_back(total_ ? param_rng_.Next() % total_ : 0);
    account_at_.push_back(total_ ? param_rng_.Next() % total_ : 0);
    SubstringQuery q;
    q.needle = std::string(kNeedle);
    q.from = kDataStart + param_rng_.Below(kDataDays) * kUsPerDay;
    q.to = q.from + kUsPerDay;
    params_.substring.push_back(std::move(q));
  }
  std::sort(point_at_.begin(), point_at_.end());
  std::sort(account_at_.begin(), account_at_.end());
}

void Generator::MakeSession(SessionRow* r) {
  // Subscribers by Zipf rank, scattered over the index space (7919 is prime to 100000).
  const uint32_t rank = subscriber_zipf_.Sample(rng_);
  const Subscriber& sub = subscribers_[(static_cast<uint64_t>(rank - 1) * 7919) % kSubscribers];
  r->src_ip = sub.inside_ip;
  r->src_port = static_cast<uint16_t>(1024 + rng_.Below(64512));
  r->nat_ip = sub.nat_ip;
  r->nat_port = static_cast<uint16_t>(sub.port_block + rng_.Below(128));
  r->vlan = sub.vlan;
  r->mac = sub.mac;
  r->account = sub.account;
  r->calling_id = sub.calling_id;

  auto destination = [&] {
    // Zipf rank -> a public-looking address (first octet 1..223, never 10 or 127).
    uint32_t d = static_cast<uint32_t>(Mix(destination_zipf_.Sample(rng_)));
    uint32_t first = 1 + (d >> 24) % 222;
    if (first == 10 || first == 127) first = 58;
    return (first << 24) | (d & 0xffffffu);
  };
  auto host = [&](bool* bank) {
    uint32_t h = host_zipf_.Sample(rng_);
    *bank = bank_host_[h];
    return std::string_view(hosts_[h]);
  };
  bool bank = false;
  const uint32_t kind = rng_.Below(100);
  TimestampUs duration;
  if (kind < 62) {  // TLS
    r->proto = "tcp";
    r->dst_port = 443;
    r->dst_ip = destination();
    r->app = "tls";
    r->host = rng_.Below(100) < 97 ? host(&bank) : std::string_view();
    duration = static_cast<TimestampUs>(LogNormal(rng_, 8e6, 1.8, 2e4, 7200e6));
    r->bytes_up = LogNormal(rng_, 2000, 1.5, 300, 2e9);
    r->bytes_down = LogNormal(rng_, 30000, 2.0, 500, 2e9);
  } else if (kind < 70) {  // QUIC
    r->proto = "udp";
    r->dst_port = 443;
    r->dst_ip = destination();
    r->app = "quic";
    r->host = host(&bank);
    duration = static_cast<TimestampUs>(LogNormal(rng_, 20e6, 1.5, 5e4, 7200e6));
    r->bytes_up = LogNormal(rng_, 3000, 1.5, 1200, 2e9);
    r->bytes_down = LogNormal(rng_, 60000, 2.0, 1200, 2e9);
  } else if (kind < 82) {  // HTTP
    r->proto = "tcp";
    r->dst_port = rng_.Below(10) == 0 ? 8080 : 80;
    r->dst_ip = destination();
    r->app = "http";
    r->host = host(&bank);
    r->url = "http://";
    r->url += r->host;
    uint32_t p = rng_.Below(100);
    char buf[64];
    if (p < 20) {
      r->url += "/";
    } else if (p < 30) {
      r->url += "/index.html";
    } else if (p < 55) {
      std::snprintf(buf, sizeof buf, "/api/v2/feed?page=%u&uid=%u", rng_.Below(50),
                    rng_.Below(1000000));
      r->url += buf;
    } else if (p < 75) {
      std::snprintf(buf, sizeof buf, "/static/js/app.%08x.js", rng_.Below(1u << 31));
      r->url += buf;
    } else if (p < 99) {
      std::snprintf(buf, sizeof buf, "/images/%u/%u.jpg", rng_.Below(1000), rng_.Below(100000));
      r->url += buf;
    } else {
      r->url += "/netbank/login.do";  // a bank path on a host that is not a bank's
    }
    duration = static_cast<TimestampUs>(LogNormal(rng_, 3e6, 1.8, 1e4, 3600e6));
    r->bytes_up = LogNormal(rng_, 800, 1.0, 200, 1e8);
    r->bytes_down = LogNormal(rng_, 25000, 2.2, 300, 2e9);
  } else if (kind < 92) {  // DNS to one of two resolvers
    r->proto = "udp";
    r->dst_port = 53;
    r->dst_ip = 0xc6336435u + rng_.Below(2);  // 198.51.100.53/54
    r->app = "dns";
    duration = static_cast<TimestampUs>(LogNormal(rng_, 3e4, 0.8, 500, 5e6));
    r->bytes_up = 60 + rng_.Below(40);
    r->bytes_down = 90 + rng_.Below(300);
  } else {  // something else
    static constexpr uint16_t kPorts[] = {22, 25, 110, 143, 993, 995, 3389, 5222, 8443, 123};
    r->dst_port = kPorts[rng_.Below(std::size(kPorts))];
    r->proto = r->dst_port == 123 ? "udp" : "tcp";
    r->dst_ip = destination();
    r->app = "";
    r->host = rng_.Below(2) ? host(&bank) : std::string_view();
    duration = static_cast<TimestampUs>(LogNormal(rng_, 5e6, 2.0, 1e3, 7200e6));
    r->bytes_up = LogNormal(rng_, 1500, 2.0, 40, 1e9);
    r->bytes_down = LogNormal(rng_, 5000, 2.0, 40, 1e9);
  }
  r->end_ts = r->ts + duration;
  r->pkts_up = r->bytes_up / 400 + 1;
  r->pkts_down = r->bytes_down / 1200 + 1;
  if (r->proto == "udp") {
    r->close = "timeout";
  } else {
    uint32_t c = rng_.Below(100);
    r->close = c < 78 ? "fin" : c < 90 ? "rst" : "timeout";
  }
}

void Generator::TakeParams(const SessionRow& row) {
  while (next_point_ < point_at_.size() && point_at_[next_point_] <= produced_) {
    PointQuery q;
    q.ip = row.src_ip;
    TimestampUs t = row.ts + static_cast<TimestampUs>(param_rng_.Below(40 * 60)) * kUsPerSecond -
                    20 * kUsPerMinute;
    q.from = t - 30 * kUsPerMinute;
    q.to = t + 30 * kUsPerMinute;
    params_.point.push_back(q);
    ++next_point_;
  }
  while (next_account_ < account_at_.size() && account_at_[next_account_] <= produced_) {
    AccountQuery q;
    q.account = std::string(row.account);
    q.from = kDataStart + (row.ts - kDataStart) / kUsPerDay * kUsPerDay;
    q.to = q.from + kUsPerDay;
    params_.account.push_back(std::move(q));
    ++next_account_;
  }
}

bool Generator::Fill(size_t max_records, Batch* batch) {
  batch->sessions.clear();
  batch->nats.clear();
  if (produced_ >= total_) return false;
  const double step = static_cast<double>(kDataDays * kUsPerDay) / static_cast<double>(total_);
  batch->sessions.reserve(max_records);
  batch->nats.reserve(max_records / 2 + 1);
  while (batch->size() < max_records && produced_ < total_) {
    if (pending_nat_) {
      batch->nats.push_back(nat_);
      pending_nat_ = false;
      ++produced_;
      continue;
    }
    SessionRow& s = batch->sessions.emplace_back();
    s.ts = kDataStart +
           static_cast<TimestampUs>((static_cast<double>(produced_) + rng_.Uniform()) * step);
    MakeSession(&s);
    TakeParams(s);
    ++produced_;
    // Half the sessions crossed the CGNAT and left a NAT record too: 2/3 session, 1/3 nat.
    if (rng_.Below(2) == 0 && produced_ < total_) {
      nat_.ts = s.ts;
      nat_.end_ts = s.end_ts + (s.proto == "tcp" ? 120 : 30) * kUsPerSecond;
      nat_.proto = s.proto;
      nat_.inside_ip = s.src_ip;
      nat_.inside_port = s.src_port;
      nat_.outside_ip = s.nat_ip;
      nat_.outside_port = s.nat_port;
      nat_.remote_ip = s.dst_ip;
      nat_.remote_port = s.dst_port;
      nat_.source = "conntrack";
      pending_nat_ = true;
    }
  }
  return true;
}

}  // namespace netward::bench
