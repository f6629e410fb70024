// src/identity/conntrack_source.h: Linux conntrack events (ctnetlink, libnetfilter-conntrack)
// -> `nat` records, for a probe running on the NAT gateway itself.
// Subscribes to NEW and DESTROY events of the network namespace the calling thread is in when
// Start() runs (so a test or operator can setns() first). Only source-NAT entries (SNAT and
// masquerade: the reply tuple's destination differs from the original source) become records:
//   inside = original source address/port, outside = reply destination address/port,
//   remote = original destination address/port (ICMP: the echo id as port).
// NEW -> ts = now (or the kernel start time with net.netfilter.nf_conntrack_timestamp=1);
// DESTROY -> end_ts = now (or kernel stop time), ts = the start remembered from NEW (bounded
// table keyed by conntrack id), else the kernel start time, else end_ts.
// Needs CAP_NET_ADMIN. When the kernel drops events (socket buffer full, ENOBUFS) they are
// counted as `overruns`; records for those connections are lost.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/status.h"
#include "identity/identity_sink.h"

struct nfct_handle;
struct nf_conntrack;

namespace netward::identity {

struct ConntrackOptions {
  size_t max_open = 1 << 20;  // NEW start times remembered for pairing with DESTROY
  int receive_buffer_bytes = 8 << 20;
};

// Counters, documented in docs/identity.md ("Linux conntrack").
struct ConntrackStats {
  uint64_t events = 0;       // NEW and DESTROY events read
  uint64_t nat_new = 0;      // records from NEW
  uint64_t nat_destroy = 0;  // records from DESTROY
  uint64_t not_nat = 0;      // connections without source NAT (ignored)
  uint64_t unpaired = 0;     // DESTROY with no remembered NEW and no kernel start time
  uint64_t table_full = 0;   // NEW not remembered: max_open reached
  uint64_t overruns = 0;     // ENOBUFS: the kernel dropped events
};

class ConntrackSource {
 public:
  // Opens the ctnetlink subscription and starts the reader thread. IOError (with errno text)
  // when the socket cannot be opened (no CAP_NET_ADMIN, no nf_conntrack in the kernel).
  // `sink` must outlive the source.
  static Result<std::unique_ptr<ConntrackSource>> Start(const ConntrackOptions& options,
                                                        IdentitySink* sink);
  ~ConntrackSource();
  ConntrackSource(const ConntrackSource&) = delete;
  ConntrackSource& operator=(const ConntrackSource&) = delete;

  void Stop();  // idempotent
  ConntrackStats stats() const;

  // Internal: called on the reader thread for each event (`type` is NFCT_T_NEW/DESTROY).
  void Handle(int type, const nf_conntrack* ct);

 private:
  ConntrackSource(const ConntrackOptions& options, IdentitySink* sink)
      : options_(options), sink_(sink) {}
  void Run();

  ConntrackOptions options_;
  IdentitySink* sink_;
  nfct_handle* handle_ = nullptr;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::unordered_map<uint32_t, int64_t> open_;  // conntrack id -> start (reader thread only)
  mutable std::mutex stats_mu_;
  ConntrackStats stats_;
  std::thread thread_;
};

}  // namespace netward::identity
