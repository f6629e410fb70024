// src/identity/ipfix_collector.h: the IPFIX / NetFlow v9 NAT event collector -> `nat` records.
// Listens on UDP (defaults 4739 for IPFIX and 2055 for NetFlow v9; either version is accepted
// on any socket, the header says which), decodes each datagram with an IpfixDecoder (templates
// keyed by the exporter's address as seen by recvfrom) and hands each record to the
// IdentitySink. One background thread; Stop() (or the destructor) joins it. SCTP and TCP
// transports (RFC 7011 section 10) are not supported.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "identity/identity_sink.h"
#include "identity/ipfix_decoder.h"

namespace netward::identity {

struct IpfixCollectorOptions {
  std::vector<std::string> listen = {"0.0.0.0:4739", "0.0.0.0:2055"};
  IpfixLimits limits;
  int receive_buffer_bytes = 8 << 20;
};

class IpfixCollector {
 public:
  // Binds every listen address and starts the thread. InvalidArgument for a bad or empty
  // address list, IOError when a socket cannot be bound. `sink` must outlive the collector.
  static Result<std::unique_ptr<IpfixCollector>> Start(const IpfixCollectorOptions& options,
                                                       IdentitySink* sink);
  ~IpfixCollector();
  IpfixCollector(const IpfixCollector&) = delete;
  IpfixCollector& operator=(const IpfixCollector&) = delete;

  void Stop();  // idempotent
  // Bound port of listen address `i` (useful with port 0).
  uint16_t port(size_t i) const { return i < ports_.size() ? ports_[i] : 0; }
  // A snapshot of the decoder's counters, refreshed after every datagram. Thread-safe.
  IpfixStats stats() const;

 private:
  explicit IpfixCollector(IdentitySink* sink, IpfixLimits limits) : sink_(sink), decoder_(limits) {}
  void Run();

  IdentitySink* sink_;
  IpfixDecoder decoder_;  // used by the thread only
  std::vector<int> fds_;
  std::vector<uint16_t> ports_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  mutable std::mutex stats_mu_;
  IpfixStats stats_;
  std::thread thread_;
};

}  // namespace netward::identity
