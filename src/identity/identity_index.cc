#include "identity/identity_index.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "common/ip_proto.h"

namespace netward::identity {
namespace {

constexpr TimestampUs kForever = std::numeric_limits<TimestampUs>::max() / 4;
constexpr size_t kMaxIntervalsPerAddress = 64;
constexpr uint8_t kExactLen = 255;  // eviction entry for an exact-address binding

enum class LoginEvent { kStart, kInterim, kStop, kLease, kRelease, kBind, kUnknown };

LoginEvent ParseEvent(std::string_view e) {
  if (e == "start") return LoginEvent::kStart;
  if (e == "interim") return LoginEvent::kInterim;
  if (e == "stop") return LoginEvent::kStop;
  if (e == "lease") return LoginEvent::kLease;
  if (e == "release") return LoginEvent::kRelease;
  if (e == "bind") return LoginEvent::kBind;
  return LoginEvent::kUnknown;
}

// "2001:db8:1::/56" -> masked address and length (0..128, in IPv6 bits); false if malformed.
bool ParsePrefix(std::string_view text, IpAddress* addr, uint8_t* len) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  auto a = IpAddress::Parse(text.substr(0, slash));
  if (!a) return false;
  unsigned n = 0;
  std::string_view l = text.substr(slash + 1);
  auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), n);
  if (ec != std::errc() || p != l.data() + l.size()) return false;
  if (a->is_v4()) n += 96;
  if (n > 128) return false;
  *addr = *a;
  *len = static_cast<uint8_t>(n);
  for (unsigned bit = n; bit < 128; ++bit) addr->bytes[bit / 8] &= ~(0x80 >> (bit % 8));
  return true;
}

IpAddress Mask(const IpAddress& ip, unsigned len) {
  IpAddress a = ip;
  for (unsigned bit = len; bit < 128; ++bit) a.bytes[bit / 8] &= ~(0x80 >> (bit % 8));
  return a;
}

struct Interval {
  uint64_t seq = 0;
  TimestampUs start = 0;
  TimestampUs end = 0;      // 0: open
  TimestampUs expires = 0;  // open intervals: valid until then
  Subscriber sub;
  TimestampUs effective_end() const { return end ? end : expires; }
};

using Timeline = std::vector<Interval>;  // sorted by start

struct PortKey {
  IpAddress ip;
  uint16_t port;
  friend bool operator==(const PortKey& a, const PortKey& b) {
    return a.port == b.port && a.ip == b.ip;
  }
};
struct PortKeyHash {
  size_t operator()(const PortKey& k) const {
    return IpAddressHash()(k.ip) ^ (static_cast<size_t>(k.port) * 0x9E3779B97F4A7C15ULL);
  }
};

// A NAT mapping as kept in memory: no strings (the source is an index into a small table).
struct Slot {
  TimestampUs ts;
  TimestampUs end;
  IpAddress inside;
  IpAddress outside;
  IpAddress remote;
  uint16_t inside_port;
  uint16_t outside_port;
  uint16_t outside_port_end;
  uint16_t remote_port;
  uint8_t proto;
  uint8_t source;
  bool is_block() const { return outside_port_end > outside_port; }
};

struct BlockSet {
  std::map<uint16_t, std::vector<uint64_t>> by_start;
  uint16_t max_span = 0;
};

void EraseId(std::vector<uint64_t>* ids, uint64_t id) {
  auto it = std::find(ids->begin(), ids->end(), id);
  if (it != ids->end()) ids->erase(it);
}

}  // namespace

struct IdentityIndex::Impl {
  explicit Impl(const IndexOptions& o) : opt(o) {}
  const IndexOptions& opt;
  mutable std::shared_mutex mu;
  IndexStats stats;

  // ---- subscriber timeline ----
  std::unordered_map<IpAddress, Timeline, IpAddressHash> exact;
  std::map<uint8_t, std::unordered_map<IpAddress, Timeline, IpAddressHash>, std::greater<>>
      prefixes;  // longest first
  struct EvictEntry {
    IpAddress addr;
    uint8_t len;
    uint64_t seq;
    uint8_t requeued;
  };
  std::deque<EvictEntry> login_fifo;
  uint64_t next_seq = 1;
  TimestampUs newest_login = 0;

  // ---- NAT timeline ----
  std::deque<Slot> slots;  // slots[i] has id base_id + i
  uint64_t base_id = 0;
  std::unordered_map<PortKey, std::vector<uint64_t>, PortKeyHash> by_outside;
  std::unordered_map<IpAddress, BlockSet, IpAddressHash> blocks_by_outside;
  std::unordered_map<PortKey, std::vector<uint64_t>, PortKeyHash> by_inside;
  std::unordered_map<IpAddress, std::vector<uint64_t>, IpAddressHash> blocks_by_inside;
  std::vector<std::string> sources;

  Timeline* TimelineFor(const IpAddress& addr, uint8_t len, bool create) {
    if (len == kExactLen) {
      if (!create) {
        auto it = exact.find(addr);
        return it == exact.end() ? nullptr : &it->second;
      }
      return &exact[addr];
    }
    if (!create) {
      auto p = prefixes.find(len);
      if (p == prefixes.end()) return nullptr;
      auto it = p->second.find(addr);
      return it == p->second.end() ? nullptr : &it->second;
    }
    return &prefixes[len][addr];
  }

  static bool SameSubscriber(const Subscriber& a, const record::LoginRecord& r) {
    if (!a.session_id.empty() && !r.session_id.empty()) return a.session_id == r.session_id;
    if (a.account.empty() && a.mac.empty()) return false;
    return a.account == r.account && a.mac == r.mac;
  }

  TimestampUs ExpiryFor(LoginEvent ev, const record::LoginRecord& r) const {
    if (ev == LoginEvent::kBind) return kForever;
    if (ev == LoginEvent::kLease && r.duration_s > 0)
      return r.ts + static_cast<TimestampUs>(r.duration_s) * kUsPerSecond;
    return r.ts + opt.open_login_ttl;
  }

  void Insert(Timeline* tl, const IpAddress& addr, uint8_t len, Interval iv) {
    iv.seq = next_seq++;
    auto pos = std::upper_bound(tl->begin(), tl->end(), iv.start,
                                [](TimestampUs s, const Interval& x) { return s < x.start; });
    tl->insert(pos, std::move(iv));
    login_fifo.push_back({addr, len, next_seq - 1, 0});
    ++stats.login_intervals;
    if (tl->size() > kMaxIntervalsPerAddress) {  // the oldest of this address goes
      tl->erase(tl->begin());
      --stats.login_intervals;
      ++stats.login_evicted;
    }
  }

  void ApplyLogin(const IpAddress& addr, uint8_t len, LoginEvent ev, const record::LoginRecord& r) {
    Timeline* tl = TimelineFor(addr, len, /*create=*/true);
    // The open interval of this subscriber, if any (the newest).
    Interval* mine = nullptr;
    for (auto it = tl->rbegin(); it != tl->rend(); ++it) {
      if (it->end == 0 && SameSubscriber(it->sub, r)) {
        mine = &*it;
        break;
      }
    }
    auto fill = [&](Subscriber* s) {
      if (s->account.empty()) s->account = r.account;
      if (s->calling_id.empty()) s->calling_id = r.calling_id;
      if (s->mac.empty()) s->mac = r.mac;
      if (s->session_id.empty()) s->session_id = r.session_id;
    };
    const TimestampUs back =
        r.ts - static_cast<TimestampUs>(r.duration_s) * kUsPerSecond;  // session start
    auto close_others = [&](TimestampUs at) {
      for (auto& iv : *tl) {
        if (iv.end != 0 || &iv == mine) continue;
        iv.end = std::max(iv.start, std::min(at, iv.expires));
      }
    };
    auto make = [&](TimestampUs start) {
      Interval iv;
      iv.start = start;
      iv.expires = ExpiryFor(ev, r);
      iv.sub.ip = len == kExactLen ? addr : IpAddress{};
      iv.sub.ipv6_prefix = len == kExactLen ? std::string() : r.ipv6_prefix;
      iv.sub.account = r.account;
      iv.sub.calling_id = r.calling_id;
      iv.sub.mac = r.mac;
      iv.sub.source = r.source;
      iv.sub.session_id = r.session_id;
      iv.sub.login_ts = start;
      return iv;
    };
    switch (ev) {
      case LoginEvent::kStart:
      case LoginEvent::kLease:
      case LoginEvent::kBind:
      case LoginEvent::kInterim:
        if (mine) {
          mine->expires = std::max(mine->expires, ExpiryFor(ev, r));
          fill(&mine->sub);
          close_others(r.ts);  // someone else's stale interval: the address moved on
          return;
        }
        {
          TimestampUs start = ev == LoginEvent::kInterim ? back : r.ts;
          close_others(start);
          Insert(tl, addr, len, make(start));
        }
        return;
      case LoginEvent::kStop:
      case LoginEvent::kRelease:
        if (mine) {
          mine->end = std::max(mine->start, r.ts);
          fill(&mine->sub);
          return;
        }
        {
          Interval iv = make(std::min(back, r.ts));
          iv.end = r.ts;
          Insert(tl, addr, len, std::move(iv));
        }
        return;
      case LoginEvent::kUnknown:
        return;
    }
  }

  void EvictLogins() {
    size_t guard = login_fifo.size();
    while (stats.login_intervals > opt.max_login_intervals && !login_fifo.empty()) {
      EvictEntry e = login_fifo.front();
      login_fifo.pop_front();
      Timeline* tl = TimelineFor(e.addr, e.len, /*create=*/false);
      if (!tl) continue;
      auto it =
          std::find_if(tl->begin(), tl->end(), [&](const Interval& iv) { return iv.seq == e.seq; });
      if (it == tl->end()) continue;  // already gone (per-address cap)
      // Keep a binding that is still live when others can go first (bounded retries).
      if (it->end == 0 && it->expires > newest_login && e.requeued < 2 && guard > 0) {
        --guard;
        ++e.requeued;
        login_fifo.push_back(e);
        continue;
      }
      tl->erase(it);
      --stats.login_intervals;
      ++stats.login_evicted;
      if (tl->empty()) {
        if (e.len == kExactLen) {
          exact.erase(e.addr);
        } else {
          prefixes[e.len].erase(e.addr);
        }
      }
    }
  }

  // Best interval of `tl` at `t`: exact containment, then the latest start.
  const Interval* Best(const Timeline& tl, TimestampUs t) const {
    const Interval* best = nullptr;
    bool best_exact = false;
    for (const auto& iv : tl) {
      if (iv.start - opt.skew_tolerance > t) break;  // sorted by start
      TimestampUs end = iv.effective_end();
      if (t > end + opt.skew_tolerance) continue;
      bool is_exact = iv.start <= t && t <= end;
      if (!best || (is_exact && !best_exact) ||
          (is_exact == best_exact && iv.start >= best->start)) {
        best = &iv;
        best_exact = is_exact;
      }
    }
    return best;
  }

  const Interval* FindInterval(const IpAddress& ip, TimestampUs t) const;
  const Slot* FindOutside(const IpAddress& outside_ip, uint16_t outside_port, TimestampUs t,
                          uint8_t proto, const IpAddress& remote_ip, uint16_t remote_port) const;
  const Slot* FindInside(const IpAddress& inside_ip, uint16_t inside_port, TimestampUs t,
                         uint8_t proto, const IpAddress& remote_ip, uint16_t remote_port) const;

  // ---- NAT ----
  uint8_t SourceIndex(const std::string& s) {
    for (size_t i = 0; i < sources.size(); ++i)
      if (sources[i] == s) return static_cast<uint8_t>(i);
    if (sources.size() >= 255) return 255;
    sources.push_back(s);
    return static_cast<uint8_t>(sources.size() - 1);
  }

  Slot& SlotOf(uint64_t id) { return slots[id - base_id]; }
  const Slot& SlotOf(uint64_t id) const { return slots[id - base_id]; }

  bool TryMerge(const std::vector<uint64_t>& ids, const Slot& s) {
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      Slot& m = SlotOf(*it);
      if (m.inside_port != s.inside_port || m.outside_port_end != s.outside_port_end ||
          m.remote_port != s.remote_port || m.proto != s.proto || !(m.inside == s.inside) ||
          !(m.remote == s.remote) || !(m.outside == s.outside))
        continue;
      bool same_start = std::abs(m.ts - s.ts) <= opt.skew_tolerance;
      bool continues = m.end == 0 && s.ts >= m.ts && (s.ts - m.ts) <= opt.open_nat_ttl;
      if (!same_start && !continues) continue;
      if (s.end != 0) m.end = std::max(m.end, s.end);
      return true;
    }
    return false;
  }

  void AddNat(const record::NatRecord& r) {
    Slot s{};
    s.ts = r.ts;
    s.end = r.end_ts;
    s.inside = r.inside_ip;
    s.outside = r.outside_ip;
    s.remote = r.remote_ip;
    s.inside_port = r.inside_port;
    s.outside_port = r.outside_port;
    s.outside_port_end = r.outside_port_end > r.outside_port ? r.outside_port_end : 0;
    s.remote_port = r.remote_port;
    s.proto = IpProtoNumber(r.proto);
    s.source = SourceIndex(r.source);
    ++stats.nats;
    const uint64_t id = base_id + slots.size();
    if (s.is_block()) {
      BlockSet& bs = blocks_by_outside[s.outside];
      auto& ids = bs.by_start[s.outside_port];
      if (TryMerge(ids, s)) {
        ++stats.nats_merged;
        return;
      }
      ids.push_back(id);
      bs.max_span = std::max<uint16_t>(bs.max_span,
                                       static_cast<uint16_t>(s.outside_port_end - s.outside_port));
      blocks_by_inside[s.inside].push_back(id);
    } else {
      auto& ids = by_outside[PortKey{s.outside, s.outside_port}];
      if (TryMerge(ids, s)) {
        ++stats.nats_merged;
        return;
      }
      ids.push_back(id);
      by_inside[PortKey{s.inside, s.inside_port}].push_back(id);
    }
    slots.push_back(s);
    ++stats.nat_mappings;
    while (stats.nat_mappings > opt.max_nat_mappings && !slots.empty()) EvictOldestNat();
  }

  void EvictOldestNat() {
    const Slot& s = slots.front();
    const uint64_t id = base_id;
    if (s.is_block()) {
      auto bit = blocks_by_outside.find(s.outside);
      if (bit != blocks_by_outside.end()) {
        auto sit = bit->second.by_start.find(s.outside_port);
        if (sit != bit->second.by_start.end()) {
          EraseId(&sit->second, id);
          if (sit->second.empty()) bit->second.by_start.erase(sit);
        }
        if (bit->second.by_start.empty()) blocks_by_outside.erase(bit);
      }
      auto iit = blocks_by_inside.find(s.inside);
      if (iit != blocks_by_inside.end()) {
        EraseId(&iit->second, id);
        if (iit->second.empty()) blocks_by_inside.erase(iit);
      }
    } else {
      for (auto* map : {&by_outside, &by_inside}) {
        PortKey k = map == &by_outside ? PortKey{s.outside, s.outside_port}
                                       : PortKey{s.inside, s.inside_port};
        auto it = map->find(k);
        if (it == map->end()) continue;
        EraseId(&it->second, id);
        if (it->second.empty()) map->erase(it);
      }
    }
    slots.pop_front();
    ++base_id;
    --stats.nat_mappings;
    ++stats.nat_evicted;
  }

  // Ranks a candidate; higher is better. -1: no match.
  int64_t Rank(const Slot& m, TimestampUs t, uint8_t proto, const IpAddress& remote_ip,
               uint16_t remote_port) const {
    if (proto && m.proto && proto != m.proto) return -1;
    TimestampUs end = m.end ? m.end : m.ts + opt.open_nat_ttl;
    if (t < m.ts - opt.skew_tolerance || t > end + opt.skew_tolerance) return -1;
    bool remote_known = !remote_ip.is_unspecified() && !m.remote.is_unspecified();
    if (remote_known && !(remote_ip == m.remote)) return -1;
    if (remote_known && remote_port && m.remote_port && remote_port != m.remote_port) return -1;
    int64_t r = 0;
    if (!m.is_block()) r |= 4;
    if (m.ts <= t && t <= end) r |= 2;
    if (remote_known) r |= 1;
    return r;
  }

  NatMapping ToMapping(const Slot& s) const {
    NatMapping m;
    m.ts = s.ts;
    m.end_ts = s.end;
    m.proto = s.proto;
    m.inside_ip = s.inside;
    m.inside_port = s.inside_port;
    m.outside_ip = s.outside;
    m.outside_port = s.outside_port;
    m.outside_port_end = s.outside_port_end;
    m.remote_ip = s.remote;
    m.remote_port = s.remote_port;
    if (s.source < sources.size()) m.source = sources[s.source];
    return m;
  }

  void Consider(uint64_t id, TimestampUs t, uint8_t proto, const IpAddress& rip, uint16_t rport,
                const Slot** best, int64_t* best_rank) const {
    const Slot& m = SlotOf(id);
    int64_t r = Rank(m, t, proto, rip, rport);
    if (r < 0) return;
    if (!*best || r > *best_rank || (r == *best_rank && m.ts >= (*best)->ts)) {
      *best = &m;
      *best_rank = r;
    }
  }
};

IdentityIndex::IdentityIndex(IndexOptions options)
    : options_(options), impl_(std::make_unique<Impl>(options_)) {}

IdentityIndex::~IdentityIndex() = default;

void IdentityIndex::AddLogin(const record::LoginRecord& login) {
  LoginEvent ev = ParseEvent(login.event);
  IpAddress prefix;
  uint8_t len = 0;
  bool has_prefix = !login.ipv6_prefix.empty() && ParsePrefix(login.ipv6_prefix, &prefix, &len);
  bool has_ip = !login.ip.is_unspecified();
  std::unique_lock<std::shared_mutex> lock(impl_->mu);
  if (ev == LoginEvent::kUnknown || (!has_ip && !has_prefix)) {
    ++impl_->stats.logins_ignored;
    return;
  }
  ++impl_->stats.logins;
  impl_->newest_login = std::max(impl_->newest_login, login.ts);
  if (has_ip) impl_->ApplyLogin(login.ip, kExactLen, ev, login);
  if (has_prefix) impl_->ApplyLogin(prefix, len, ev, login);
  impl_->EvictLogins();
  empty_.store(false, std::memory_order_relaxed);
}

void IdentityIndex::AddNat(const record::NatRecord& nat) {
  std::unique_lock<std::shared_mutex> lock(impl_->mu);
  if (nat.outside_ip.is_unspecified()) {
    ++impl_->stats.nats_ignored;
    return;
  }
  impl_->AddNat(nat);
  empty_.store(false, std::memory_order_relaxed);
}

const Interval* IdentityIndex::Impl::FindInterval(const IpAddress& ip, TimestampUs t) const {
  auto it = exact.find(ip);
  if (it != exact.end()) {
    if (const Interval* iv = Best(it->second, t)) return iv;
  }
  if (ip.is_v4()) return nullptr;
  for (const auto& [len, map] : prefixes) {  // longest prefix first
    auto pit = map.find(Mask(ip, len));
    if (pit == map.end()) continue;
    if (const Interval* iv = Best(pit->second, t)) return iv;
  }
  return nullptr;
}

const Slot* IdentityIndex::Impl::FindOutside(const IpAddress& outside_ip, uint16_t outside_port,
                                             TimestampUs t, uint8_t proto,
                                             const IpAddress& remote_ip,
                                             uint16_t remote_port) const {
  const Slot* best = nullptr;
  int64_t rank = -1;
  auto it = by_outside.find(PortKey{outside_ip, outside_port});
  if (it != by_outside.end()) {
    for (uint64_t id : it->second) Consider(id, t, proto, remote_ip, remote_port, &best, &rank);
  }
  if (best) return best;
  auto bit = blocks_by_outside.find(outside_ip);
  if (bit == blocks_by_outside.end()) return nullptr;
  const BlockSet& bs = bit->second;
  const int lowest = static_cast<int>(outside_port) - bs.max_span;
  for (auto sit = bs.by_start.upper_bound(outside_port); sit != bs.by_start.begin();) {
    --sit;
    if (static_cast<int>(sit->first) < lowest) break;
    for (uint64_t id : sit->second) {
      const Slot& m = SlotOf(id);
      if (outside_port < m.outside_port || outside_port > m.outside_port_end) continue;
      Consider(id, t, proto, remote_ip, remote_port, &best, &rank);
    }
  }
  return best;
}

const Slot* IdentityIndex::Impl::FindInside(const IpAddress& inside_ip, uint16_t inside_port,
                                            TimestampUs t, uint8_t proto,
                                            const IpAddress& remote_ip,
                                            uint16_t remote_port) const {
  const Slot* best = nullptr;
  int64_t rank = -1;
  auto it = by_inside.find(PortKey{inside_ip, inside_port});
  if (it != by_inside.end()) {
    for (uint64_t id : it->second) Consider(id, t, proto, remote_ip, remote_port, &best, &rank);
  }
  if (best) return best;
  auto bit = blocks_by_inside.find(inside_ip);
  if (bit != blocks_by_inside.end()) {
    for (uint64_t id : bit->second) Consider(id, t, proto, remote_ip, remote_port, &best, &rank);
  }
  return best;
}

std::optional<Subscriber> IdentityIndex::FindSubscriber(const IpAddress& ip, TimestampUs t) const {
  std::shared_lock<std::shared_mutex> lock(impl_->mu);
  const Interval* iv = impl_->FindInterval(ip, t);
  if (!iv) return std::nullopt;
  Subscriber s = iv->sub;
  s.end_ts = iv->end;
  return s;
}

std::optional<NatMapping> IdentityIndex::FindByOutside(const IpAddress& outside_ip,
                                                       uint16_t outside_port, TimestampUs t,
                                                       uint8_t proto, const IpAddress& remote_ip,
                                                       uint16_t remote_port) const {
  std::shared_lock<std::shared_mutex> lock(impl_->mu);
  const Slot* m = impl_->FindOutside(outside_ip, outside_port, t, proto, remote_ip, remote_port);
  if (!m) return std::nullopt;
  return impl_->ToMapping(*m);
}

std::optional<NatMapping> IdentityIndex::FindByInside(const IpAddress& inside_ip,
                                                      uint16_t inside_port, TimestampUs t,
                                                      uint8_t proto, const IpAddress& remote_ip,
                                                      uint16_t remote_port) const {
  std::shared_lock<std::shared_mutex> lock(impl_->mu);
  const Slot* m = impl_->FindInside(inside_ip, inside_port, t, proto, remote_ip, remote_port);
  if (!m) return std::nullopt;
  return impl_->ToMapping(*m);
}

bool IdentityIndex::LookupClient(TimestampUs ts, const IpAddress& src_ip, uint16_t src_port,
                                 const IpAddress& dst_ip, uint16_t dst_port,
                                 record::ClientIdentity* out) const {
  if (empty()) return false;
  std::shared_lock<std::shared_mutex> lock(impl_->mu);
  const Interval* iv = impl_->FindInterval(src_ip, ts);
  bool found = false;
  if (iv) {  // the probe sees the inside address: NAT, if any, is by inside
    if (const Slot* m = impl_->FindInside(src_ip, src_port, ts, 0, dst_ip, dst_port)) {
      out->nat_ip = m->outside;
      out->nat_port = m->is_block() ? 0 : m->outside_port;
    }
    found = true;
  } else if (const Slot* m = impl_->FindOutside(src_ip, src_port, ts, 0, dst_ip, dst_port)) {
    // The probe sees the public side: the mapping names the inside address.
    out->nat_ip = src_ip;
    out->nat_port = src_port;
    iv = impl_->FindInterval(m->inside, ts);
    found = true;
  } else if (const Slot* in = impl_->FindInside(src_ip, src_port, ts, 0, dst_ip, dst_port)) {
    out->nat_ip = in->outside;  // NAT known, subscriber not
    out->nat_port = in->is_block() ? 0 : in->outside_port;
    found = true;
  }
  if (iv) {
    out->account = iv->sub.account;
    out->calling_id = iv->sub.calling_id;
    out->mac = iv->sub.mac;
  }
  return found;
}

IndexStats IdentityIndex::stats() const {
  std::shared_lock<std::shared_mutex> lock(impl_->mu);
  return impl_->stats;
}

}  // namespace netward::identity
