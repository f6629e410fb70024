// The NAT timeline's storage (identity/nat_map.h) under the index: ring growth, eviction of the
// oldest through key chains and open-addressing tables, bounded memory, and a differential test
// against a plain scan over the mappings that should be held.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "identity/identity_index.h"

namespace netward::identity {
namespace {

constexpr TimestampUs kT0 = 1'800'000'000 * kUsPerSecond;
constexpr TimestampUs S(int64_t s) { return kT0 + s * kUsPerSecond; }

record::NatRecord Nat(TimestampUs ts, TimestampUs end, uint32_t inside, uint16_t in_port,
                      uint32_t outside, uint16_t out_port, uint32_t remote = 0,
                      uint16_t remote_port = 0, uint16_t out_port_end = 0) {
  record::NatRecord r;
  r.ts = ts;
  r.end_ts = end;
  r.proto = "udp";
  r.inside_ip = IpAddress::FromV4HostOrder(inside);
  r.inside_port = in_port;
  r.outside_ip = IpAddress::FromV4HostOrder(outside);
  r.outside_port = out_port;
  r.outside_port_end = out_port_end;
  if (remote) r.remote_ip = IpAddress::FromV4HostOrder(remote);
  r.remote_port = remote_port;
  r.source = "ipfix";
  return r;
}

TEST(IdentityIndexNatTest, RingGrowsAndKeepsEveryMappingFindable) {
  IdentityIndex idx;  // default cap (4 M): 20 k mappings make the ring and tables grow often
  for (uint32_t i = 0; i < 20000; ++i) {
    idx.AddNat(Nat(S(i), S(i + 30), 0x64400000u + i % 977, static_cast<uint16_t>(1024 + i),
                   0xCB007100u + i % 13, static_cast<uint16_t>(2000 + i % 3000)));
  }
  EXPECT_EQ(idx.stats().nat_mappings, 20000u);
  EXPECT_EQ(idx.stats().nat_evicted, 0u);
  for (uint32_t i = 0; i < 20000; i += 7) {
    auto m = idx.FindByOutside(IpAddress::FromV4HostOrder(0xCB007100u + i % 13),
                               static_cast<uint16_t>(2000 + i % 3000), S(i) + 1);
    ASSERT_TRUE(m.has_value()) << i;
    EXPECT_EQ(m->inside_port, 1024 + i) << i;
    auto in = idx.FindByInside(IpAddress::FromV4HostOrder(0x64400000u + i % 977),
                               static_cast<uint16_t>(1024 + i), S(i) + 1);
    ASSERT_TRUE(in.has_value()) << i;
    EXPECT_EQ(in->outside_port, 2000 + i % 3000) << i;
  }
}

TEST(IdentityIndexNatTest, EvictionCutsKeyChainsAtTheOldestHeld) {
  IndexOptions o;
  o.max_nat_mappings = 100;
  IdentityIndex idx(o);
  // One outside port reused every second by another inside port: one long chain, cut by eviction.
  for (int i = 0; i < 1000; ++i) {
    idx.AddNat(
        Nat(S(i), S(i + 1), 0x64400001u, static_cast<uint16_t>(10000 + i), 0xCB007101u, 4000));
  }
  EXPECT_EQ(idx.stats().nat_mappings, 100u);
  EXPECT_EQ(idx.stats().nat_evicted, 900u);
  const IpAddress out = IpAddress::FromV4HostOrder(0xCB007101u);
  for (int i = 900; i < 1000; ++i) {
    auto m = idx.FindByOutside(out, 4000, S(i) + kUsPerSecond / 2);
    ASSERT_TRUE(m.has_value()) << i;
    EXPECT_EQ(m->inside_port, 10000 + i);
  }
  // Mapping 895 is evicted, and the oldest held (900, from S(900)) is beyond the 2 s skew.
  EXPECT_FALSE(idx.FindByOutside(out, 4000, S(895)).has_value());
  EXPECT_FALSE(idx.FindByInside(IpAddress::FromV4HostOrder(0x64400001u), 10899, S(899)));
  EXPECT_TRUE(idx.FindByInside(IpAddress::FromV4HostOrder(0x64400001u), 10900, S(900)));
}

TEST(IdentityIndexNatTest, MemoryStaysBoundedUnderEviction) {
  IndexOptions o;
  o.max_nat_mappings = 1000;
  IdentityIndex idx(o);
  uint64_t after_first = 0;
  for (uint32_t i = 0; i < 200000; ++i) {  // every key new: keys must leave the tables
    idx.AddNat(Nat(S(i), S(i + 1), 0x64400000u + i, static_cast<uint16_t>(i), 0xCB000000u + i,
                   static_cast<uint16_t>(i)));
    if (i == 1999) after_first = idx.stats().nat_memory_bytes;
  }
  const IndexStats st = idx.stats();
  EXPECT_EQ(st.nat_mappings, 1000u);
  EXPECT_EQ(st.nat_evicted, 199000u);
  EXPECT_GT(after_first, 0u);
  EXPECT_EQ(st.nat_memory_bytes, after_first);  // nothing grew after the first fill
  EXPECT_LT(st.nat_memory_bytes, 1000u * 400);
}

// A plain model of what the index should answer: the last `cap` mappings, scanned.
struct Model {
  struct M {
    record::NatRecord r;
    uint64_t id;
  };
  std::vector<M> all;
  size_t cap;
  TimestampUs skew = 2 * kUsPerSecond, ttl = 24 * 3600 * kUsPerSecond;

  int Rank(const record::NatRecord& m, TimestampUs t, const IpAddress& rip, uint16_t rport) const {
    TimestampUs end = m.end_ts ? m.end_ts : m.ts + ttl;
    if (t < m.ts - skew || t > end + skew) return -1;
    bool known = !rip.is_unspecified() && !m.remote_ip.is_unspecified();
    if (known && !(rip == m.remote_ip)) return -1;
    if (known && rport && m.remote_port && rport != m.remote_port) return -1;
    return (m.outside_port_end > m.outside_port ? 0 : 4) | (m.ts <= t && t <= end ? 2 : 0) |
           (known ? 1 : 0);
  }
  std::optional<record::NatRecord> Outside(const IpAddress& ip, uint16_t port, TimestampUs t,
                                           const IpAddress& rip, uint16_t rport) const {
    for (bool blocks : {false, true}) {
      const M* best = nullptr;
      int best_rank = -1;
      for (size_t k = all.size() > cap ? all.size() - cap : 0; k < all.size(); ++k) {
        const auto& m = all[k];
        const bool is_block = m.r.outside_port_end > m.r.outside_port;
        if (is_block != blocks || !(m.r.outside_ip == ip)) continue;
        if (blocks ? (port < m.r.outside_port || port > m.r.outside_port_end)
                   : port != m.r.outside_port)
          continue;
        int r = Rank(m.r, t, rip, rport);
        if (r < 0) continue;
        if (!best || r > best_rank || (r == best_rank && m.r.ts >= best->r.ts)) {
          best = &m;
          best_rank = r;
        }
      }
      if (best) return best->r;
    }
    return std::nullopt;
  }
};

TEST(IdentityIndexNatTest, AgreesWithAPlainScanUnderChurn) {
  for (size_t cap : {size_t{50}, size_t{1000}, size_t{100000}}) {
    IndexOptions o;
    o.max_nat_mappings = cap;
    IdentityIndex idx(o);
    Model model;
    model.cap = cap;
    std::mt19937_64 rng(cap);
    for (uint64_t i = 0; i < 5000; ++i) {
      // Few addresses and ports: keys collide, chains grow, tables shift on erase.
      const TimestampUs ts =
          S(static_cast<int64_t>(i / 4)) + static_cast<TimestampUs>(rng() % 900000);
      const uint32_t outside = 0xCB007100u + static_cast<uint32_t>(rng() % 3);
      record::NatRecord r;
      if (rng() % 16 == 0) {  // a port block
        const uint16_t start = static_cast<uint16_t>(1024 + (rng() % 8) * 64);
        r = Nat(ts, ts + static_cast<TimestampUs>(rng() % 600) * kUsPerSecond,
                0x64400000u + static_cast<uint32_t>(i), 0, outside, start, 0, 0,
                static_cast<uint16_t>(start + 63));
      } else {
        r = Nat(ts, (rng() % 8) ? ts + static_cast<TimestampUs>(rng() % 60) * kUsPerSecond : 0,
                0x64400000u + static_cast<uint32_t>(rng() % 50), static_cast<uint16_t>(1 + i),
                outside, static_cast<uint16_t>(1024 + rng() % 600),
                (rng() % 2) ? 0x08080000u + static_cast<uint32_t>(rng() % 4) : 0, 443);
      }
      idx.AddNat(r);
      model.all.push_back({r, i});
    }
    ASSERT_EQ(idx.stats().nats_merged, 0u);  // every record has its own inside port
    ASSERT_EQ(idx.stats().nat_mappings, std::min<size_t>(cap, 5000));
    size_t found = 0;
    for (int q = 0; q < 3000; ++q) {
      // Half the questions about a recent record (held or just evicted), half anywhere.
      const size_t recent = std::min<size_t>(2 * cap, model.all.size());
      const record::NatRecord& near = model.all[model.all.size() - 1 - rng() % recent].r;
      const bool aimed = rng() % 2;
      const IpAddress out =
          aimed ? near.outside_ip
                : IpAddress::FromV4HostOrder(0xCB007100u + static_cast<uint32_t>(rng() % 3));
      const uint16_t port = aimed ? static_cast<uint16_t>(near.outside_port + rng() % 3)
                                  : static_cast<uint16_t>(1024 + rng() % 620);
      const TimestampUs t = aimed ? near.ts + static_cast<TimestampUs>(rng() % 4000000) - 1000000
                                  : S(static_cast<int64_t>(rng() % 1300));
      const IpAddress rip =
          (rng() % 2) ? IpAddress::FromV4HostOrder(0x08080000u + static_cast<uint32_t>(rng() % 4))
                      : IpAddress{};
      auto want = model.Outside(out, port, t, rip, 443);
      auto got = idx.FindByOutside(out, port, t, 0, rip, 443);
      ASSERT_EQ(want.has_value(), got.has_value()) << "cap " << cap << " q " << q;
      if (!want) continue;
      ++found;
      EXPECT_EQ(got->inside_ip, want->inside_ip) << "cap " << cap << " q " << q;
      EXPECT_EQ(got->inside_port, want->inside_port) << "cap " << cap << " q " << q;
      EXPECT_EQ(got->ts, want->ts);
    }
    EXPECT_GT(found, 100u) << "cap " << cap;  // the test asked questions that have answers
  }
}

}  // namespace
}  // namespace netward::identity
