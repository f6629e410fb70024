// src/capture/decoder_ip.cc: IPv4/IPv6 (extension headers, fragments), TCP/UDP/ICMP, tunnels.
#include <cstring>

#include "capture/decoder.h"

namespace netward::capture {

using decode::Load16;
using decode::Load32;

namespace {

constexpr uint8_t kIpProtoIpip = 4;
constexpr uint8_t kIpProtoIpv6 = 41;
constexpr uint8_t kIpProtoGre = 47;

constexpr uint16_t kPortVxlan = 4789;
constexpr uint16_t kPortTeredo = 3544;
constexpr uint16_t kPortGtpU = 2152;
constexpr uint16_t kPortGreInUdp = 4754;

void SetPayload(decode::Bytes b, DecodedPacket* out) {
  out->payload = b.p;
  out->payload_len = static_cast<uint32_t>(b.len);
  out->payload_wire_len = static_cast<uint32_t>(b.wire);
}

}  // namespace

bool Decoder::EnterTunnel(DecodedPacket* out) {
  if (out->tunnel_depth >= kMaxTunnelDepth) {
    counters_.Count(DecodeEvent::kTunnelTooDeep);
    return false;
  }
  ++out->tunnel_depth;
  return true;
}

DecodeResult Decoder::IpByVersion(Bytes b, DecodedPacket* out) {
  if (b.len < 1) return Skip(DecodeEvent::kIpv4TruncatedHeader);
  switch (b.p[0] >> 4) {
    case 4:
      return Ipv4(b, out);
    case 6:
      return Ipv6(b, out);
    default:
      return Skip(DecodeEvent::kIpBadVersion);
  }
}

DecodeResult Decoder::Ipv4(Bytes b, DecodedPacket* out) {
  if (b.len < 20) return Skip(DecodeEvent::kIpv4TruncatedHeader);
  if ((b.p[0] >> 4) != 4) return Skip(DecodeEvent::kIpBadVersion);
  size_t ihl = (b.p[0] & 0x0f) * 4u;
  if (ihl < 20) return Skip(DecodeEvent::kIpv4BadHeaderLength);
  if (ihl > b.len) return Skip(DecodeEvent::kIpv4TruncatedHeader);
  size_t total = Load16(b.p + 2);
  if (total < ihl) return Skip(DecodeEvent::kIpv4BadTotalLength);
  if (total > b.wire) return Skip(DecodeEvent::kIpv4Truncated);
  b = b.Clip(total);  // drops Ethernet padding
  if (b.len < b.wire && out->tunnel_depth == 0) counters_.Count(DecodeEvent::kIpSnaplenTruncated);

  out->src_ip = IpAddress::FromV4(b.p + 12);
  out->dst_ip = IpAddress::FromV4(b.p + 16);
  out->ip_len = static_cast<uint32_t>(total);
  uint8_t proto = b.p[9];
  out->ip_proto = proto;
  uint16_t frag = Load16(b.p + 6);
  bool more = frag & 0x2000;
  uint32_t offset = (frag & 0x1fffu) * 8;
  Bytes body = b.Advance(ihl);
  if (!more && offset == 0) return Transport(proto, body, out);

  if (body.len < body.wire) return Skip(DecodeEvent::kFragTruncated);
  FragmentKey key{out->src_ip, out->dst_ip, Load16(b.p + 4), proto, false};
  const uint8_t* data = nullptr;
  size_t data_len = 0;
  switch (
      reassembler_.Add(key, now_, offset, more, body.p, body.len, &counters_, &data, &data_len)) {
    case IpReassembler::Outcome::kHeld:
      return DecodeResult::kFragmentHeld;
    case IpReassembler::Outcome::kDropped:
      return DecodeResult::kSkipped;
    case IpReassembler::Outcome::kComplete:
      break;
  }
  out->ip_len = static_cast<uint32_t>(ihl + data_len);
  return Transport(proto, Bytes{data, data_len, data_len}, out);
}

DecodeResult Decoder::Ipv6(Bytes b, DecodedPacket* out) {
  if (b.len < 40) return Skip(DecodeEvent::kIpv6TruncatedHeader);
  if ((b.p[0] >> 4) != 6) return Skip(DecodeEvent::kIpBadVersion);
  size_t total = 40 + Load16(b.p + 4);
  uint8_t next = b.p[6];
  if (total == 40 && next == 0) total = b.wire;  // jumbogram: length in hop-by-hop option
  if (total > b.wire) return Skip(DecodeEvent::kIpv6Truncated);
  b = b.Clip(total);
  if (b.len < b.wire && out->tunnel_depth == 0) counters_.Count(DecodeEvent::kIpSnaplenTruncated);
  out->src_ip = IpAddress::FromV6(b.p + 8);
  out->dst_ip = IpAddress::FromV6(b.p + 24);
  out->ip_len = static_cast<uint32_t>(total);
  return Ipv6Extensions(next, b.Advance(40), 40, false, out);
}

// Walks extension headers; `consumed` is the IPv6 header plus extensions so far.
DecodeResult Decoder::Ipv6Extensions(uint8_t next, Bytes b, size_t consumed, bool reassembled,
                                     DecodedPacket* out) {
  for (;;) {
    size_t hdr_len;
    switch (next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60:   // destination options
      case 135:  // mobility
      case 139:  // HIP
      case 140:  // shim6
        if (b.len < 8) return Skip(DecodeEvent::kIpv6BadExtensionHeader);
        hdr_len = (b.p[1] + 1u) * 8;
        if (next == 43) {
          if (b.p[2] == 0) counters_.Count(DecodeEvent::kIpv6Routing0Header);
          // Type 0 (deprecated) and 2 (mobile IPv6) with segments left: the packet's final
          // destination is the last address listed, as Zeek reports it.
          if ((b.p[2] == 0 || b.p[2] == 2) && b.p[3] > 0 && hdr_len >= 24 && hdr_len <= b.len)
            out->dst_ip = IpAddress::FromV6(b.p + hdr_len - 16);
        }
        break;
      case 51:  // authentication header
        if (b.len < 8) return Skip(DecodeEvent::kIpv6BadExtensionHeader);
        hdr_len = (b.p[1] + 2u) * 4;
        break;
      case 44: {  // fragment
        if (b.len < 8) return Skip(DecodeEvent::kIpv6BadExtensionHeader);
        uint8_t inner = b.p[0];
        uint16_t off_flags = Load16(b.p + 2);
        uint32_t offset = off_flags & 0xfff8u;
        bool more = off_flags & 1;
        uint32_t id = Load32(b.p + 4);
        b = b.Advance(8);
        consumed += 8;
        if (offset == 0 && !more) {  // atomic fragment (RFC 6946): not really fragmented
          counters_.Count(DecodeEvent::kIpv6AtomicFragment);
          next = inner;
          continue;
        }
        if (reassembled) return Skip(DecodeEvent::kIpv6BadExtensionHeader);
        if (b.len < b.wire) return Skip(DecodeEvent::kFragTruncated);
        FragmentKey key{out->src_ip, out->dst_ip, id, inner, true};
        const uint8_t* data = nullptr;
        size_t data_len = 0;
        switch (
            reassembler_.Add(key, now_, offset, more, b.p, b.len, &counters_, &data, &data_len)) {
          case IpReassembler::Outcome::kHeld:
            out->ip_proto = inner;
            return DecodeResult::kFragmentHeld;
          case IpReassembler::Outcome::kDropped:
            return DecodeResult::kSkipped;
          case IpReassembler::Outcome::kComplete:
            break;
        }
        out->ip_len = static_cast<uint32_t>(consumed + data_len);
        return Ipv6Extensions(inner, Bytes{data, data_len, data_len}, consumed, true, out);
      }
      default:
        return Transport(next, b, out);
    }
    if (hdr_len > b.len) return Skip(DecodeEvent::kIpv6BadExtensionHeader);
    next = b.p[0];
    b = b.Advance(hdr_len);
    consumed += hdr_len;
  }
}

DecodeResult Decoder::Transport(uint8_t proto, Bytes b, DecodedPacket* out) {
  out->ip_proto = proto;
  out->src_port = out->dst_port = 0;
  out->tcp_flags = out->icmp_type = out->icmp_code = 0;
  out->tcp_seq = out->tcp_ack = 0;
  switch (proto) {
    case kIpProtoTcp: {
      if (b.len < 20) return Skip(DecodeEvent::kTcpTruncatedHeader);
      size_t data_offset = (b.p[12] >> 4) * 4u;
      if (data_offset < 20 || data_offset > b.wire) return Skip(DecodeEvent::kTcpBadDataOffset);
      if (data_offset > b.len) return Skip(DecodeEvent::kTcpTruncatedHeader);
      out->src_port = Load16(b.p);
      out->dst_port = Load16(b.p + 2);
      out->tcp_seq = Load32(b.p + 4);
      out->tcp_ack = Load32(b.p + 8);
      out->tcp_flags = b.p[13];
      SetPayload(b.Advance(data_offset), out);
      return DecodeResult::kPacket;
    }
    case kIpProtoUdp: {
      if (b.len < 8) return Skip(DecodeEvent::kUdpTruncatedHeader);
      out->src_port = Load16(b.p);
      out->dst_port = Load16(b.p + 2);
      size_t udp_len = Load16(b.p + 4);
      if (udp_len < 8 || udp_len > b.wire) {
        counters_.Count(DecodeEvent::kUdpBadLength);  // trust the IP length
      } else {
        b = b.Clip(udp_len);
      }
      Bytes payload = b.Advance(8);
      SetPayload(payload, out);
      DecodeResult result;
      if (options_.decode_tunnels && UdpTunnel(payload, out, &result)) return result;
      return DecodeResult::kPacket;
    }
    case kIpProtoIcmp:
    case kIpProtoIcmp6: {
      if (b.len < 4) return Skip(DecodeEvent::kIcmpTruncatedHeader);
      out->icmp_type = b.p[0];
      out->icmp_code = b.p[1];
      SetPayload(b.Advance(b.len < 8 ? b.len : 8), out);
      return DecodeResult::kPacket;
    }
    case kIpProtoGre:
      if (options_.decode_tunnels) return Gre(b, out);
      break;
    case kIpProtoIpip:
      if (options_.decode_tunnels) return EnterTunnel(out) ? Ipv4(b, out) : DecodeResult::kSkipped;
      break;
    case kIpProtoIpv6:
      if (options_.decode_tunnels) return EnterTunnel(out) ? Ipv6(b, out) : DecodeResult::kSkipped;
      break;
    default:
      break;
  }
  SetPayload(b, out);
  return DecodeResult::kPacket;
}

// GRE (RFC 2784/2890) and PPTP's enhanced GRE (RFC 2637, version 1).
DecodeResult Decoder::Gre(Bytes b, DecodedPacket* out) {
  if (b.len < 4) return Skip(DecodeEvent::kGreTruncated);
  uint16_t flags = Load16(b.p);
  uint16_t proto = Load16(b.p + 2);
  size_t hdr = 4;
  switch (flags & 0x7) {
    case 0:
      if (flags & 0x4000) return Skip(DecodeEvent::kGreUnsupported);  // source routing
      if (flags & 0x8000) hdr += 4;                                   // checksum + reserved
      if (flags & 0x2000) hdr += 4;                                   // key
      if (flags & 0x1000) hdr += 4;                                   // sequence
      break;
    case 1:
      if (proto != 0x880B || !(flags & 0x2000)) return Skip(DecodeEvent::kGreUnsupported);
      hdr = 8;                       // key: payload length + call id
      if (flags & 0x1000) hdr += 4;  // sequence
      if (flags & 0x0080) hdr += 4;  // acknowledgment
      break;
    default:
      return Skip(DecodeEvent::kGreUnsupported);
  }
  if (b.len < hdr) return Skip(DecodeEvent::kGreTruncated);
  Bytes inner = b.Advance(hdr);
  if ((flags & 0x7) == 1 && inner.wire == 0) {  // PPTP acknowledgment without payload
    SetPayload(inner, out);
    return DecodeResult::kPacket;
  }
  switch (proto) {
    case 0x0800:
      return EnterTunnel(out) ? Ipv4(inner, out) : DecodeResult::kSkipped;
    case 0x86DD:
      return EnterTunnel(out) ? Ipv6(inner, out) : DecodeResult::kSkipped;
    case 0x6558:  // transparent Ethernet bridging
      return EnterTunnel(out) ? Ethernet(inner, out) : DecodeResult::kSkipped;
    case 0x880B:  // PPP (PPTP)
      return EnterTunnel(out) ? Ppp(inner, out) : DecodeResult::kSkipped;
    case 0x8847:
    case 0x8848:
      return EnterTunnel(out) ? Mpls(inner, out) : DecodeResult::kSkipped;
    case 0x88BE:  // ERSPAN type II: 8-byte header, then Ethernet (needs the sequence bit)
      if (!(flags & 0x1000)) return Skip(DecodeEvent::kGreUnsupported);
      if (inner.len < 8) return Skip(DecodeEvent::kGreTruncated);
      return EnterTunnel(out) ? Ethernet(inner.Advance(8), out) : DecodeResult::kSkipped;
    default:
      return Skip(DecodeEvent::kGreUnsupported);
  }
}

// VXLAN (udp/4789), Teredo (udp/3544, or any port to/from 2001:0::/32), GTP-U (udp/2152),
// GRE-in-UDP (udp/4754). A payload that does not look like the tunnel is left as a plain UDP
// packet.
bool Decoder::UdpTunnel(Bytes p, DecodedPacket* out, DecodeResult* result) {
  const uint16_t sport = out->src_port, dport = out->dst_port;
  if (dport == kPortVxlan) {
    if (p.len < 8 + 14 || !(p.p[0] & 0x08)) return false;
    *result = EnterTunnel(out) ? Ethernet(p.Advance(8), out) : DecodeResult::kSkipped;
    return true;
  }
  if (dport == kPortGreInUdp) {
    if (p.len < 4 || (p.p[0] & 0x07) != 0) return false;
    *result = Gre(p, out);
    return true;
  }
  const bool teredo_port = sport == kPortTeredo || dport == kPortTeredo;
  // Teredo through a relay uses any ports: accept an exact-length IPv6 packet to or from the
  // Teredo prefix 2001:0::/32.
  if (!teredo_port && p.len >= 40 && (p.p[0] >> 4) == 6 && 40u + Load16(p.p + 4) == p.wire &&
      (Load32(p.p + 8) == 0x20010000 || Load32(p.p + 24) == 0x20010000)) {
    *result = EnterTunnel(out) ? Ipv6(p, out) : DecodeResult::kSkipped;
    return true;
  }
  if (teredo_port) {
    Bytes t = p;
    if (t.len >= 4 && t.p[0] == 0 && t.p[1] == 1) {  // authentication indicator
      size_t n = 13u + t.p[2] + t.p[3];
      if (t.len < n) return false;
      t = t.Advance(n);
    }
    if (t.len >= 8 && t.p[0] == 0 && t.p[1] == 0) t = t.Advance(8);  // origin indication
    if (t.len < 40 || (t.p[0] >> 4) != 6 || 40u + Load16(t.p + 4) != t.wire) return false;
    *result = EnterTunnel(out) ? Ipv6(t, out) : DecodeResult::kSkipped;
    return true;
  }
  if (sport == kPortGtpU || dport == kPortGtpU) {
    // GTPv1-U: flags(1) type(1) length(2) TEID(4) [seq(2) n-pdu(1) next-ext(1)] [extensions].
    if (p.len < 8 || (p.p[0] >> 5) != 1 || !(p.p[0] & 0x10) || p.p[1] != 0xff) return false;
    size_t hdr = 8;
    if (p.p[0] & 0x07) {
      if (p.len < 12) return false;
      hdr = 12;
      uint8_t ext = (p.p[0] & 0x04) ? p.p[11] : 0;
      while (ext != 0) {
        if (p.len <= hdr) return false;
        size_t ext_len = p.p[hdr] * 4u;
        if (ext_len == 0 || p.len < hdr + ext_len) return false;
        ext = p.p[hdr + ext_len - 1];
        hdr += ext_len;
      }
    }
    if (p.len <= hdr) return false;
    uint8_t version = p.p[hdr] >> 4;
    if (version != 4 && version != 6) return false;
    *result = EnterTunnel(out) ? IpByVersion(p.Advance(hdr), out) : DecodeResult::kSkipped;
    return true;
  }
  return false;
}

}  // namespace netward::capture
