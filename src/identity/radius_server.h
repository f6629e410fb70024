// src/identity/radius_server.h: a RADIUS accounting server (RFC 2866) that a NAS, or FreeRADIUS
// copying its accounting, sends Accounting-Requests to (docs/identity.md, "RADIUS").
// Each Start / Interim-Update / Stop becomes one `login` record handed to an IdentitySink; the
// Accounting-Response is sent only after the sink has taken the record. Accounting-On/Off are
// answered and counted, not recorded. Clients are known by source address or CIDR, each with
// its shared secret; the Request Authenticator (RFC 2866 3) and a Message-Authenticator, if
// present (RFC 3579 3.2), must verify. An unknown client, a bad authenticator or a malformed
// packet gets no answer and records nothing: it is counted, and logged once per client per
// minute. A retransmission (same client address and port, identifier and authenticator within
// retransmit_window) is answered again but recorded once.
// One thread serves every listening socket; Stop() (or the destructor) ends it within
// milliseconds. Memory is bounded: max_remembered retransmission keys, 4096 rate-limit entries.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "identity/identity_sink.h"

namespace netward::identity {

struct RadiusClientConfig {
  std::string network;  // "192.0.2.7", "10.0.0.0/8", "::1", "2001:db8::/32"
  std::string secret;   // the shared secret (non-empty)
};

struct RadiusServerConfig {
  // "ADDR:PORT" or "[V6ADDR]:PORT"; port 0 picks a free one (tests, see bound_addresses()).
  std::vector<std::string> listen = {"127.0.0.1:1813"};
  std::vector<RadiusClientConfig> clients;  // the most specific network that matches wins
  TimestampUs retransmit_window = 30 * kUsPerSecond;
  size_t max_remembered = 65536;
};

// Reads a shared secret from `path` (trailing newline stripped). InvalidArgument if the file is
// readable or writable by group or others (it must be 0600 or 0400) or empty; IOError if it
// cannot be read.
Result<std::string> ReadSecretFile(const std::string& path);

// Counters, each also counted as the event named beside it (docs/events.md).
struct RadiusServerStats {
  uint64_t recorded = 0;           // login records handed to the sink
  uint64_t answered = 0;           // Accounting-Responses sent (retransmissions included)
  uint64_t retransmissions = 0;    // radius_server.retransmission
  uint64_t unknown_client = 0;     // radius_server.unknown_client
  uint64_t bad_authenticator = 0;  // radius_server.bad_authenticator (either authenticator)
  uint64_t malformed = 0;          // radius_server.malformed
  uint64_t unsupported_code = 0;   // radius_server.unsupported_code (not an Accounting-Request)
  uint64_t other_status = 0;       // radius_server.other_status (Accounting-On/Off: answered)
};

class RadiusServer {
 public:
  // Binds every listen address and starts the serving thread. InvalidArgument for a bad address,
  // network or empty secret; IOError if a socket cannot be bound. `sink` must outlive the server.
  static Result<std::unique_ptr<RadiusServer>> Start(const RadiusServerConfig& config,
                                                     IdentitySink* sink);
  ~RadiusServer();
  RadiusServer(const RadiusServer&) = delete;
  RadiusServer& operator=(const RadiusServer&) = delete;

  // Stops the thread and closes the sockets. Idempotent; the server sends nothing after it.
  void Stop();
  // The bound addresses, "127.0.0.1:40123", in listen order (ports resolved).
  const std::vector<std::string>& bound_addresses() const;
  // A snapshot of the counters; thread-safe.
  RadiusServerStats stats() const;

  class Impl;

 private:
  explicit RadiusServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netward::identity
