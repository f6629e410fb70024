// src/analyzers/quic.h: QUIC (v1 RFC 9000, v2 RFC 9369) client Initial packets -> one `tls`
// record per connection with transport "quic" (docs/analyzers/quic.md). Decrypts the client's
// Initial packets with keys derived from its first Destination Connection ID, reassembles their
// CRYPTO frames into the TLS ClientHello and reads it with the TLS fingerprint code (SNI, ALPN,
// JA3, JA4 with 'q'). Registered on udp/443 and by LooksLikeQuic elsewhere.
// Server packets and everything after the ClientHello cost one branch per datagram.
// Limits: 64 KiB of CRYPTO data, 4 key derivations per flow.
// Events: quic.bad_initial, quic.decrypt_failed, quic.crypto_too_long.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A new analyzer for one QUIC flow (UDP: each Deliver is one datagram). Never null. One thread
// per object.
std::unique_ptr<Analyzer> NewQuicAnalyzer();

// True if `first_bytes` (a client's first datagram, dir kToServer) starts with a long-header
// Initial packet of QUIC v1 or v2 with a Destination Connection ID of 8..20 bytes, in a datagram
// padded to at least 1200 bytes as RFC 9000 14.1 requires of clients. Conservative; allocates
// nothing.
bool LooksLikeQuic(Direction dir, std::span<const uint8_t> first_bytes);

inline constexpr std::array<std::string_view, 3> kQuicEventNames = {
    "quic.bad_initial", "quic.decrypt_failed", "quic.crypto_too_long"};

}  // namespace netward::analyzers
