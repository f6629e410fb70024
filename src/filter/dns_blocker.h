// src/filter/dns_blocker.h: answers a blocked DNS query before the real server can
// (docs/blocking.md, "DNS"). ForgeDnsAnswer() turns the client's query into a response with the
// same id and question, QR and RA set, RD copied: NXDOMAIN, or with a sinkhole configured an
// A/AAAA record pointing there (other query types get an empty NOERROR answer). It reads only
// inside the query (fuzzed: tests/fuzz/fuzz_dns_block_answer.cc) and is pure and thread-safe.
// DnsBlocker sends that answer to the client through a PacketInjector as a UDP datagram from
// the server's address and port.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "common/status.h"
#include "filter/block_action.h"
#include "filter/packet_injector.h"

namespace netward::filter {

struct DnsAnswerOptions {
  // Set: answer A (sinkhole_v4) / AAAA (sinkhole_v6) queries with this address instead of
  // NXDOMAIN. A family left unset answers its queries with NXDOMAIN.
  std::optional<IpAddress> sinkhole_v4, sinkhole_v6;
  uint32_t ttl = 60;  // TTL of the sinkhole record and of nothing else
};

enum class DnsForged : uint8_t { kNxdomain, kSinkhole };

// Writes the forged response for `query` (DNS header onward) into *out (replaced) and returns
// what it is. Errors: InvalidArgument("dns query", why) when `query` is not a standard query
// with one whole question (too short, QR set, opcode not QUERY, qdcount 0, a bad or compressed
// name, question cut short). The question is copied byte for byte (case kept, as resolvers
// check it); any records after the question (EDNS) are not echoed.
Result<DnsForged> ForgeDnsAnswer(std::span<const uint8_t> query, const DnsAnswerOptions& options,
                                 std::vector<uint8_t>* out);

// "dns_nxdomain" or "dns_sinkhole".
const char* DnsForgedName(DnsForged forged);

class DnsBlocker {
 public:
  // `injector` is not owned and must outlive the blocker.
  DnsBlocker(PacketInjector* injector, DnsAnswerOptions options)
      : injector_(injector), options_(std::move(options)) {}

  // request.kind must be kDns. Sends the answer from server_ip:server_port (MAC server_mac) to
  // client_ip:client_port (client_mac), VLAN kept. Returns "dns_nxdomain"/"dns_sinkhole", or
  // the forge error, or the injector's IOError. Thread-safe.
  Result<std::string> Block(const BlockRequest& request);

 private:
  PacketInjector* injector_;
  DnsAnswerOptions options_;
};

}  // namespace netward::filter
