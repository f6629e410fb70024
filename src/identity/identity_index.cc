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
#include "identity/nat_map.h"

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

}  // namespace

struct IdentityIndex::Impl {
  explicit Impl(const IndexOptions& o)
      : opt(o), nat(o.max_nat_mappings, o.skew_tolerance, o.open_nat_ttl) {}
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
  NatMap nat;
  std::vector<std::string> sources;
  std::string last_source;  // sources[last_source_index], the usual case of one NAT source
  uint8_t last_source_index = 0;

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

  // ---- NAT ----
  uint8_t SourceIndex(const std::string& s) {
    if (!sources.empty() && s == last_source) return last_source_index;
    size_t i = 0;
    while (i < sources.size() && sources[i] != s) ++i;
    if (i == sources.size()) {
      if (sources.size() >= 255) return 255;
      sources.push_back(s);
    }
    last_source = s;
    last_source_index = static_cast<uint8_t>(i);
    return last_source_index;
  }

  void AddNat(const record::NatRecord& r) {
    NatSlot s;
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
    if (nat.Add(s, &stats.nat_evicted)) {
      ++stats.nats_merged;
      return;
    }
    stats.nat_mappings = nat.size();
  }

  NatMapping ToMapping(const NatSlot& s) const {
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
  const NatSlot* m =
      impl_->nat.FindOutside(outside_ip, outside_port, t, proto, remote_ip, remote_port);
  if (!m) return std::nullopt;
  return impl_->ToMapping(*m);
}

std::optional<NatMapping> IdentityIndex::FindByInside(const IpAddress& inside_ip,
                                                      uint16_t inside_port, TimestampUs t,
                                                      uint8_t proto, const IpAddress& remote_ip,
                                                      uint16_t remote_port) const {
  std::shared_lock<std::shared_mutex> lock(impl_->mu);
  const NatSlot* m =
      impl_->nat.FindInside(inside_ip, inside_port, t, proto, remote_ip, remote_port);
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
    if (const NatSlot* m = impl_->nat.FindInside(src_ip, src_port, ts, 0, dst_ip, dst_port)) {
      out->nat_ip = m->outside;
      out->nat_port = m->is_block() ? 0 : m->outside_port;
    }
    found = true;
  } else if (const NatSlot* m = impl_->nat.FindOutside(src_ip, src_port, ts, 0, dst_ip, dst_port)) {
    // The probe sees the public side: the mapping names the inside address.
    out->nat_ip = src_ip;
    out->nat_port = src_port;
    iv = impl_->FindInterval(m->inside, ts);
    found = true;
  } else if (const NatSlot* in = impl_->nat.FindInside(src_ip, src_port, ts, 0, dst_ip, dst_port)) {
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
  IndexStats s = impl_->stats;
  s.nat_memory_bytes = impl_->nat.memory_bytes();
  return s;
}

}  // namespace netward::identity
