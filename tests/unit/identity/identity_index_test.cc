#include "identity/identity_index.h"

#include <gtest/gtest.h>

#include <string>

namespace netward::identity {
namespace {

constexpr TimestampUs kT0 = 1'800'000'000 * kUsPerSecond;  // 2027-01-15
constexpr TimestampUs S(int64_t s) { return kT0 + s * kUsPerSecond; }
IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

record::LoginRecord Login(const char* event, TimestampUs ts, const char* ip, const char* account,
                          const char* mac = "", const char* session = "") {
  record::LoginRecord r;
  r.ts = ts;
  r.event = event;
  r.account = account;
  r.calling_id = std::string("tel-") + account;
  if (*ip) r.ip = Ip(ip);
  r.mac = mac;
  r.session_id = session;
  r.source = "radius";
  return r;
}

record::NatRecord Nat(TimestampUs ts, TimestampUs end, const char* inside, uint16_t in_port,
                      const char* outside, uint16_t out_port, const char* remote = "",
                      uint16_t remote_port = 0, uint16_t out_port_end = 0) {
  record::NatRecord r;
  r.ts = ts;
  r.end_ts = end;
  r.proto = "tcp";
  r.inside_ip = Ip(inside);
  r.inside_port = in_port;
  r.outside_ip = Ip(outside);
  r.outside_port = out_port;
  r.outside_port_end = out_port_end;
  if (*remote) r.remote_ip = Ip(remote);
  r.remote_port = remote_port;
  r.source = "syslog";
  return r;
}

std::string AccountAt(const IdentityIndex& idx, const char* ip, TimestampUs t) {
  auto s = idx.FindSubscriber(Ip(ip), t);
  return s ? s->account : "<none>";
}

TEST(IdentityIndexTest, EmptyUntilFirstRecordAndNothingFound) {
  IdentityIndex idx;
  EXPECT_TRUE(idx.empty());
  EXPECT_FALSE(idx.FindSubscriber(Ip("10.0.0.1"), S(0)).has_value());
  EXPECT_FALSE(idx.FindByOutside(Ip("203.0.113.1"), 1000, S(0)).has_value());
  idx.AddLogin(Login("start", S(0), "10.0.0.1", "alice"));
  EXPECT_FALSE(idx.empty());
}

TEST(IdentityIndexTest, StartInterimStopMakeOneInterval) {
  IdentityIndex idx;
  idx.AddLogin(Login("start", S(0), "10.0.0.1", "alice", "", "sess1"));
  idx.AddLogin(Login("interim", S(300), "10.0.0.1", "alice", "", "sess1"));
  idx.AddLogin(Login("stop", S(600), "10.0.0.1", "alice", "", "sess1"));
  EXPECT_EQ(idx.stats().login_intervals, 1u);
  auto s = idx.FindSubscriber(Ip("10.0.0.1"), S(100));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->account, "alice");
  EXPECT_EQ(s->calling_id, "tel-alice");
  EXPECT_EQ(s->source, "radius");
  EXPECT_EQ(s->login_ts, S(0));
  EXPECT_EQ(s->end_ts, S(600));
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(700)), "<none>");  // after the stop (and the skew)
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(-100)), "<none>");
}

TEST(IdentityIndexTest, OpenIntervalHoldsUntilTtlAfterLastNews) {
  IndexOptions o;
  o.open_login_ttl = 3600 * kUsPerSecond;
  IdentityIndex idx(o);
  idx.AddLogin(Login("start", S(0), "10.0.0.1", "alice", "", "s"));
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(3000)), "alice");
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(4000)), "<none>");  // expired: no news for an hour
  idx.AddLogin(Login("interim", S(3500), "10.0.0.1", "alice", "", "s"));
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(4000)), "alice");  // the interim extended it
  EXPECT_EQ(idx.stats().login_intervals, 1u);
}

TEST(IdentityIndexTest, InterimOrStopForUnseenSessionUsesItsDuration) {
  IdentityIndex idx;
  auto interim = Login("interim", S(1000), "10.0.0.2", "bob", "", "b1");
  interim.duration_s = 600;  // logged in at S(400)
  idx.AddLogin(interim);
  auto s = idx.FindSubscriber(Ip("10.0.0.2"), S(500));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->login_ts, S(400));
  auto stop = Login("stop", S(2000), "10.0.0.3", "carol", "", "c1");
  stop.duration_s = 100;
  idx.AddLogin(stop);
  EXPECT_EQ(AccountAt(idx, "10.0.0.3", S(1950)), "carol");
  EXPECT_EQ(AccountAt(idx, "10.0.0.3", S(1850)), "<none>");
}

TEST(IdentityIndexTest, AddressReuseClosesThePreviousSubscriber) {
  IdentityIndex idx;
  idx.AddLogin(Login("start", S(0), "10.0.0.1", "alice", "", "a"));
  // alice's stop was lost; bob gets the address at S(1000).
  idx.AddLogin(Login("start", S(1000), "10.0.0.1", "bob", "", "b"));
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(999)), "alice");
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(1001)), "bob");
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(500)), "alice");
  auto a = idx.FindSubscriber(Ip("10.0.0.1"), S(500));
  EXPECT_EQ(a->end_ts, S(1000));
  // Later the address goes back to alice, in a new session.
  idx.AddLogin(Login("stop", S(2000), "10.0.0.1", "bob", "", "b"));
  idx.AddLogin(Login("start", S(3000), "10.0.0.1", "alice", "", "a2"));
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(2500)), "<none>");
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(1500)), "bob");
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(3500)), "alice");
}

TEST(IdentityIndexTest, OverlappingLeasesRenewalsAndHandOver) {
  IdentityIndex idx;
  auto lease = [](TimestampUs ts, const char* mac) {
    auto r = Login("lease", ts, "192.168.1.50", "", mac);
    r.source = "dhcp";
    r.duration_s = 3600;
    return r;
  };
  idx.AddLogin(lease(S(0), "aa:aa:aa:aa:aa:aa"));
  idx.AddLogin(lease(S(1800), "aa:aa:aa:aa:aa:aa"));  // renewal: same interval, extended
  EXPECT_EQ(idx.stats().login_intervals, 1u);
  auto s = idx.FindSubscriber(Ip("192.168.1.50"), S(5000));
  ASSERT_TRUE(s.has_value());  // valid to S(5400) after the renewal
  EXPECT_EQ(s->mac, "aa:aa:aa:aa:aa:aa");
  EXPECT_FALSE(idx.FindSubscriber(Ip("192.168.1.50"), S(5500)).has_value());  // lease expired
  // The lease of aa.. still runs when the server hands the address to bb.. (overlap).
  idx.AddLogin(lease(S(4000), "bb:bb:bb:bb:bb:bb"));
  EXPECT_EQ(idx.FindSubscriber(Ip("192.168.1.50"), S(3990))->mac, "aa:aa:aa:aa:aa:aa");
  EXPECT_EQ(idx.FindSubscriber(Ip("192.168.1.50"), S(4010))->mac, "bb:bb:bb:bb:bb:bb");
  // A release ends bb's lease early.
  auto rel = lease(S(4500), "bb:bb:bb:bb:bb:bb");
  rel.event = "release";
  idx.AddLogin(rel);
  EXPECT_FALSE(idx.FindSubscriber(Ip("192.168.1.50"), S(4600)).has_value());
}

TEST(IdentityIndexTest, ClockSkewToleranceWidensIntervalsButExactMatchWins) {
  IndexOptions o;
  o.skew_tolerance = 2 * kUsPerSecond;
  IdentityIndex idx(o);
  idx.AddLogin(Login("start", S(100), "10.0.0.1", "alice", "", "a"));
  idx.AddLogin(Login("stop", S(200), "10.0.0.1", "alice", "", "a"));
  idx.AddLogin(Login("start", S(200), "10.0.0.1", "bob", "", "b"));
  // The NAS clock is 1.5 s behind the probe: a flow at S(98.5) by the probe's clock still counts.
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(100) - 1'500'000), "alice");
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(100) - 2'500'000), "<none>");  // beyond the tolerance
  // At the hand-over both match within the skew; the exact interval wins on either side.
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(200) - 1), "alice");
  EXPECT_EQ(AccountAt(idx, "10.0.0.1", S(200) + 1), "bob");
  // Without tolerance the off-by-1.5 s question finds nobody.
  IndexOptions strict;
  strict.skew_tolerance = 0;
  IdentityIndex idx2(strict);
  idx2.AddLogin(Login("start", S(100), "10.0.0.1", "alice"));
  EXPECT_EQ(AccountAt(idx2, "10.0.0.1", S(100) - 1'500'000), "<none>");
}

TEST(IdentityIndexTest, BindNeverExpiresAndIpv6PrefixMatchesLongestFirst) {
  IdentityIndex idx;
  auto bind = Login("bind", S(0), "10.9.0.1", "static-corp");
  bind.source = "static";
  idx.AddLogin(bind);
  EXPECT_EQ(AccountAt(idx, "10.9.0.1", S(365 * 86400)), "static-corp");
  auto v6 = Login("start", S(0), "", "dave");
  v6.ipv6_prefix = "2001:db8:100::/40";
  idx.AddLogin(v6);
  auto v6b = Login("start", S(0), "", "erin");
  v6b.ipv6_prefix = "2001:db8:1ab:cd00::/56";
  idx.AddLogin(v6b);
  EXPECT_EQ(AccountAt(idx, "2001:db8:1ab:cd12::1", S(10)), "erin");
  EXPECT_EQ(AccountAt(idx, "2001:db8:1ab:ce00::1", S(10)), "dave");
  EXPECT_EQ(AccountAt(idx, "2001:db9::1", S(10)), "<none>");
  auto s = idx.FindSubscriber(Ip("2001:db8:1ab:cd12::1"), S(10));
  EXPECT_EQ(s->ipv6_prefix, "2001:db8:1ab:cd00::/56");
}

TEST(IdentityIndexTest, IgnoresLoginsWithoutAddressOrEvent) {
  IdentityIndex idx;
  idx.AddLogin(Login("start", S(0), "", "nobody"));
  idx.AddLogin(Login("accept", S(0), "10.0.0.1", "x"));
  auto bad = Login("start", S(0), "", "y");
  bad.ipv6_prefix = "not-a-prefix/99";
  idx.AddLogin(bad);
  EXPECT_EQ(idx.stats().logins_ignored, 3u);
  EXPECT_EQ(idx.stats().login_intervals, 0u);
  EXPECT_TRUE(idx.empty());
}

TEST(IdentityIndexTest, LoginEvictionDropsOldestClosedFirstAndCounts) {
  IndexOptions o;
  o.max_login_intervals = 10;
  IdentityIndex idx(o);
  idx.AddLogin(Login("bind", S(0), "10.1.0.0", "keeper"));  // open forever: kept
  for (int i = 1; i <= 20; ++i) {
    std::string ip = "10.1.0." + std::to_string(i);
    auto stop = Login("stop", S(i * 10), ip.c_str(), "u");
    stop.duration_s = 5;
    idx.AddLogin(stop);
  }
  IndexStats st = idx.stats();
  EXPECT_EQ(st.login_intervals, 10u);
  EXPECT_EQ(st.login_evicted, 11u);
  EXPECT_EQ(AccountAt(idx, "10.1.0.0", S(1000)), "keeper");
  EXPECT_EQ(AccountAt(idx, "10.1.0.1", S(8)), "<none>");  // evicted (oldest)
  EXPECT_EQ(AccountAt(idx, "10.1.0.20", S(198)), "u");    // newest kept
}

TEST(IdentityIndexTest, NatSingleMappingsByOutsideAndInside) {
  IdentityIndex idx;
  idx.AddNat(Nat(S(0), S(60), "10.0.0.1", 40000, "203.0.113.1", 1024, "198.51.100.7", 443));
  auto m = idx.FindByOutside(Ip("203.0.113.1"), 1024, S(30));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->inside_ip, Ip("10.0.0.1"));
  EXPECT_EQ(m->inside_port, 40000);
  EXPECT_EQ(m->source, "syslog");
  EXPECT_EQ(m->proto, 6);
  EXPECT_FALSE(idx.FindByOutside(Ip("203.0.113.1"), 1025, S(30)).has_value());
  EXPECT_FALSE(idx.FindByOutside(Ip("203.0.113.1"), 1024, S(100)).has_value());
  EXPECT_FALSE(idx.FindByOutside(Ip("203.0.113.1"), 1024, S(30), /*proto=*/17).has_value());
  auto in = idx.FindByInside(Ip("10.0.0.1"), 40000, S(30), 6, Ip("198.51.100.7"), 443);
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->outside_port, 1024);
}

TEST(IdentityIndexTest, NatRemotePeerDisambiguatesSharedOutsidePorts) {
  IdentityIndex idx;
  // Endpoint-dependent NAT: one outside port, two subscribers, two different remote peers.
  idx.AddNat(Nat(S(0), 0, "10.0.0.1", 5000, "203.0.113.1", 2000, "198.51.100.1", 80));
  idx.AddNat(Nat(S(10), 0, "10.0.0.2", 6000, "203.0.113.1", 2000, "198.51.100.2", 80));
  auto a = idx.FindByOutside(Ip("203.0.113.1"), 2000, S(20), 6, Ip("198.51.100.1"), 80);
  auto b = idx.FindByOutside(Ip("203.0.113.1"), 2000, S(20), 6, Ip("198.51.100.2"), 80);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->inside_ip, Ip("10.0.0.1"));
  EXPECT_EQ(b->inside_ip, Ip("10.0.0.2"));
  // Remote unknown: the latest start.
  EXPECT_EQ(idx.FindByOutside(Ip("203.0.113.1"), 2000, S(20))->inside_ip, Ip("10.0.0.2"));
  // A remote nobody talked to matches neither.
  EXPECT_FALSE(idx.FindByOutside(Ip("203.0.113.1"), 2000, S(20), 6, Ip("198.51.100.3")));
}

TEST(IdentityIndexTest, NatPortBlocksAreRanges) {
  IdentityIndex idx;
  // 10.0.0.1 holds 203.0.113.9:1024-1535, 10.0.0.2 holds 1536-2047, for an hour.
  idx.AddNat(Nat(S(0), S(3600), "10.0.0.1", 0, "203.0.113.9", 1024, "", 0, 1535));
  idx.AddNat(Nat(S(0), S(3600), "10.0.0.2", 0, "203.0.113.9", 1536, "", 0, 2047));
  // Then the first block goes to 10.0.0.3.
  idx.AddNat(Nat(S(3600), 0, "10.0.0.3", 0, "203.0.113.9", 1024, "", 0, 1535));
  auto at = [&](uint16_t port, TimestampUs t) {
    auto m = idx.FindByOutside(Ip("203.0.113.9"), port, t);
    return m ? m->inside_ip.ToString() : std::string("<none>");
  };
  EXPECT_EQ(at(1024, S(10)), "10.0.0.1");
  EXPECT_EQ(at(1535, S(10)), "10.0.0.1");
  EXPECT_EQ(at(1536, S(10)), "10.0.0.2");
  EXPECT_EQ(at(2047, S(10)), "10.0.0.2");
  EXPECT_EQ(at(2048, S(10)), "<none>");
  EXPECT_EQ(at(1023, S(10)), "<none>");
  EXPECT_EQ(at(1300, S(3000)), "10.0.0.1");
  EXPECT_EQ(at(1300, S(4000)), "10.0.0.3");
  EXPECT_EQ(at(1300, S(3600) - 1), "10.0.0.1");  // exact interval wins at the hand-over
  EXPECT_EQ(at(1300, S(3600) + 1), "10.0.0.3");
  auto m = idx.FindByOutside(Ip("203.0.113.9"), 1300, S(10));
  EXPECT_EQ(m->outside_port, 1024);
  EXPECT_EQ(m->outside_port_end, 1535);
  // Inside lookups fall back to the block.
  auto in = idx.FindByInside(Ip("10.0.0.2"), 51000, S(10));
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->outside_port, 1536);
  // A per-session mapping inside a block is more precise and wins.
  idx.AddNat(Nat(S(100), S(200), "10.0.0.7", 777, "203.0.113.9", 1600));
  EXPECT_EQ(at(1600, S(150)), "10.0.0.7");
  EXPECT_EQ(at(1600, S(300)), "10.0.0.2");
}

TEST(IdentityIndexTest, NatRepeatedMappingUpdatesItsEnd) {
  IdentityIndex idx;
  idx.AddNat(Nat(S(0), 0, "10.0.0.1", 40000, "203.0.113.1", 1024, "198.51.100.7", 443));
  idx.AddNat(Nat(S(0), S(30), "10.0.0.1", 40000, "203.0.113.1", 1024, "198.51.100.7", 443));
  IndexStats st = idx.stats();
  EXPECT_EQ(st.nat_mappings, 1u);
  EXPECT_EQ(st.nats_merged, 1u);
  auto m = idx.FindByOutside(Ip("203.0.113.1"), 1024, S(10));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->end_ts, S(30));
  EXPECT_FALSE(idx.FindByOutside(Ip("203.0.113.1"), 1024, S(40)).has_value());
}

TEST(IdentityIndexTest, NatClockSkewAndOpenTtl) {
  IndexOptions o;
  o.skew_tolerance = 2 * kUsPerSecond;
  o.open_nat_ttl = 600 * kUsPerSecond;
  IdentityIndex idx(o);
  idx.AddNat(Nat(S(100), 0, "10.0.0.1", 1, "203.0.113.1", 1024));
  // The router logs 1 s late: B saw the connection at S(99).
  EXPECT_TRUE(idx.FindByOutside(Ip("203.0.113.1"), 1024, S(99)).has_value());
  EXPECT_FALSE(idx.FindByOutside(Ip("203.0.113.1"), 1024, S(97)).has_value());
  EXPECT_TRUE(idx.FindByOutside(Ip("203.0.113.1"), 1024, S(650)).has_value());
  EXPECT_FALSE(idx.FindByOutside(Ip("203.0.113.1"), 1024, S(800)).has_value());
}

TEST(IdentityIndexTest, NatEvictionDropsOldestAndCounts) {
  IndexOptions o;
  o.max_nat_mappings = 100;
  IdentityIndex idx(o);
  for (int i = 0; i < 250; ++i) {
    idx.AddNat(Nat(S(i), S(i + 1), "10.0.0.1", static_cast<uint16_t>(10000 + i), "203.0.113.1",
                   static_cast<uint16_t>(20000 + i)));
  }
  IndexStats st = idx.stats();
  EXPECT_EQ(st.nat_mappings, 100u);
  EXPECT_EQ(st.nat_evicted, 150u);
  EXPECT_FALSE(idx.FindByOutside(Ip("203.0.113.1"), 20000, S(0)).has_value());
  EXPECT_TRUE(idx.FindByOutside(Ip("203.0.113.1"), 20249, S(249)).has_value());
  EXPECT_FALSE(idx.FindByInside(Ip("10.0.0.1"), 10149, S(149)).has_value());
  EXPECT_TRUE(idx.FindByInside(Ip("10.0.0.1"), 10150, S(150)).has_value());
}

TEST(IdentityIndexTest, FullChainOutsideToSubscriber) {
  IdentityIndex idx;
  idx.AddLogin(Login("start", S(0), "100.64.0.5", "alice", "", "a"));
  idx.AddNat(Nat(S(50), S(70), "100.64.0.5", 51515, "203.0.113.1", 3333, "198.51.100.9", 80));
  auto m = idx.FindByOutside(Ip("203.0.113.1"), 3333, S(60), 6, Ip("198.51.100.9"), 80);
  ASSERT_TRUE(m.has_value());
  auto s = idx.FindSubscriber(m->inside_ip, S(60));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->account, "alice");
  EXPECT_EQ(s->calling_id, "tel-alice");
}

}  // namespace
}  // namespace netward::identity
