// tests/unit/capture/decoder_test.cc: one test per layer on hand-built frames, plus truncation at
// every offset.
#include "capture/decoder.h"

#include <gtest/gtest.h>

#include <string>

#include "frame_builder.h"

namespace netward::capture {
namespace {

using namespace testing;  // NOLINT

std::string Ip(const IpAddress& a) { return a.ToString(); }

Frame Ipv4Tcp(const Frame& payload = Payload(5)) {
  Frame tcp = Tcp(12345, 80, kTcpSyn | kTcpAck, payload);
  return Cat({Ipv4(kIpProtoTcp, tcp.size()), tcp});
}
Frame Ipv4Udp(uint16_t sport = 5353, uint16_t dport = 53, const Frame& payload = Payload(4)) {
  Frame udp = Udp(sport, dport, payload);
  return Cat({Ipv4(kIpProtoUdp, udp.size()), udp});
}
Frame Ipv6Udp(uint16_t sport = 5353, uint16_t dport = 53, const Frame& payload = Payload(4)) {
  Frame udp = Udp(sport, dport, payload);
  return Cat({Ipv6(kIpProtoUdp, udp.size()), udp});
}

TEST(DecoderTest, EthernetIpv4Tcp) {
  Decoder d;
  Frame f = Cat({Eth(0x0800), Ipv4Tcp(Payload(5, 'a'))});
  DecodedPacket p;
  ASSERT_EQ(d.Decode(Raw(f, kLinkEthernet, 42), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.ts, 42);
  EXPECT_EQ(Ip(p.src_ip), "10.0.0.1");
  EXPECT_EQ(Ip(p.dst_ip), "10.0.0.2");
  EXPECT_EQ(p.src_port, 12345);
  EXPECT_EQ(p.dst_port, 80);
  EXPECT_EQ(p.ip_proto, kIpProtoTcp);
  EXPECT_EQ(p.tcp_flags, kTcpSyn | kTcpAck);
  EXPECT_EQ(p.tcp_seq, 1000u);
  EXPECT_EQ(p.tcp_ack, 2000u);
  EXPECT_EQ(p.ip_len, 45u);
  EXPECT_TRUE(p.has_mac);
  EXPECT_EQ(p.dst_mac[0], 0x00);
  EXPECT_EQ(p.src_mac[0], 0x66);
  EXPECT_EQ(p.payload_len, 5u);
  EXPECT_EQ(p.payload_wire_len, 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p.payload), 5), "aaaaa");
  EXPECT_EQ(p.vlan, 0);
  EXPECT_EQ(p.tunnel_depth, 0);
  EXPECT_EQ(d.counters().total(), 0u);
}

TEST(DecoderTest, EthernetPaddingIsNotPayload) {
  Decoder d;
  Frame f = Cat({Eth(0x0800), Ipv4Tcp(Frame{}), Payload(6, 0)});  // 60-byte minimum frame
  DecodedPacket p;
  ASSERT_EQ(d.Decode(Raw(f), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.payload_len, 0u);
  EXPECT_EQ(p.payload_wire_len, 0u);
  EXPECT_EQ(p.ip_len, 40u);
}

TEST(DecoderTest, Ipv4Options) {
  Decoder d;
  Frame udp = Udp(1, 2, Payload(3));
  Frame f = Cat({Eth(0x0800), Ipv4(kIpProtoUdp, udp.size(), 0x0a000001, 0x0a000002, 1, 0, 2), udp});
  DecodedPacket p;
  ASSERT_EQ(d.Decode(Raw(f), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.src_port, 1);
  EXPECT_EQ(p.dst_port, 2);
  EXPECT_EQ(p.payload_len, 3u);
}

TEST(DecoderTest, VlanQinQAndTripleTag) {
  Decoder d;
  DecodedPacket p;
  Frame one = Cat({Eth(0x8100), Vlan(0x2000 | 100, 0x0800), Ipv4Udp()});
  ASSERT_EQ(d.Decode(Raw(one), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.vlan, 100);
  EXPECT_EQ(p.inner_vlan, 0);
  Frame qinq = Cat({Eth(0x88a8), Vlan(10, 0x8100), Vlan(20, 0x0800), Ipv4Udp()});
  ASSERT_EQ(d.Decode(Raw(qinq), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.vlan, 10);
  EXPECT_EQ(p.inner_vlan, 20);
  EXPECT_EQ(p.dst_port, 53);
  Frame triple = Cat({Eth(0x8100), Vlan(1, 0x8100), Vlan(2, 0x8100), Vlan(3, 0x86dd), Ipv6Udp()});
  ASSERT_EQ(d.Decode(Raw(triple), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.vlan, 1);
  EXPECT_EQ(p.inner_vlan, 2);
  EXPECT_EQ(Ip(p.src_ip), "2001:db8::1");
  Frame cut = Cat({Eth(0x8100), Frame{0x00, 0x64}});
  EXPECT_EQ(d.Decode(Raw(cut), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count(DecodeEvent::kVlanTruncated), 1u);
}

TEST(DecoderTest, Pppoe) {
  Decoder d;
  DecodedPacket p;
  Frame ip = Ipv4Udp();
  Frame pppoe = {0x11, 0x00, 0x12, 0x34};
  Put16(pppoe, static_cast<uint16_t>(ip.size() + 2));
  Put16(pppoe, 0x0021);
  Frame f = Cat({Eth(0x8864), pppoe, ip, Payload(8, 0)});
  ASSERT_EQ(d.Decode(Raw(f), &p), DecodeResult::kPacket);
  EXPECT_EQ(Ip(p.dst_ip), "10.0.0.2");
  EXPECT_EQ(p.dst_port, 53);
  Frame lcp = Cat({Eth(0x8864), Frame{0x11, 0x00, 0x12, 0x34, 0x00, 0x06, 0xc0, 0x21, 1, 1, 0, 4}});
  // PPP control inside PPPoE goes to the PPPoE tracker, from the PPPoE header on.
  EXPECT_EQ(d.Decode(Raw(lcp), &p), DecodeResult::kPppoeControl);
  EXPECT_EQ(p.pppoe_ethertype, 0x8864);
  ASSERT_EQ(p.payload_len, 12u);
  EXPECT_EQ(p.payload[0], 0x11);
  EXPECT_EQ(p.payload[6], 0xc0);
  EXPECT_TRUE(p.has_mac);
  Frame padt = Cat({Eth(0x8863), Frame{0x11, 0xa7, 0x12, 0x34, 0x00, 0x00}});
  EXPECT_EQ(d.Decode(Raw(padt), &p), DecodeResult::kPppoeControl);
  EXPECT_EQ(p.pppoe_ethertype, 0x8863);
  EXPECT_EQ(p.payload_len, 6u);
  // A PPP protocol that is neither IP nor control is still not IP.
  Frame other = Cat({Eth(0x8864), Frame{0x11, 0x00, 0x12, 0x34, 0x00, 0x04, 0x00, 0x3d, 1, 2}});
  EXPECT_EQ(d.Decode(Raw(other), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count(DecodeEvent::kL3NotIp), 1u);
  Frame short_discovery = Cat({Eth(0x8863), Frame{0x11, 0x09}});
  EXPECT_EQ(d.Decode(Raw(short_discovery), &p), DecodeResult::kSkipped);
  Frame cut = Cat({Eth(0x8864), Frame{0x11, 0x00, 0x12}});
  EXPECT_EQ(d.Decode(Raw(cut), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count(DecodeEvent::kPppoeTruncated), 2u);
}

TEST(DecoderTest, MplsStack) {
  Decoder d;
  DecodedPacket p;
  Frame labels = {0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40};  // label 16, label 32 (S)
  Frame f = Cat({Eth(0x8847), labels, Ipv6Udp(1000, 2000)});
  ASSERT_EQ(d.Decode(Raw(f), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.src_port, 1000);
  EXPECT_EQ(Ip(p.dst_ip), "2001:db8::2");
  Frame cut = Cat({Eth(0x8847), Frame{0x00, 0x01, 0x00, 0x40}});
  EXPECT_EQ(d.Decode(Raw(cut), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count(DecodeEvent::kMplsTruncated), 1u);
}

TEST(DecoderTest, Ipv6ExtensionHeadersAndRouting0) {
  Decoder d;
  DecodedPacket p;
  Frame udp = Udp(53, 53, Payload(3));
  Frame hbh = {43, 0, 1, 4, 0, 0, 0, 0};      // -> routing
  Frame routing = {60, 0, 0, 0, 0, 0, 0, 0};  // type 0 -> dest opts
  Frame dest = {17, 0, 1, 4, 0, 0, 0, 0};     // -> UDP
  Frame f = Cat({Eth(0x86dd), Ipv6(0, 24 + udp.size()), hbh, routing, dest, udp});
  ASSERT_EQ(d.Decode(Raw(f), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.ip_proto, kIpProtoUdp);
  EXPECT_EQ(p.src_port, 53);
  EXPECT_EQ(p.payload_len, 3u);
  EXPECT_EQ(d.counters().count(DecodeEvent::kIpv6Routing0Header), 1u);
  Frame bad = {17, 9, 0, 0, 0, 0, 0, 0};  // claims 80 bytes
  Frame g = Cat({Eth(0x86dd), Ipv6(60, 8 + udp.size()), bad, udp});
  EXPECT_EQ(d.Decode(Raw(g), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count(DecodeEvent::kIpv6BadExtensionHeader), 1u);
}

TEST(DecoderTest, Ipv6AtomicFragment) {
  Decoder d;
  DecodedPacket p;
  Frame tcp = Tcp(40000, 80, kTcpSyn);
  Frame frag = {kIpProtoTcp, 0, 0, 0, 0, 0, 0, 7};  // offset 0, M=0
  Frame f = Cat({Eth(0x86dd), Ipv6(44, 8 + tcp.size()), frag, tcp});
  ASSERT_EQ(d.Decode(Raw(f), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 80);
  EXPECT_EQ(p.ip_proto, kIpProtoTcp);
  EXPECT_EQ(d.counters().count(DecodeEvent::kIpv6AtomicFragment), 1u);
}

TEST(DecoderTest, IcmpAndIcmp6) {
  Decoder d;
  DecodedPacket p;
  Frame icmp = {8, 0, 0, 0, 0, 1, 0, 1, 'p', 'i'};
  Frame f = Cat({Eth(0x0800), Ipv4(kIpProtoIcmp, icmp.size()), icmp});
  ASSERT_EQ(d.Decode(Raw(f), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.icmp_type, 8);
  EXPECT_EQ(p.src_port, 0);
  EXPECT_EQ(p.payload_len, 2u);
  Frame icmp6 = {135, 0, 0, 0, 0, 0, 0, 0};
  Frame g = Cat({Eth(0x86dd), Ipv6(kIpProtoIcmp6, icmp6.size()), icmp6});
  ASSERT_EQ(d.Decode(Raw(g), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.ip_proto, kIpProtoIcmp6);
  EXPECT_EQ(p.icmp_type, 135);
}

TEST(DecoderTest, LinkTypes) {
  Decoder d;
  DecodedPacket p;
  Frame ip = Ipv4Udp(1, 2);
  ASSERT_EQ(d.Decode(Raw(ip, kLinkRaw), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 2);
  EXPECT_FALSE(p.has_mac);
  ASSERT_EQ(d.Decode(Raw(ip, 12), &p), DecodeResult::kPacket);
  ASSERT_EQ(d.Decode(Raw(ip, 14), &p), DecodeResult::kPacket);
  ASSERT_EQ(d.Decode(Raw(Cat({Frame{2, 0, 0, 0}, ip}), kLinkNull), &p), DecodeResult::kPacket);
  ASSERT_EQ(d.Decode(Raw(Cat({Frame{0, 0, 0, 24}, Ipv6Udp()}), kLinkLoop), &p),
            DecodeResult::kPacket);
  EXPECT_EQ(Ip(p.src_ip), "2001:db8::1");
  Frame sll = {0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
  ASSERT_EQ(d.Decode(Raw(Cat({sll, ip}), kLinkLinuxSll), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 2);
  Frame sll2 = {0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0};
  ASSERT_EQ(d.Decode(Raw(Cat({sll2, Ipv6Udp(7, 8)}), kLinkLinuxSll2), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 8);
  ASSERT_EQ(d.Decode(Raw(Cat({Frame{0xff, 0x03, 0x00, 0x21}, ip}), kLinkPpp), &p),
            DecodeResult::kPacket);
  ASSERT_EQ(d.Decode(Raw(Cat({Frame{0x00, 0x57}, Ipv6Udp()}), kLinkPpp), &p),
            DecodeResult::kPacket);
  ASSERT_EQ(d.Decode(Raw(Cat({Frame{0x21}, ip}), kLinkPpp), &p), DecodeResult::kPacket);
  EXPECT_EQ(d.counters().total(), 0u);
  EXPECT_EQ(d.Decode(Raw(ip, 147), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count("link.unsupported"), 1u);
  Frame arp = Cat({Eth(0x0806), Payload(28, 0)});
  EXPECT_EQ(d.Decode(Raw(arp), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count("l3.not_ip"), 1u);
}

TEST(DecoderTest, Nflog) {
  Decoder d;
  DecodedPacket p;
  Frame ip = Ipv4Udp(3, 4);
  Frame f = {2, 0, 0, 0};
  // NFULA_PACKET_HDR (type 1, 8 bytes), then NFULA_PAYLOAD (type 9), little-endian TLVs.
  Frame hdr = {8, 0, 1, 0, 0x08, 0x00, 1, 0};
  uint16_t len = static_cast<uint16_t>(4 + ip.size());
  Frame tlv = {static_cast<uint8_t>(len), static_cast<uint8_t>(len >> 8), 9, 0};
  Frame g = Cat({f, hdr, tlv, ip});
  ASSERT_EQ(d.Decode(Raw(g, kLinkNflog), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 4);
  EXPECT_EQ(d.Decode(Raw(Cat({f, hdr}), kLinkNflog), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count(DecodeEvent::kNflogNoPayload), 1u);
}

Frame Gre(uint16_t flags, uint16_t proto, int extra_words = 0) {
  Frame g;
  Put16(g, flags);
  Put16(g, proto);
  for (int i = 0; i < extra_words; ++i) Put32(g, 0x11223344);
  return g;
}

TEST(DecoderTest, GreVariants) {
  Decoder d;
  DecodedPacket p;
  Frame inner = Ipv4Udp(1111, 2222);
  auto outer = [](const Frame& gre_and_inner) {
    return Cat(
        {Eth(0x0800), Ipv4(47, gre_and_inner.size(), 0xc0a80001, 0xc0a80002), gre_and_inner});
  };
  ASSERT_EQ(d.Decode(Raw(outer(Cat({Gre(0, 0x0800), inner}))), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.tunnel_depth, 1);
  EXPECT_EQ(Ip(p.src_ip), "10.0.0.1");
  EXPECT_EQ(p.dst_port, 2222);
  // Key + sequence.
  ASSERT_EQ(d.Decode(Raw(outer(Cat({Gre(0x3000, 0x0800, 2), inner}))), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 2222);
  // Checksum + key.
  ASSERT_EQ(d.Decode(Raw(outer(Cat({Gre(0xa000, 0x86dd, 2), Ipv6Udp()}))), &p),
            DecodeResult::kPacket);
  EXPECT_EQ(Ip(p.src_ip), "2001:db8::1");
  // Transparent Ethernet bridging with a VLAN tag inside: the outer VLAN stays.
  ASSERT_EQ(d.Decode(Raw(outer(Cat({Gre(0, 0x6558), Eth(0x0800), inner}))), &p),
            DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 2222);
  // PPTP enhanced GRE (version 1, key, sequence) carrying PPP.
  Frame ppp = {0xff, 0x03, 0x00, 0x21};
  ASSERT_EQ(d.Decode(Raw(outer(Cat({Gre(0x3001, 0x880b, 2), ppp, inner}))), &p),
            DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 2222);
  EXPECT_EQ(p.tunnel_depth, 1);
  // PPTP acknowledgment only: the outer packet.
  ASSERT_EQ(d.Decode(Raw(outer(Gre(0x2081, 0x880b, 2))), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.ip_proto, 47);
  EXPECT_EQ(p.tunnel_depth, 0);
  EXPECT_EQ(d.counters().total(), 0u);
  EXPECT_EQ(d.Decode(Raw(outer(Cat({Gre(0, 0x1234), inner}))), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count("gre.unsupported"), 1u);
  EXPECT_EQ(d.Decode(Raw(outer(Frame{0x30, 0x00, 0x08, 0x00, 1})), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count("gre.truncated"), 1u);

  Decoder no_tunnels(DecoderOptions{.decode_tunnels = false});
  ASSERT_EQ(no_tunnels.Decode(Raw(outer(Cat({Gre(0, 0x0800), inner}))), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.ip_proto, 47);
  EXPECT_EQ(Ip(p.src_ip), "192.168.0.1");
}

TEST(DecoderTest, IpInIp) {
  Decoder d;
  DecodedPacket p;
  Frame v6 = Ipv6Udp(30000, 13000);
  Frame f = Cat({Eth(0x0800), Ipv4(41, v6.size()), v6});
  ASSERT_EQ(d.Decode(Raw(f), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.tunnel_depth, 1);
  EXPECT_EQ(p.dst_port, 13000);
  Frame v4 = Ipv4Udp(1, 2);
  Frame g = Cat({Eth(0x86dd), Ipv6(4, v4.size()), v4});
  ASSERT_EQ(d.Decode(Raw(g), &p), DecodeResult::kPacket);
  EXPECT_EQ(Ip(p.src_ip), "10.0.0.1");
  // Nested past the limit.
  Frame nested = Ipv4Udp(1, 2);
  for (int i = 0; i < Decoder::kMaxTunnelDepth + 1; ++i)
    nested = Cat({Ipv4(4, nested.size()), nested});
  EXPECT_EQ(d.Decode(Raw(nested, kLinkRaw), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count(DecodeEvent::kTunnelTooDeep), 1u);
}

TEST(DecoderTest, UdpTunnels) {
  Decoder d;
  DecodedPacket p;
  auto over_udp = [](uint16_t sport, uint16_t dport, const Frame& inner) {
    Frame udp = Udp(sport, dport, inner);
    return Cat({Eth(0x0800), Ipv4(kIpProtoUdp, udp.size(), 0xc0a80001, 0xc0a80002), udp});
  };
  Frame vxlan = {0x08, 0, 0, 0, 0, 0, 0x10, 0};
  ASSERT_EQ(d.Decode(Raw(over_udp(50000, 4789, Cat({vxlan, Eth(0x0800), Ipv4Tcp()}))), &p),
            DecodeResult::kPacket);
  EXPECT_EQ(p.tunnel_depth, 1);
  EXPECT_EQ(p.dst_port, 80);
  ASSERT_EQ(d.Decode(Raw(over_udp(3544, 40000, Ipv6Udp(1, 2))), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.tunnel_depth, 1);
  EXPECT_EQ(Ip(p.src_ip), "2001:db8::1");
  Frame origin = {0, 0, 0x12, 0x34, 1, 2, 3, 4};
  ASSERT_EQ(d.Decode(Raw(over_udp(3544, 40000, Cat({origin, Ipv6Udp(1, 2)}))), &p),
            DecodeResult::kPacket);
  EXPECT_EQ(p.tunnel_depth, 1);
  // Not Teredo after all: stays a UDP packet.
  ASSERT_EQ(d.Decode(Raw(over_udp(3544, 40000, Payload(50))), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.tunnel_depth, 0);
  EXPECT_EQ(p.dst_port, 40000);
  Frame inner = Ipv4Tcp();
  Frame gtp = {0x30, 0xff};
  Put16(gtp, static_cast<uint16_t>(inner.size()));
  Put32(gtp, 0xabcdef01);
  ASSERT_EQ(d.Decode(Raw(over_udp(2152, 2152, Cat({gtp, inner}))), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.tunnel_depth, 1);
  EXPECT_EQ(p.dst_port, 80);
  Frame gtp_ext = {0x34, 0xff, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0x85, 1, 0x10, 0, 0};
  ASSERT_EQ(d.Decode(Raw(over_udp(2152, 2152, Cat({gtp_ext, inner}))), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 80);
  ASSERT_EQ(d.Decode(Raw(over_udp(1, 4754, Cat({Gre(0, 0x0800), Ipv4Udp(7, 8)}))), &p),
            DecodeResult::kPacket);
  EXPECT_EQ(p.dst_port, 8);
  EXPECT_EQ(d.counters().total(), 0u);
}

TEST(DecoderTest, SnaplenTruncatedPayload) {
  Decoder d;
  DecodedPacket p;
  Frame f = Cat({Eth(0x0800), Ipv4Tcp(Payload(1000))});
  Frame cut(f.begin(), f.begin() + 64);
  ASSERT_EQ(d.Decode(Raw(cut, kLinkEthernet, 1, static_cast<uint32_t>(f.size())), &p),
            DecodeResult::kPacket);
  EXPECT_EQ(p.payload_len, 64u - 54u);
  EXPECT_EQ(p.payload_wire_len, 1000u);
  EXPECT_EQ(p.ip_len, 1040u);
  EXPECT_EQ(d.counters().count("ip.snaplen_truncated"), 1u);
}

TEST(DecoderTest, BadIpv4Headers) {
  Decoder d;
  DecodedPacket p;
  Frame f = Cat({Eth(0x0800), Ipv4Tcp()});
  Frame zero_len = f;
  zero_len[16] = zero_len[17] = 0;  // total length 0
  EXPECT_EQ(d.Decode(Raw(zero_len), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count("ipv4.bad_total_length"), 1u);
  Frame short_ihl = f;
  short_ihl[14] = 0x43;
  EXPECT_EQ(d.Decode(Raw(short_ihl), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count("ipv4.bad_header_length"), 1u);
  Frame long_total = f;
  long_total[16] = 0x05;  // claims 1280+ bytes, frame is complete
  EXPECT_EQ(d.Decode(Raw(long_total), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count("ipv4.truncated"), 1u);
  Frame bad_offset = f;
  bad_offset[14 + 20 + 12] = 0x30;
  EXPECT_EQ(d.Decode(Raw(bad_offset), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count("tcp.bad_data_offset"), 1u);
  Frame v5 = f;
  v5[14] = 0x55;
  EXPECT_EQ(d.Decode(Raw(v5), &p), DecodeResult::kSkipped);
  EXPECT_EQ(d.counters().count("ip.bad_version"), 1u);
}

// Every prefix of a valid frame, captured with caplen < wirelen (snaplen) or with a frame that
// is itself that short, decodes without reading past the end and counts a reason.
void TruncateAtEveryOffset(const Frame& f) {
  for (int mode = 0; mode < 2; ++mode) {
    for (size_t k = 0; k < f.size(); ++k) {
      Decoder d;
      DecodedPacket p;
      Frame cut(f.begin(), f.begin() + k);  // exact-size heap buffer
      uint32_t wire = mode == 0 ? static_cast<uint32_t>(f.size()) : static_cast<uint32_t>(k);
      DecodeResult r = d.Decode(Raw(cut, kLinkEthernet, 1, wire), &p);
      SCOPED_TRACE("mode " + std::to_string(mode) + " prefix " + std::to_string(k));
      EXPECT_GE(d.counters().total(), 1u);
      if (r == DecodeResult::kPacket) {
        EXPECT_LE(p.payload_len, p.payload_wire_len);
        if (p.payload_len) {
          EXPECT_LE(p.payload + p.payload_len, cut.data() + cut.size());
        }
      }
    }
  }
}

TEST(DecoderTest, TruncationAtEveryOffsetTcpIpv4) {
  TruncateAtEveryOffset(Cat({Eth(0x8100), Vlan(5, 0x0800), Ipv4Tcp(Payload(20))}));
}

TEST(DecoderTest, TruncationAtEveryOffsetTcpIpv6) {
  Frame tcp = Tcp(1, 2, kTcpAck, Payload(20));
  Frame hbh = {kIpProtoTcp, 0, 1, 4, 0, 0, 0, 0};
  TruncateAtEveryOffset(Cat({Eth(0x86dd), Ipv6(0, 8 + tcp.size()), hbh, tcp}));
}

TEST(DecoderTest, EventNames) {
  EXPECT_EQ(DecodeEventName(DecodeEvent::kEthernetTruncated), "ethernet.truncated");
  DecodeEvent e;
  ASSERT_TRUE(DecodeEventFromName("frag.memory_cap", &e));
  EXPECT_EQ(e, DecodeEvent::kFragMemoryCap);
  EXPECT_FALSE(DecodeEventFromName("no.such", &e));
  for (size_t i = 0; i < kNumDecodeEvents; ++i) {
    std::string_view name = DecodeEventName(static_cast<DecodeEvent>(i));
    EXPECT_NE(name.find('.'), std::string_view::npos) << name;
  }
  DecodeCounters c;
  c.Count(DecodeEvent::kL3NotIp);
  c.Count(DecodeEvent::kL3NotIp);
  int seen = 0;
  c.ForEachNonZero([&](std::string_view name, uint64_t n) {
    EXPECT_EQ(name, "l3.not_ip");
    EXPECT_EQ(n, 2u);
    ++seen;
  });
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace netward::capture
