// tests/unit/flow/flow_test_util.h: packets and receivers for the flow tests.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "capture/packet.h"
#include "common/ip_address.h"
#include "flow/tcp_reassembler.h"

namespace netward::flow::testing {

inline capture::DecodedPacket Packet(const char* src, uint16_t sport, const char* dst,
                                     uint16_t dport, uint8_t proto, TimestampUs ts,
                                     uint8_t flags = 0) {
  capture::DecodedPacket p;
  p.src_ip = *IpAddress::Parse(src);
  p.dst_ip = *IpAddress::Parse(dst);
  p.src_port = sport;
  p.dst_port = dport;
  p.ip_proto = proto;
  p.ts = ts;
  p.tcp_flags = flags;
  p.ip_len = 100;
  return p;
}

inline capture::DecodedPacket Tcp(const char* src, uint16_t sport, const char* dst, uint16_t dport,
                                  TimestampUs ts, uint8_t flags) {
  return Packet(src, sport, dst, dport, capture::kIpProtoTcp, ts, flags);
}

inline capture::DecodedPacket Udp(const char* src, uint16_t sport, const char* dst, uint16_t dport,
                                  TimestampUs ts) {
  return Packet(src, sport, dst, dport, capture::kIpProtoUdp, ts);
}

// Collects the stream as text; a gap of n bytes appears as n '?' characters.
class CollectingReceiver : public StreamReceiver {
 public:
  void OnStreamData(int direction, std::span<const uint8_t> data) override {
    out[direction].append(reinterpret_cast<const char*>(data.data()), data.size());
  }
  void OnStreamGap(int direction, uint64_t length) override {
    out[direction].append(length, '?');
    ++gaps[direction];
    gap_bytes[direction] += length;
  }
  std::string out[2];
  int gaps[2] = {};
  uint64_t gap_bytes[2] = {};
};

inline std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace netward::flow::testing
