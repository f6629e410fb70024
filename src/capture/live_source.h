// src/capture/live_source.h: packets from a live interface through libpcap (pcap_create,
// immediate mode, a kernel buffer of buffer_mb, an optional BPF filter). Next() waits at most
// ~50 ms so the caller can poll its stop flag. Needs CAP_NET_RAW (root) on Linux.
// One thread per LiveSource; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "capture/packet.h"
#include "common/status.h"

struct pcap;

namespace netward::capture {

struct LiveOptions {
  std::string interface;   // "eth0", "lo", "any"
  std::string bpf_filter;  // tcpdump syntax; empty: everything
  int buffer_mb = 64;
  int snaplen = 65535;
  bool promiscuous = true;
};

class LiveSource {
 public:
  struct Stats {
    uint64_t received = 0;    // pcap_stats ps_recv
    uint64_t dropped = 0;     // ps_drop: dropped by the kernel (buffer full)
    uint64_t if_dropped = 0;  // ps_ifdrop: dropped by the interface/driver
  };

  // Opens and activates the interface. Errors: NotFound("<if>", ...) when it does not exist,
  // InvalidArgument("<if>", "permission denied ...") without capture privileges,
  // InvalidArgument("<filter>", "bad BPF filter: ...") for a filter that does not compile,
  // IOError for other libpcap failures.
  static Result<std::unique_ptr<LiveSource>> Open(const LiveOptions& options);
  ~LiveSource();
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;

  // true: *out holds a packet (data valid until the next call). false: no packet arrived within
  // ~50 ms. IOError when the interface went away or reading failed.
  Result<bool> Next(RawPacket* out);
  Stats stats();
  int linktype() const { return linktype_; }

 private:
  LiveSource() = default;

  std::string interface_;
  pcap* handle_ = nullptr;
  int linktype_ = 0;
};

}  // namespace netward::capture
