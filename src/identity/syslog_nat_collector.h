// src/identity/syslog_nat_collector.h: receives router NAT logs over syslog -> `nat` records.
// Listens on UDP (one message per datagram, or several separated by LF) and TCP (RFC 6587
// octet counting or LF framing), parses the header (syslog_nat_header.h) and tries every known
// format (syslog_nat_formats.h); each mapping goes to the IdentitySink. Lines of no known format
// are counted, never fatal. One background thread serves all sockets; Stop() (or the destructor)
// joins it. Limits: a message is cut at max_line_bytes, at most max_tcp_connections at once
// (further connections are accepted and closed, counted). Clock handling: docs/identity.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/status.h"
#include "identity/identity_sink.h"
#include "identity/syslog_nat_header.h"

namespace netward::identity {

struct SyslogNatOptions {
  std::string udp_listen = "0.0.0.0:514";  // empty: no UDP listener
  std::string tcp_listen = "0.0.0.0:514";  // empty: no TCP listener
  int32_t rfc3164_utc_offset_s = 0;        // zone of RFC 3164 timestamps (they carry none)
  size_t max_line_bytes = 8192;
  size_t max_tcp_connections = 64;
};

// Counters (all monotonic), documented in docs/identity.md ("Syslog").
struct SyslogNatStats {
  uint64_t messages = 0;        // lines handled
  uint64_t mappings = 0;        // nat records delivered
  uint64_t no_mapping = 0;      // known message without a translation
  uint64_t malformed = 0;       // known message whose fields did not parse
  uint64_t unknown_format = 0;  // no parser recognised the line
  uint64_t no_timestamp = 0;    // header without a usable time: receive time used
  uint64_t truncated = 0;       // message cut at max_line_bytes
  uint64_t connections_refused = 0;
};

// Parsing and delivery without sockets: the collector's core, also used by tests and fuzzing.
// Thread-compatible (one caller at a time); the counters may be read from any thread.
class SyslogNatProcessor {
 public:
  SyslogNatProcessor(IdentitySink* sink, int32_t rfc3164_utc_offset_s)
      : sink_(sink), offset_s_(rfc3164_utc_offset_s) {}
  // Handles one syslog message received at `now` (UTC microseconds).
  void HandleLine(std::string_view line, TimestampUs now);
  // Handles one UDP datagram: one message, or several separated by LF.
  void HandleDatagram(std::string_view datagram, TimestampUs now);
  SyslogNatStats stats() const;
  void AddTruncated(uint64_t n) { truncated_ += n; }
  void AddRefused() { ++refused_; }

 private:
  IdentitySink* sink_;
  int32_t offset_s_;
  std::atomic<uint64_t> messages_{0}, mappings_{0}, no_mapping_{0}, malformed_{0}, unknown_{0},
      no_timestamp_{0}, truncated_{0}, refused_{0};
};

class SyslogNatCollector {
 public:
  // Binds the listeners and starts the thread. InvalidArgument for a bad address, IOError when
  // a socket cannot be bound. `sink` must outlive the collector.
  static Result<std::unique_ptr<SyslogNatCollector>> Start(const SyslogNatOptions& options,
                                                           IdentitySink* sink);
  ~SyslogNatCollector();
  SyslogNatCollector(const SyslogNatCollector&) = delete;
  SyslogNatCollector& operator=(const SyslogNatCollector&) = delete;

  // Stops the thread and closes every socket. Idempotent.
  void Stop();
  uint16_t udp_port() const { return udp_port_; }  // bound ports (useful with port 0)
  uint16_t tcp_port() const { return tcp_port_; }
  SyslogNatStats stats() const { return processor_.stats(); }

 private:
  SyslogNatCollector(const SyslogNatOptions& options, IdentitySink* sink);
  void Run();

  SyslogNatOptions options_;
  SyslogNatProcessor processor_;
  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t udp_port_ = 0;
  uint16_t tcp_port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace netward::identity
