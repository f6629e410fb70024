// src/flow/flow_key.h: the canonical identity of a flow, the same for both directions.
// Used by FlowTable (lookup) and by the probe (SymmetricFlowHash shards packets over workers).
// A key orders its two (ip, port) endpoints, lower first, so A->B and B->A give equal keys; the
// outer VLAN id is part of the key only when asked (FlowTableOptions::vlan_in_key): by default,
// as in Zeek, it is not, because mirror ports often tag the two directions of one connection
// with different VLANs. ICMP carries ports 0, so all ICMP between two hosts is one flow.
// Trivially copyable, no padding (compared with memcmp), no allocation. docs/flows.md.
#pragma once

#include <cstdint>
#include <cstring>

#include "capture/packet.h"
#include "common/ip_address.h"

namespace netward::flow {

struct FlowKey {
  IpAddress lower_ip;  // endpoint with the smaller (ip, port), compared ip bytes first
  IpAddress upper_ip;
  uint16_t lower_port = 0;
  uint16_t upper_port = 0;
  uint16_t vlan = 0;  // outer VLAN id, 0 if untagged
  uint8_t ip_proto = 0;
  uint8_t reserved = 0;  // always 0 (keeps memcmp equality exact)

  // The key of `p`'s flow. If `packet_is_from_lower_endpoint` is not null it is set to whether
  // p's source is lower_ip/lower_port (true also when both endpoints are equal). `with_vlan`:
  // whether p.vlan is part of the key (else key.vlan is 0).
  static FlowKey FromPacket(const capture::DecodedPacket& p, bool* packet_is_from_lower_endpoint,
                            bool with_vlan = false);

  // Well-mixed 64-bit hash of all fields; equal keys hash equal.
  uint64_t Hash() const;

  friend bool operator==(const FlowKey& a, const FlowKey& b) {
    return std::memcmp(&a, &b, sizeof(FlowKey)) == 0;
  }
};
static_assert(sizeof(FlowKey) == 40, "FlowKey must have no padding");

// FlowKey::FromPacket(p, nullptr, with_vlan).Hash(): the same for both directions of a flow. The
// probe uses it to pick a worker (e.g. hash % workers); FlowTable re-mixes it, so sharding by its
// low bits does not cluster a worker's table.
uint64_t SymmetricFlowHash(const capture::DecodedPacket& p, bool with_vlan = false);

}  // namespace netward::flow
