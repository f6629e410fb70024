// tests/unit/capture/frame_builder.h: builds tiny frames byte by byte for decoder tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "capture/decoder.h"
#include "capture/packet.h"

namespace netward::capture::testing {

using Frame = std::vector<uint8_t>;

inline void Put16(Frame& f, uint16_t v) {
  f.push_back(static_cast<uint8_t>(v >> 8));
  f.push_back(static_cast<uint8_t>(v));
}
inline void Put32(Frame& f, uint32_t v) {
  Put16(f, static_cast<uint16_t>(v >> 16));
  Put16(f, static_cast<uint16_t>(v));
}
inline Frame Cat(std::initializer_list<Frame> parts) {
  Frame f;
  for (const Frame& p : parts) f.insert(f.end(), p.begin(), p.end());
  return f;
}

inline Frame Eth(uint16_t type) {
  Frame f = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
  Put16(f, type);
  return f;
}
inline Frame Vlan(uint16_t id, uint16_t next_type) {
  Frame f;
  Put16(f, id);
  Put16(f, next_type);
  return f;
}
// 20-byte IPv4 header (or longer with `options_words` 4-byte option words) before `payload_len`.
inline Frame Ipv4(uint8_t proto, size_t payload_len, uint32_t src = 0x0a000001,
                  uint32_t dst = 0x0a000002, uint16_t id = 1, uint16_t frag = 0,
                  int options_words = 0) {
  Frame f;
  f.push_back(static_cast<uint8_t>(0x45 + options_words));
  f.push_back(0);
  Put16(f, static_cast<uint16_t>(20 + 4 * options_words + payload_len));
  Put16(f, id);
  Put16(f, frag);
  f.push_back(64);
  f.push_back(proto);
  Put16(f, 0);  // checksum: not verified
  Put32(f, src);
  Put32(f, dst);
  for (int i = 0; i < options_words; ++i) Put32(f, 0x01010101);  // NOPs
  return f;
}
inline Frame Ipv6(uint8_t next, size_t payload_len, uint8_t src_last = 1, uint8_t dst_last = 2) {
  Frame f = {0x60, 0, 0, 0};
  Put16(f, static_cast<uint16_t>(payload_len));
  f.push_back(next);
  f.push_back(64);
  Frame a = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, src_last};
  f.insert(f.end(), a.begin(), a.end());
  a[15] = dst_last;
  f.insert(f.end(), a.begin(), a.end());
  return f;
}
inline Frame Tcp(uint16_t sport, uint16_t dport, uint8_t flags, const Frame& payload = {},
                 uint32_t seq = 1000, uint32_t ack = 2000) {
  Frame f;
  Put16(f, sport);
  Put16(f, dport);
  Put32(f, seq);
  Put32(f, ack);
  f.push_back(0x50);
  f.push_back(flags);
  Put16(f, 65535);
  Put32(f, 0);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}
inline Frame Udp(uint16_t sport, uint16_t dport, const Frame& payload = {}) {
  Frame f;
  Put16(f, sport);
  Put16(f, dport);
  Put16(f, static_cast<uint16_t>(8 + payload.size()));
  Put16(f, 0);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}
inline Frame Payload(size_t n, uint8_t fill = 'x') { return Frame(n, fill); }

inline RawPacket Raw(const Frame& f, int linktype = kLinkEthernet, TimestampUs ts = 1000000,
                     uint32_t wirelen = 0) {
  RawPacket r;
  r.ts = ts;
  r.data = f.data();
  r.caplen = static_cast<uint32_t>(f.size());
  r.wirelen = wirelen ? wirelen : r.caplen;
  r.linktype = linktype;
  return r;
}

}  // namespace netward::capture::testing
