// src/analyzers/tls.h: TLS (SSLv3 .. TLS 1.3) handshakes -> one `tls` record per flow
// (docs/analyzers/tls.md). Reassembles records across segments and handshake messages across
// records, in both directions; reads the ClientHello (SNI, ALPN, JA3, JA4), the ServerHello
// (selected version) and, for TLS <= 1.2, the server's first certificate (OpenSSL).
// After the handshake, records are skipped by length: application data is never buffered.
// Also used by the SMTP (STARTTLS) and FTP (AUTH TLS) analyzers for the upgraded part of a flow.
// Events: tls.bad_record, tls.bad_handshake, tls.record_too_long, tls.bad_certificate, tls.sslv2.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A new analyzer for one TLS flow (or the TLS part of one). Never null. One thread per object.
std::unique_ptr<Analyzer> NewTlsAnalyzer();

// True if `first_bytes` (the first payload sent in `dir`) starts like a TLS ClientHello
// (kToServer) or ServerHello (kToClient) record, or an SSLv2 ClientHello. Conservative.
bool LooksLikeTls(Direction dir, std::span<const uint8_t> first_bytes);

inline constexpr std::array<std::string_view, 5> kTlsEventNames = {
    "tls.bad_record", "tls.bad_handshake", "tls.record_too_long", "tls.bad_certificate",
    "tls.sslv2"};

}  // namespace netward::analyzers
