// src/analyzers/analyzer.h: the interface every application-layer analyzer implements.
// An analyzer sees one flow's payload, in order, and appends records to the context's batch.
// It is created per flow by the registry (registry.h) once the protocol is detected, lives as
// long as the flow, and is used by one thread. Limits: every buffer an analyzer keeps is capped;
// over a cap it truncates, counts an event (docs/events.md) and carries on, never aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/ip_address.h"
#include "common/time.h"
#include "record/record_batch.h"

namespace netward::analyzers {

enum class Direction : uint8_t { kToServer = 0, kToClient = 1 };

// The flow an analyzer works on; "client" is the side that opened it (sent the SYN or the first
// datagram).
struct FlowEndpoints {
  IpAddress client_ip;
  IpAddress server_ip;
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  uint8_t ip_proto = 0;  // 6 TCP, 17 UDP
};

// What analyzers learn about the flow, for its `session` record. Owned by the flow.
struct SessionHints {
  std::string app;   // "http", "tls", "dns", "smtp", "ftp", "pop3", "imap"
  std::string host;  // HTTP Host or TLS SNI (first one seen)
  std::string url;   // first HTTP request: "http://host/uri"
};

// Receives DNS answers so sessions can be named by what the client resolved (dns analyzer calls
// it; the probe implements it). Must be thread-safe: workers share one observer.
class DnsObserver {
 public:
  virtual ~DnsObserver() = default;
  // `client` asked for `name` and was told `address` (A/AAAA answer), valid for `ttl` seconds.
  virtual void OnDnsAnswer(const IpAddress& client, std::string_view name, const IpAddress& address,
                           uint32_t ttl, TimestampUs ts) = 0;
};

// Named anomaly counters, one per analyzer event ("http.line_too_long"), see docs/events.md.
class EventCounter {
 public:
  virtual ~EventCounter() = default;
  virtual void Count(std::string_view event_name) = 0;
};

struct AnalyzerContext {
  const FlowEndpoints* flow = nullptr;
  TimestampUs now = 0;                  // timestamp of the packet being delivered
  record::RecordBatch* out = nullptr;   // append records here
  SessionHints* hints = nullptr;        // fill app/host/url
  DnsObserver* dns_observer = nullptr;  // may be null
  EventCounter* events = nullptr;       // may be null
  // Optional, for the content filter (filter/flow_filter.h). May be null. Called with (what,
  // bytes), bytes valid during the call only:
  //   "http.url" (http://host/uri), "http.host", "http.header" (one "Name: value" line, both
  //   directions, Host excluded), "http.req_content_type" / "http.resp_content_type" (the
  //   Content-Type before each body, may be empty), "http.req_body" / "http.resp_body" (decoded
  //   body bytes as they come), "dns.query", "tls.sni", "mail.subject" (encoded-words decoded),
  //   "smtp.header" (each line of a message's header block, folded lines on their own),
  //   "smtp.body" (each message body line, then "\r\n" on its own), "ftp.file".
  void (*content_hook)(void* user, std::string_view what, std::string_view bytes) = nullptr;
  void* content_hook_user = nullptr;

  void Event(std::string_view name) const {
    if (events) events->Count(name);
  }
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // TCP: the next in-order bytes of one direction. UDP: one whole datagram's payload.
  // `data` is valid only during the call.
  virtual void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) = 0;
  // TCP only: `length` bytes are missing in `dir` (never captured). The analyzer resynchronises
  // if it can (e.g. skips into a body) or stops parsing that direction.
  virtual void Gap(AnalyzerContext& ctx, Direction dir, uint64_t length) {
    (void)ctx, (void)dir, (void)length;
  }
  // The flow ended (FIN/RST/timeout/end of capture): emit any pending transaction.
  virtual void Finish(AnalyzerContext& ctx) { (void)ctx; }
};

}  // namespace netward::analyzers
