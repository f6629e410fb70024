// src/capture/decoder.cc: link types and the L2 chain (Ethernet, VLAN, PPPoE, PPP, MPLS).
// IP, transport and tunnels are in decoder_ip.cc.
#include "capture/decoder.h"

#include <cstring>

namespace netward::capture {

using decode::Load16;
using decode::Load16Le;
using decode::Load32;
using decode::Load32Le;

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88A8;
constexpr uint16_t kEtherQinQOld1 = 0x9100;
constexpr uint16_t kEtherQinQOld2 = 0x9200;
constexpr uint16_t kEtherPppoeDiscovery = 0x8863;
constexpr uint16_t kEtherPppoeSession = 0x8864;
constexpr uint16_t kEtherMplsUnicast = 0x8847;
constexpr uint16_t kEtherMplsMulticast = 0x8848;

constexpr int kLinkRaw12 = 12;
constexpr int kLinkRaw14 = 14;
constexpr int kLinkPppSerial = 50;
constexpr int kLinkCiscoHdlc = 104;
constexpr int kLinkIpv4 = 228;
constexpr int kLinkIpv6 = 229;

constexpr uint16_t kNflogPayload = 9;

}  // namespace

Decoder::Decoder(DecoderOptions options)
    : options_(options), reassembler_(options.max_fragment_bytes, options.fragment_timeout) {}

DecodeResult Decoder::Decode(const RawPacket& raw, DecodedPacket* out) {
  *out = DecodedPacket{};
  out->ts = raw.ts;
  now_ = raw.ts;
  Bytes b{raw.data, raw.caplen, raw.wirelen > raw.caplen ? raw.wirelen : raw.caplen};
  if (b.p == nullptr) b.len = b.wire = 0;
  switch (raw.linktype) {
    case kLinkEthernet:
      return Ethernet(b, out);
    case kLinkRaw:
    case kLinkRaw12:
    case kLinkRaw14:
    case kLinkIpv4:
    case kLinkIpv6:
      return IpByVersion(b, out);
    case kLinkNull:
    case kLinkLoop:
      return NullLoop(b, out);
    case kLinkPpp:
    case kLinkPppSerial:
      return Ppp(b, out);
    case kLinkCiscoHdlc:
      if (b.len < 4) return Skip(DecodeEvent::kPppTruncated);
      return EtherType(Load16(b.p + 2), b.Advance(4), out);
    case kLinkLinuxSll:
      if (b.len < 16) return Skip(DecodeEvent::kSllTruncated);
      return EtherType(Load16(b.p + 14), b.Advance(16), out);
    case kLinkLinuxSll2:
      if (b.len < 20) return Skip(DecodeEvent::kSllTruncated);
      return EtherType(Load16(b.p), b.Advance(20), out);
    case kLinkNflog:
      return Nflog(b, out);
    default:
      return Skip(DecodeEvent::kLinkUnsupported);
  }
}

DecodeResult Decoder::Ethernet(Bytes b, DecodedPacket* out) {
  if (b.len < 14) return Skip(DecodeEvent::kEthernetTruncated);
  if (out->tunnel_depth == 0) {
    std::memcpy(out->dst_mac, b.p, 6);
    std::memcpy(out->src_mac, b.p + 6, 6);
    out->has_mac = true;
  }
  return EtherType(Load16(b.p + 12), b.Advance(14), out);
}

// Follows VLAN tags (any depth), then dispatches on the ethertype.
DecodeResult Decoder::EtherType(uint16_t type, Bytes b, DecodedPacket* out) {
  int tags = 0;
  for (;;) {
    switch (type) {
      case kEtherVlan:
      case kEtherQinQ:
      case kEtherQinQOld1:
      case kEtherQinQOld2: {
        if (b.len < 4) return Skip(DecodeEvent::kVlanTruncated);
        uint16_t id = Load16(b.p) & 0x0fff;
        if (out->tunnel_depth == 0) {
          if (tags == 0)
            out->vlan = id;
          else if (tags == 1)
            out->inner_vlan = id;
        }
        ++tags;
        type = Load16(b.p + 2);
        b = b.Advance(4);
        continue;
      }
      case kEtherIpv4:
        return Ipv4(b, out);
      case kEtherIpv6:
        return Ipv6(b, out);
      case kEtherPppoeDiscovery:
        // PADI/PADO/PADR/PADS/PADT: no IP, handed whole to the PPPoE tracker.
        if (out->tunnel_depth > 0) return Skip(DecodeEvent::kL3NotIp);
        if (b.len < 6) return Skip(DecodeEvent::kPppoeTruncated);
        return PppoeControl(type, b, out);
      case kEtherPppoeSession: {
        // ver/type(1) code(1) session(2) length(2), then the PPP protocol field.
        if (b.len < 8) return Skip(DecodeEvent::kPppoeTruncated);
        size_t length = Load16(b.p + 4);
        Bytes body = b.Advance(6);
        if (length >= 2 && length <= body.wire) body = body.Clip(length);
        return Ppp(body, out, /*pppoe_frame=*/out->tunnel_depth == 0 ? &b : nullptr);
      }
      case kEtherMplsUnicast:
      case kEtherMplsMulticast:
        return Mpls(b, out);
      default:
        return Skip(DecodeEvent::kL3NotIp);
    }
  }
}

// PPP: optional address/control (FF 03), a 1- or 2-byte protocol (RFC 1661 field compression).
DecodeResult Decoder::PppoeControl(uint16_t ethertype, Bytes frame, DecodedPacket* out) {
  out->pppoe_ethertype = ethertype;
  out->payload = frame.p;
  out->payload_len = static_cast<uint32_t>(frame.len);
  out->payload_wire_len = static_cast<uint32_t>(frame.wire);
  return DecodeResult::kPppoeControl;
}

DecodeResult Decoder::Ppp(Bytes b, DecodedPacket* out, const Bytes* pppoe_frame) {
  if (b.len >= 2 && b.p[0] == 0xff && b.p[1] == 0x03) b = b.Advance(2);
  if (b.len < 1) return Skip(DecodeEvent::kPppTruncated);
  uint16_t proto;
  if (b.p[0] & 1) {
    proto = b.p[0];
    b = b.Advance(1);
  } else {
    if (b.len < 2) return Skip(DecodeEvent::kPppTruncated);
    proto = Load16(b.p);
    b = b.Advance(2);
  }
  switch (proto) {
    case 0x0021:
      return Ipv4(b, out);
    case 0x0057:
      return Ipv6(b, out);
    case 0x0281:
    case 0x0283:
      return Mpls(b, out);
    default:
      // PPP control (LCP 0xc021, PAP 0xc023, CHAP 0xc223, IPCP 0x8021 ...) inside PPPoE.
      if (pppoe_frame && (proto & 0x8000)) {
        return PppoeControl(kEtherPppoeSession, *pppoe_frame, out);
      }
      return Skip(DecodeEvent::kL3NotIp);
  }
}

// MPLS: labels until bottom of stack, then IPv4/IPv6 guessed by the first nibble.
DecodeResult Decoder::Mpls(Bytes b, DecodedPacket* out) {
  for (;;) {
    if (b.len < 4) return Skip(DecodeEvent::kMplsTruncated);
    bool bottom = b.p[2] & 0x01;
    b = b.Advance(4);
    if (bottom) break;
  }
  if (b.len < 1) return Skip(DecodeEvent::kMplsTruncated);
  switch (b.p[0] >> 4) {
    case 4:
      return Ipv4(b, out);
    case 6:
      return Ipv6(b, out);
    default:
      return Skip(DecodeEvent::kMplsUnsupportedPayload);
  }
}

// NFLOG: family(1) version(1) resource id(2), then TLVs with host-order (little-endian here)
// length and type, each padded to 4 bytes; NFULA_PAYLOAD holds the IP packet.
DecodeResult Decoder::Nflog(Bytes b, DecodedPacket* out) {
  if (b.len < 4) return Skip(DecodeEvent::kNflogTruncated);
  size_t off = 4;
  while (off + 4 <= b.len) {
    size_t tlv_len = Load16Le(b.p + off);
    uint16_t type = Load16Le(b.p + off + 2) & 0x7fff;
    if (tlv_len < 4 || tlv_len > b.len - off) return Skip(DecodeEvent::kNflogTruncated);
    if (type == kNflogPayload) {
      Bytes payload{b.p + off + 4, tlv_len - 4, tlv_len - 4};
      return IpByVersion(payload, out);
    }
    off += (tlv_len + 3) & ~size_t{3};
  }
  return Skip(off < b.len ? DecodeEvent::kNflogTruncated : DecodeEvent::kNflogNoPayload);
}

// NULL (host-order family) and LOOP (network-order family): accept either byte order.
DecodeResult Decoder::NullLoop(Bytes b, DecodedPacket* out) {
  if (b.len < 4) return Skip(DecodeEvent::kNullTruncated);
  uint32_t le = Load32Le(b.p), be = Load32(b.p);
  auto is = [&](uint32_t v) { return le == v || be == v; };
  b = b.Advance(4);
  if (is(2)) return Ipv4(b, out);
  if (is(10) || is(24) || is(28) || is(30)) return Ipv6(b, out);
  return Skip(DecodeEvent::kL3NotIp);
}

}  // namespace netward::capture
