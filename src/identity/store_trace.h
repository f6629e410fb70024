// src/identity/store_trace.h: the first two links of "who was it", answered from a store's
// history (docs/identity.md, "netward trace"): the NAT mapping that held public address A (and
// port P) at time T, then the subscriber who held the inside address. The records each link
// needs are read from the store into an IdentityIndex of their own, so the index's rules
// (port blocks, overlapping leases, address reuse, clock skew) decide. `netward trace` and
// bench/identity_bench.cc both answer through it.
#pragma once

#include <cstdint>
#include <optional>

#include "common/ip_address.h"
#include "common/status.h"
#include "common/time.h"
#include "identity/identity_index.h"
#include "store/store.h"

namespace netward::identity {

struct StoreTraceQuestion {
  IpAddress address;  // A: the public address (or, with port < 0, the inside address itself)
  int port = -1;      // P; < 0: no NAT step
  TimestampUs at = 0;
  uint8_t proto = 0;  // IP protocol of the mapping; 0: either
  IpAddress remote;   // the remote side's own address and port, when known (unset / 0: any)
  uint16_t remote_port = 0;
  TimestampUs skew = 2 * kUsPerSecond;                  // widens every interval on both sides
  TimestampUs nat_lookback = 24 * 3600 * kUsPerSecond;  // how long before T a mapping may start
  TimestampUs login_lookback = 7 * 86400 * kUsPerSecond;
};

struct StoreTraceAnswer {
  std::optional<NatMapping> nat;  // the mapping that matched, if port >= 0 and one did
  IpAddress inside;               // the mapping's inside address, else `address`
  std::optional<Subscriber> subscriber;
};

// NAT: the single mappings of A:P and the port blocks of A (inside_port 0) from nat_lookback
// before T to an hour after it. Subscriber: logins of the inside address from T - 1 h, then
// T - 1 d, then the whole login_lookback (each to a day after T), until a read names the holder:
// with RADIUS interims every few minutes the first read suffices, and a shorter read gives the
// answer the longer one would, since every later event is in it too. Errors: the first failed
// store query's; *out then holds what was found before it.
Status TraceInStore(store::StoreReader* reader, const StoreTraceQuestion& q, StoreTraceAnswer* out);

}  // namespace netward::identity
