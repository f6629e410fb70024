// src/capture/packet.h: a captured frame (RawPacket) and what the decoder learned from it
// (DecodedPacket). Both are views: they point into the capture buffer (or the decoder's
// reassembly buffer) and are valid only until the next packet is read or decoded.
#pragma once

#include <cstdint>

#include "common/ip_address.h"
#include "common/time.h"

namespace netward::capture {

// Link types we decode (values are libpcap's DLT_/LINKTYPE_ numbers).
enum LinkType : int {
  kLinkNull = 0,  // BSD loopback: 4-byte host-order address family
  kLinkEthernet = 1,
  kLinkPpp = 9,    // raw PPP with 2- or 4-byte header
  kLinkRaw = 101,  // raw IPv4/IPv6 (also DLT_RAW 12/14)
  kLinkLinuxSll = 113,
  kLinkLoop = 108,  // OpenBSD loopback: 4-byte network-order family
  kLinkNflog = 239,
  kLinkLinuxSll2 = 276,
};

struct RawPacket {
  TimestampUs ts = 0;
  const uint8_t* data = nullptr;
  uint32_t caplen = 0;   // bytes present at `data`
  uint32_t wirelen = 0;  // bytes the frame had on the wire
  int linktype = kLinkEthernet;
};

constexpr uint8_t kIpProtoIcmp = 1;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoIcmp6 = 58;

constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpRst = 0x04;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpAck = 0x10;

// The innermost IP packet of a frame (after VLAN/MPLS/PPPoE/GRE/IP-in-IP and reassembly).
struct DecodedPacket {
  TimestampUs ts = 0;
  IpAddress src_ip;
  IpAddress dst_ip;
  uint16_t src_port = 0;  // TCP/UDP ports; ICMP: 0
  uint16_t dst_port = 0;
  uint8_t ip_proto = 0;   // kIpProtoTcp, kIpProtoUdp, ...
  uint8_t tcp_flags = 0;  // kTcpSyn | kTcpAck ... (TCP only)
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  uint16_t vlan = 0;         // outermost 802.1Q/802.1ad VLAN id, 0 if untagged
  uint16_t inner_vlan = 0;   // second VLAN id (QinQ), 0 if none
  bool has_mac = false;      // src_mac/dst_mac are set (Ethernet frames)
  uint8_t tunnel_depth = 0;  // how many tunnels (GRE, IP-in-IP, ...) were removed
  uint8_t src_mac[6] = {};
  uint8_t dst_mac[6] = {};
  uint32_t tcp_seq = 0;
  uint32_t tcp_ack = 0;
  uint32_t ip_len = 0;  // length of the innermost IP packet per its header (after reassembly)
  // L4 payload (after the TCP/UDP/ICMP header), clipped to what was captured.
  const uint8_t* payload = nullptr;
  uint32_t payload_len = 0;
  // Payload length the IP header claims; > payload_len when the capture was truncated (snaplen).
  uint32_t payload_wire_len = 0;
  // DecodeResult::kPppoeControl only: 0x8863 or 0x8864; payload is then the PPPoE header onward.
  uint16_t pppoe_ethertype = 0;
};

}  // namespace netward::capture
