// src/analyzers/dns.h: DNS over UDP (one message per datagram) and TCP (2-byte length prefix)
// -> `dns` records, one per transaction (docs/analyzers/dns.md). Also used for mDNS (5353).
// Queries and responses pair by transaction id and question; a response completes the record;
// unanswered queries are emitted at Finish(); responses with no seen query are recorded alone.
// A/AAAA answers go to ctx.dns_observer. Limits: 64 pending queries per flow, 64 answers per
// record, name 255 bytes, pointer chain 16; over a limit the analyzer counts an event and goes on.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A fresh DNS analyzer for one flow. The flow's ip_proto (ctx.flow) picks UDP or TCP framing.
std::unique_ptr<Analyzer> NewDnsAnalyzer();

// True if `first_bytes` (a UDP datagram, or the start of a TCP stream with its length prefix)
// parses as a plausible DNS message: a query (QR=0) toward the server or a response toward the
// client, with 1..4 questions that parse fully. Conservative; allocates nothing.
bool LooksLikeDns(Direction dir, std::span<const uint8_t> first_bytes);

// Event names counted by the DNS analyzer (docs/events.md).
inline constexpr std::array<std::string_view, 6> kDnsEvents = {
    "dns.truncated_message", "dns.bad_label",          "dns.compression_loop",
    "dns.name_too_long",     "dns.unmatched_response", "dns.too_many_pending",
};

}  // namespace netward::analyzers
