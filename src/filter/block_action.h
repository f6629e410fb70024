// src/filter/block_action.h: how the probe stops a transmission the rules say to block
// (docs/rules.md, "Blocking"). The probe's worker fills a BlockRequest from the packet that
// completed a match and the flow's TCP state, and hands it to a Blocker; the Blocker does what
// the configured mode allows and says what it did (the alert record's `taken`).
//
// Modes:
//   passive (mirror port): forged packets are sent through a configured interface (AF_PACKET):
//     TCP resets to both ends, optionally an HTTP block page to the client first; for DNS a
//     forged NXDOMAIN (or sinkhole address) answer to the client.
//   inline (NFQUEUE): the flow is marked; its packets get an NF_DROP verdict from then on
//     (resets are sent as well, so both ends stop waiting).
// A Blocker is called from worker threads: implementations are thread-safe. Sending never
// blocks for long (a full socket buffer drops the forged packet and counts it).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/ip_address.h"
#include "common/status.h"

namespace netward::filter {

struct BlockRequest {
  enum class Kind : uint8_t { kTcp, kDns };
  Kind kind = Kind::kTcp;
  bool http_block_page = false;  // kTcp: send the block page to the client before the reset

  IpAddress client_ip, server_ip;
  uint16_t client_port = 0, server_port = 0;
  // Link layer of the packet that completed the match (zero if not Ethernet): the forged
  // packets reuse them (client_mac is the client's side, server_mac the server's side).
  std::array<uint8_t, 6> client_mac{}, server_mac{};
  uint16_t vlan = 0;

  // kTcp: the next sequence number each side will send (i.e. what the other side expects next),
  // from the flow's reassembly state; valid only if tcp_state_known.
  bool tcp_state_known = false;
  uint32_t client_next_seq = 0;
  uint32_t server_next_seq = 0;
  uint16_t client_window = 0, server_window = 0;

  // kDns: the client's query message (DNS header onward) as captured, to answer it.
  std::string_view dns_query;
};

class Blocker {
 public:
  virtual ~Blocker() = default;
  // Tries to stop the transmission; returns what was done ("tcp_reset", "block_page+tcp_reset",
  // "dns_nxdomain", "dns_sinkhole", "nfqueue_drop", ...) or a Status saying why nothing could be
  // done (no interface configured, send failed).
  virtual Result<std::string> Block(const BlockRequest& request) = 0;
};

}  // namespace netward::filter
