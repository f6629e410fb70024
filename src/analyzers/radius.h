// src/analyzers/radius.h: sniffed RADIUS (udp/1812, 1813, 1645, 1646) -> `login` records
// (docs/identity.md, "RADIUS").
// - Accounting-Request: one record, event start | stop | interim (Acct-Status-Type), source
//   radius. A retransmission (same id and authenticator as one of the flow's last 8 requests) is
//   not recorded again. Accounting-On/Off and other status types are counted, not recorded.
// - Access-Accept / Access-Reject: one record, event accept | reject, matched to its Access-Request
//   by identifier within the flow (the flow already pairs the ports). User-Name, Calling-Station-Id
//   and NAS come from the request; Framed-IP-Address from the answer or, as Zeek does, from an
//   earlier Access-Challenge of the same flow. Requests left unanswered are only counted.
// Limits: 16 pending Access-Requests per flow (oldest dropped, counted); packet limits in
// radius_wire.h. Events (docs/events.md): kRadiusEvents.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A fresh RADIUS analyzer for one UDP flow.
std::unique_ptr<Analyzer> NewRadiusAnalyzer();

// True if `first_datagram` is a well-framed RADIUS packet whose code fits its direction (a request
// toward the server, an answer toward the client). Allocates nothing.
bool LooksLikeRadius(Direction dir, std::span<const uint8_t> first_datagram);

// Event names counted by the RADIUS analyzer (docs/events.md).
inline constexpr std::array<std::string_view, 10> kRadiusEvents = {
    "radius.truncated_packet",        "radius.bad_length",          "radius.bad_attribute",
    "radius.too_many_attributes",     "radius.bad_attribute_value", "radius.unmatched_response",
    "radius.unanswered_request",      "radius.too_many_pending",    "radius.retransmission",
    "radius.accounting_other_status",
};

}  // namespace netward::analyzers
