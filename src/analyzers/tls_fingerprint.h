// src/analyzers/tls_fingerprint.h: what a ClientHello says (parsed once per flow) and the JA3 /
// JA4 client fingerprints computed from it. Private to the TLS analyzer (tls.cc) and its tests.
// JA3: https://github.com/salesforce/ja3 (md5 of "ver,ciphers,exts,groups,point_formats").
// JA4: https://github.com/FoxIO-LLC/ja4 (JA4 TLS client, "t13d1516h2_8daaf6152771_e5627efa2ab1").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace netward::analyzers::tls_detail {

struct ClientHelloInfo {
  uint16_t legacy_version = 0;
  std::vector<uint16_t> ciphers;       // in wire order, GREASE included
  std::vector<uint16_t> extensions;    // in wire order, GREASE included
  std::vector<uint16_t> groups;        // supported_groups (10)
  std::vector<uint8_t> point_formats;  // ec_point_formats (11)
  std::vector<uint16_t> sig_algs;      // signature_algorithms (13)
  std::vector<uint16_t> versions;      // supported_versions (43)
  std::vector<std::string> alpn;       // application_layer_protocol_negotiation (16)
  std::string sni;                     // first host_name of server_name (0)
  bool has_sni_ext = false;
};

// Parses a ClientHello body (after the 4-byte handshake header). False if malformed; `info`
// then holds what was read before the error. Lists are capped (256 entries, names 255 bytes).
bool ParseClientHello(std::span<const uint8_t> body, ClientHelloInfo* info);

bool IsGrease(uint16_t v);
// The JA3 string (before hashing) and its md5 in lowercase hex.
std::string Ja3String(const ClientHelloInfo& ch);
std::string Ja3(const ClientHelloInfo& ch);
// JA4 for TLS over TCP ('t'); `quic` selects 'q'.
std::string Ja4(const ClientHelloInfo& ch, bool quic = false);

// A TLS version as the `tls` record (and Zeek) writes it: "SSLv3", "TLSv10" ... "TLSv13",
// "TLSv13-draftNN", or "unknown-N".
std::string TlsVersionText(uint16_t version);

}  // namespace netward::analyzers::tls_detail
