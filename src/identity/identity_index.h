// src/identity/identity_index.h: the bounded in-memory identity index behind trace and enrichment.
// Two timelines, fed with `login` and `nat` records (identity_sink.h) and asked "who was it":
//
// Subscriber timeline: address (IPv4, IPv6 or delegated IPv6 prefix) -> intervals, each with
//   account, calling_id, mac, source, session_id and login time.
//   - start / lease / bind open an interval at ts (a lease with duration_s > 0 expires at
//     ts + duration_s unless renewed; a bind never expires; a start expires `open_login_ttl`
//     after the last start/interim seen for it).
//   - interim / renewal (same session_id, or same account and mac) extend the open interval; an
//     interim or stop for an interval never seen opens one at ts - duration_s (the probe came up
//     mid-session).
//   - stop / release close it at ts.
//   - Address reuse: a start / lease / bind for a different subscriber closes the open interval
//     of the previous one at the new ts (one address, one subscriber at a time). Overlapping
//     leases left by a missed release end there; earlier history stays answerable.
// NAT timeline: (outside ip, outside port) -> mappings with inside ip/port, remote ip/port,
//   proto, ts and end_ts; port-block allocations (inside_port 0, outside_port..outside_port_end)
//   are kept as ranges. A record that repeats a known mapping (same inside, outside and remote,
//   ts within the skew) updates its end instead of adding another. An open mapping (no end_ts)
//   is valid `open_nat_ttl` after its start.
//
// Clock skew: sources and probe disagree on time (NAS, router, DHCP server and probe clocks), so
// every interval is widened by `skew_tolerance` on both sides when matching. When several
// candidates match, the one whose exact interval holds the time wins, then one whose remote peer
// equals the one asked for, then the latest start. So a lease handed over at 10:00:00 to a new
// subscriber answers 10:00:01 with the new one and 09:59:59 with the old one.
//
// Bounds: at most `max_login_intervals` intervals and `max_nat_mappings` mappings; beyond that
// the oldest are evicted and counted in IndexStats. Subscriber intervals: closed or expired ones
// first. NAT mappings: strictly the oldest arrival, whatever its state, so an index that is full
// answers for the newest `max_nat_mappings` (nat_map.h: an 88-byte slot in a ring plus two 24-byte
// key-table entries per mapping, 150..220 bytes per mapping held, ~720 MiB at the default 4 M;
// nothing allocated per record once the tables have grown). History older than the caps lives in
// the store (`netward trace` reads it there).
//
// Thread-safe: many readers (workers enriching records, trace) and writers (sources) at once; a
// reader-writer lock guards everything. `empty()` is one atomic load, for the no-identity case.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/ip_address.h"
#include "common/time.h"
#include "record/record_batch.h"
#include "record/schema.h"

namespace netward::identity {

struct IndexOptions {
  TimestampUs skew_tolerance = 2 * kUsPerSecond;
  size_t max_login_intervals = size_t{1} << 20;
  size_t max_nat_mappings = size_t{1} << 22;
  TimestampUs open_login_ttl = 24 * 3600 * kUsPerSecond;
  TimestampUs open_nat_ttl = 24 * 3600 * kUsPerSecond;
};

// One subscriber interval: who held an address from login_ts to end_ts (0: still open).
struct Subscriber {
  IpAddress ip;             // the address asked about's binding (unset for a prefix binding)
  std::string ipv6_prefix;  // "2001:db8:1::/56" when the binding was a prefix
  std::string account;
  std::string calling_id;
  std::string mac;
  std::string source;  // radius, dhcp, pppoe, static ...
  std::string session_id;
  TimestampUs login_ts = 0;
  TimestampUs end_ts = 0;  // 0: open
};

// One NAT mapping (or port block) as stored.
struct NatMapping {
  TimestampUs ts = 0;
  TimestampUs end_ts = 0;  // 0: open
  uint8_t proto = 0;       // IP protocol number; 0 unknown
  IpAddress inside_ip;
  uint16_t inside_port = 0;
  IpAddress outside_ip;
  uint16_t outside_port = 0;
  uint16_t outside_port_end = 0;  // > outside_port for a port block
  IpAddress remote_ip;
  uint16_t remote_port = 0;
  std::string source;
  bool is_block() const { return outside_port_end > outside_port; }
};

struct IndexStats {
  uint64_t logins = 0;            // login records taken
  uint64_t logins_ignored = 0;    // no address, unknown event
  uint64_t nats = 0;              // nat records taken
  uint64_t nats_merged = 0;       // repeated a known mapping (end updated)
  uint64_t nats_ignored = 0;      // no outside address
  uint64_t login_evicted = 0;     // intervals dropped over max_login_intervals
  uint64_t nat_evicted = 0;       // mappings dropped over max_nat_mappings
  uint64_t login_intervals = 0;   // held now
  uint64_t nat_mappings = 0;      // held now
  uint64_t nat_memory_bytes = 0;  // allocated for the NAT timeline (slots and key tables)
};

class IdentityIndex : public record::RecordEnricher {
 public:
  explicit IdentityIndex(IndexOptions options = {});
  ~IdentityIndex() override;
  IdentityIndex(const IdentityIndex&) = delete;
  IdentityIndex& operator=(const IdentityIndex&) = delete;

  void AddLogin(const record::LoginRecord& login);
  void AddNat(const record::NatRecord& nat);

  // Who held `ip` at `t` (an exact address binding first, else the longest delegated prefix).
  std::optional<Subscriber> FindSubscriber(const IpAddress& ip, TimestampUs t) const;

  // The mapping that put traffic on `outside_ip`:`outside_port` at `t` (B's view). `proto` 0
  // matches any; `remote_ip` unset / `remote_port` 0 mean not known. A single-port mapping wins
  // over a port block when both match.
  std::optional<NatMapping> FindByOutside(const IpAddress& outside_ip, uint16_t outside_port,
                                          TimestampUs t, uint8_t proto = 0,
                                          const IpAddress& remote_ip = {},
                                          uint16_t remote_port = 0) const;

  // The mapping of an inside flow (the probe's view on the subscriber side): inside ip/port
  // towards remote ip/port at `t`. For a port block (no per-flow mapping) returns the block with
  // outside_port set to the block's first port.
  std::optional<NatMapping> FindByInside(const IpAddress& inside_ip, uint16_t inside_port,
                                         TimestampUs t, uint8_t proto = 0,
                                         const IpAddress& remote_ip = {},
                                         uint16_t remote_port = 0) const;

  // record::RecordEnricher, for the probe's records. When `src_ip` has a subscriber, the probe
  // sits on the inside: account, calling_id and mac are the subscriber's, nat_ip/nat_port those
  // of its mapping towards dst (nat_port 0 for a port block). Otherwise, when `src_ip`:`src_port`
  // is the outside of a mapping, the probe sits outside: nat_ip/nat_port are src_ip/src_port and
  // the subscriber is the mapping's inside address's. One shared lock; false at once if empty().
  bool LookupClient(TimestampUs ts, const IpAddress& src_ip, uint16_t src_port,
                    const IpAddress& dst_ip, uint16_t dst_port,
                    record::ClientIdentity* out) const override;

  // True until the first login or nat record arrives.
  bool empty() const { return empty_.load(std::memory_order_relaxed); }
  IndexStats stats() const;
  const IndexOptions& options() const { return options_; }

 private:
  struct Impl;
  IndexOptions options_;
  std::atomic<bool> empty_{true};
  std::unique_ptr<Impl> impl_;
};

}  // namespace netward::identity
