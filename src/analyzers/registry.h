// src/analyzers/registry.h: which analyzer handles a flow, and creating it.
// Detection combines the server's well-known port with a look at the first payload bytes, so
// HTTP on port 8081 or SMTP on 2525 is still recognised, and TLS on port 80 is not parsed as HTTP.
// The port/protocol table is kPortTable in registry.cc: the one place that maps ports to analyzers.
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

enum class AppProtocol : uint8_t {
  kNone,
  kDns,
  kHttp,
  kTls,
  kSmtp,
  kPop3,
  kImap,
  kFtp,
  kQuic,
  kRadius,
  kDhcp,
  kDhcpv6,
};

// "dns", "http", ...; "" for kNone.
std::string_view AppProtocolName(AppProtocol proto);

// The protocol registered for `server_port` (ip_proto 6 or 17), or kNone.
AppProtocol DetectByPort(uint8_t ip_proto, uint16_t server_port);

// Decides from the flow's first payload (`dir` is who sent it) and the server port. Returns
// kNone when the flow should not be analysed (unknown protocol: only the session is recorded).
AppProtocol Detect(uint8_t ip_proto, uint16_t server_port, Direction dir,
                   std::span<const uint8_t> first_payload);

// A fresh analyzer for `proto` (null for kNone). One per flow.
std::unique_ptr<Analyzer> CreateAnalyzer(AppProtocol proto);

}  // namespace netward::analyzers
