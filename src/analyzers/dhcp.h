// src/analyzers/dhcp.h: DHCPv4 (RFC 2131/2132, UDP 67/68) -> `login` records, source "dhcp"
// (docs/identity.md). Registered on udp/67 and udp/68: a server's broadcast reply opens its own
// flow whose "server" port is 68. Every datagram is one message, parsed on its own; what the
// client said (host name, relay-agent line id) is joined to the server's answer by transaction
// id and client MAC through detail::DhcpTransactions, so the join works across flows.
//   ACK with yiaddr set -> event lease: ip = yiaddr, mac = chaddr, duration_s = lease time
//     (option 51), session_id = xid (8 hex digits), hostname = option 12 (else the name in option
//     81) from the ACK or the client's messages, calling_id from option 82, nas_ip = giaddr (the
//     relay) or else the server identifier (option 54) or else the sender's address.
//   RELEASE -> event release, ip = ciaddr. DECLINE -> event release of the requested address
//     (option 50) with terminate_cause "decline". NAK, OFFER, INFORM and its ACK (yiaddr 0):
//     no record (they assign nothing).
// calling_id: option 82 circuit-id (sub-option 1), else remote-id (2), else subscriber-id (6);
//   the circuit-id names the access line (DSLAM/switch port), which is what a calling number
//   identifies on a fixed line; text if printable, else "0x" + hex.
// Events (docs/events.md): dhcp.truncated_message, dhcp.bad_magic_cookie, dhcp.bad_option,
// dhcp.no_message_type, dhcp.transaction_table_full. No limit is needed per message: every
// option is at most 255 bytes and parsing is one pass over the datagram.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A fresh DHCPv4 analyzer for one flow.
std::unique_ptr<Analyzer> NewDhcpAnalyzer();

// True if `datagram` carries a BOOTP header with the DHCP magic cookie. Allocates nothing.
bool LooksLikeDhcp(Direction dir, std::span<const uint8_t> datagram);

inline constexpr std::array<std::string_view, 5> kDhcpEvents = {
    "dhcp.truncated_message", "dhcp.bad_magic_cookie",       "dhcp.bad_option",
    "dhcp.no_message_type",   "dhcp.transaction_table_full",
};

}  // namespace netward::analyzers
