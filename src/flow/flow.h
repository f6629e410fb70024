// src/flow/flow.h: the state kept for one flow (a connection or a UDP/ICMP conversation).
// Flows live in, and are owned by, a FlowTable; the probe and analyzers read and update them
// between FlowTable::Track and the flow's close. Direction convention everywhere: 0 = client to
// server, 1 = server to client. Kept compact for 1 M concurrent flows (docs/flows.md has the
// measured bytes per flow): an idle flow is this struct plus 16 bytes of hash slots.
//
// Client detection (fixed when the flow is created, from its first packet):
//   TCP SYN without ACK: its sender is the client. SYN+ACK: its sender is the server.
//   Otherwise (TCP picked up midstream, UDP, ICMP, other): the first packet's sender, unless its
//   source port is < 1024 and its destination port >= 1024 (a reply from a well-known service),
//   or its source port is one only servers use (53, 67, 123, ...: flow_table.cc) and its
//   destination port is not, in which case the receiver is the client.
#pragma once

#include <cstdint>
#include <memory>

#include "common/ip_address.h"
#include "common/time.h"
#include "flow/flow_key.h"
#include "flow/tcp_reassembler.h"

namespace netward::flow {

// The app layer's per-flow state (analyzers, session hints), owned by the flow and destroyed
// when the flow is freed (after FlowObserver::OnFlowClose). The probe derives from it.
struct FlowExtension {
  virtual ~FlowExtension() = default;
};

// Bits of Flow::tcp_state[dir]: what that direction has sent.
enum FlowTcpState : uint8_t {
  kFlowSyn = 0x01,     // SYN without ACK
  kFlowSynAck = 0x02,  // SYN with ACK
  kFlowFin = 0x04,
  kFlowRst = 0x08,
};

// FlowTable's bookkeeping; nobody else touches it.
struct FlowTableLinks {
  static constexpr uint32_t kNil = 0xffffffffu;
  uint32_t index = kNil;                            // position in the table's pool
  uint32_t lru_prev = kNil, lru_next = kNil;        // idle list of `list` (by last_ts)
  uint32_t active_prev = kNil, active_next = kNil;  // active-timeout list (by interval_start_ts)
  uint8_t list = 0;
};

struct Flow {
  FlowKey key;
  TimestampUs first_ts = 0;           // first packet of the flow
  TimestampUs last_ts = 0;            // latest packet time seen (never goes back)
  TimestampUs interval_start_ts = 0;  // counters below count from here (first_ts, or the last
                                      // active-timeout snapshot)
  uint64_t bytes[2] = {};             // IP bytes (DecodedPacket::ip_len) per direction
  uint64_t packets[2] = {};
  std::unique_ptr<FlowExtension> ext;  // app-layer slot, set by the probe
  TcpReassembler streams[2];           // TCP only; indexed by direction
  uint8_t client_mac[6] = {};          // source MAC of the client's first Ethernet frame
  bool has_client_mac = false;
  bool client_is_lower = true;  // client is key.lower_ip/lower_port
  uint16_t vlan = 0;            // outer VLAN id of the flow's first packet
  uint8_t tcp_state[2] = {};    // FlowTcpState bits per direction
  FlowTableLinks table_links;

  TcpReassembler& stream(int direction) { return streams[direction]; }
  IpAddress client_ip() const { return client_is_lower ? key.lower_ip : key.upper_ip; }
  IpAddress server_ip() const { return client_is_lower ? key.upper_ip : key.lower_ip; }
  uint16_t client_port() const { return client_is_lower ? key.lower_port : key.upper_port; }
  uint16_t server_port() const { return client_is_lower ? key.upper_port : key.lower_port; }
  bool is_tcp() const { return key.ip_proto == 6; }
  bool tcp_reset() const { return (tcp_state[0] | tcp_state[1]) & kFlowRst; }
  // RST seen, or FIN seen from both sides: the connection is over. The probe may then close it
  // (kRst if tcp_reset(), else kFin) once it has delivered the packet's data; otherwise the
  // table closes it after FlowTableOptions::tcp_closed_timeout without packets.
  bool tcp_finished() const {
    return tcp_reset() || ((tcp_state[0] & kFlowFin) && (tcp_state[1] & kFlowFin));
  }
};

}  // namespace netward::flow
