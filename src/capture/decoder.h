// src/capture/decoder.h: turns a captured frame (RawPacket) into its innermost IP packet
// (DecodedPacket): link layer, VLAN tags, PPPoE, MPLS, IPv4/IPv6 with extension headers and
// fragment reassembly, tunnels (GRE, PPTP, IP-in-IP, VXLAN, Teredo, GTP-U), TCP/UDP/ICMP.
// docs/decoding.md lists the layers, the events and the memory bounds.
// Every packet it drops counts one named event in counters() (never a Status, never a log line).
// Checksums are not verified. No heap allocation per packet except fragment buffering, which is
// bounded by DecoderOptions::max_fragment_bytes. One Decoder per thread; not thread-safe.
#pragma once

#include <cstddef>

#include "capture/decode/bytes.h"
#include "capture/decode_events.h"
#include "capture/ip_reassembler.h"
#include "capture/packet.h"
#include "common/time.h"

namespace netward::capture {

// kPppoeControl: a PPPoE frame that carries no IP (discovery 0x8863, or a session frame with a
// PPP control protocol: LCP, PAP, CHAP, IPCP ...); DecodedPacket::pppoe_ethertype is set and
// payload/payload_len hold the frame from its PPPoE header on (analyzers/pppoe.h reads it).
enum class DecodeResult { kPacket, kFragmentHeld, kSkipped, kPppoeControl };

struct DecoderOptions {
  size_t max_fragment_bytes = 64 << 20;  // bytes buffered for reassembly, all datagrams together
  TimestampUs fragment_timeout = 30 * kUsPerSecond;
  bool decode_tunnels = true;  // false: GRE/IP-in-IP/UDP tunnels are reported as the outer packet
};

class Decoder {
 public:
  // Deepest tunnel nesting decoded; deeper counts "tunnel.too_deep".
  static constexpr int kMaxTunnelDepth = 8;

  explicit Decoder(DecoderOptions options = {});

  // kPacket: *out is filled; its views (payload) point into raw.data or the reassembly buffer
  // and are valid until the next Decode call. kFragmentHeld: an IP fragment was stored for
  // reassembly (*out is partly filled). kSkipped: the packet was dropped and the reason counted
  // in counters(). Never reads past raw.data + raw.caplen.
  DecodeResult Decode(const RawPacket& raw, DecodedPacket* out);

  const DecodeCounters& counters() const { return counters_; }
  const IpReassembler& reassembler() const { return reassembler_; }

 private:
  using Bytes = decode::Bytes;

  DecodeResult Skip(DecodeEvent event) {
    counters_.Count(event);
    return DecodeResult::kSkipped;
  }
  // Link and L2 (decoder.cc).
  DecodeResult Ethernet(Bytes b, DecodedPacket* out);
  DecodeResult EtherType(uint16_t type, Bytes b, DecodedPacket* out);
  // `pppoe_frame`: the enclosing PPPoE frame (from its header), for control protocols.
  DecodeResult Ppp(Bytes b, DecodedPacket* out, const Bytes* pppoe_frame = nullptr);
  DecodeResult PppoeControl(uint16_t ethertype, Bytes frame, DecodedPacket* out);
  DecodeResult Mpls(Bytes b, DecodedPacket* out);
  DecodeResult Nflog(Bytes b, DecodedPacket* out);
  DecodeResult NullLoop(Bytes b, DecodedPacket* out);
  // IP, transport and tunnels (decoder_ip.cc).
  DecodeResult IpByVersion(Bytes b, DecodedPacket* out);
  DecodeResult Ipv4(Bytes b, DecodedPacket* out);
  DecodeResult Ipv6(Bytes b, DecodedPacket* out);
  DecodeResult Ipv6Extensions(uint8_t next, Bytes b, size_t consumed, bool reassembled,
                              DecodedPacket* out);
  DecodeResult Transport(uint8_t proto, Bytes b, DecodedPacket* out);
  DecodeResult Gre(Bytes b, DecodedPacket* out);
  // Returns true and sets *result when the UDP payload was decoded as a tunnel.
  bool UdpTunnel(Bytes payload, DecodedPacket* out, DecodeResult* result);
  bool EnterTunnel(DecodedPacket* out);

  DecoderOptions options_;
  DecodeCounters counters_;
  IpReassembler reassembler_;
  TimestampUs now_ = 0;
};

}  // namespace netward::capture
