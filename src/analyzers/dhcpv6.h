// src/analyzers/dhcpv6.h: DHCPv6 (RFC 8415, UDP 546/547) -> `login` records, source "dhcpv6"
// (docs/identity.md). Registered on udp/546 and udp/547; each datagram is one message, relayed
// messages (RELAY-FORW/RELAY-REPL) are unwrapped up to 8 relays deep.
//   REPLY: each IA_NA address (IAADDR) -> event lease with ip, each IA_PD prefix (IAPREFIX) ->
//     event lease with ipv6_prefix ("2001:db8:1::/56"); duration_s = valid lifetime. A binding
//     with valid lifetime 0 -> event release. ADVERTISE assigns nothing: no record.
//   RELEASE / DECLINE from the client -> event release per address or prefix (DECLINE with
//     terminate_cause "decline").
// mac: the client DUID (option 1) in hex, or the MAC inside a DUID-LLT/DUID-LL of hardware type
// Ethernet (aa:bb:cc:dd:ee:ff). session_id: the transaction id (6 hex digits). hostname: the
// Client FQDN option (39), from the reply or the client's messages (joined by transaction id
// and DUID through detail::DhcpTransactions). calling_id: the innermost relay's Interface-ID
// (option 18), else its Remote-ID (37, without the enterprise number); text if printable, else
// "0x" + hex. nas_ip: the innermost relay's link-address, else the sender's address.
// Events (docs/events.md): dhcpv6.truncated_message, dhcpv6.bad_option, dhcpv6.relay_too_deep,
// dhcpv6.too_many_bindings (over 16 IAADDR/IAPREFIX in one message),
// dhcpv6.transaction_table_full. No allocation per message beyond the records.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A fresh DHCPv6 analyzer for one flow.
std::unique_ptr<Analyzer> NewDhcpv6Analyzer();

// True if `datagram` starts with a known DHCPv6 message type (1-13) and is long enough for its
// header. Allocates nothing.
bool LooksLikeDhcpv6(Direction dir, std::span<const uint8_t> datagram);

inline constexpr std::array<std::string_view, 5> kDhcpv6Events = {
    "dhcpv6.truncated_message",      "dhcpv6.bad_option",
    "dhcpv6.relay_too_deep",         "dhcpv6.too_many_bindings",
    "dhcpv6.transaction_table_full",
};

}  // namespace netward::analyzers
