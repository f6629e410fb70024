// tests/unit/capture/ip_reassembler_test.cc: fragments in order, out of order, overlapping,
// timed out, over the memory cap and over the size limit, for IPv4 and IPv6.
#include "capture/ip_reassembler.h"

#include <gtest/gtest.h>

#include <string>

#include "capture/decoder.h"
#include "frame_builder.h"

namespace netward::capture {
namespace {

using namespace testing;  // NOLINT

// A UDP datagram (8-byte header + `n` payload bytes "0123456789...") split into IPv4 fragments of
// `piece` bytes (multiple of 8).
struct Datagram {
  Frame udp;
  std::vector<Frame> fragments;
};

Datagram MakeV4(size_t n, size_t piece, uint16_t id = 7) {
  Frame payload;
  for (size_t i = 0; i < n; ++i) payload.push_back(static_cast<uint8_t>('0' + i % 10));
  Datagram d;
  d.udp = Udp(1000, 53, payload);
  for (size_t off = 0; off < d.udp.size(); off += piece) {
    size_t len = std::min(piece, d.udp.size() - off);
    bool more = off + len < d.udp.size();
    uint16_t frag = static_cast<uint16_t>((more ? 0x2000 : 0) | (off / 8));
    Frame body(d.udp.begin() + off, d.udp.begin() + off + len);
    d.fragments.push_back(
        Cat({Eth(0x0800), Ipv4(kIpProtoUdp, len, 0x0a000001, 0x0a000002, id, frag), body}));
  }
  return d;
}

Datagram MakeV6(size_t n, size_t piece, uint32_t id = 99) {
  Frame payload(n, 'z');
  Datagram d;
  d.udp = Udp(2000, 53, payload);
  for (size_t off = 0; off < d.udp.size(); off += piece) {
    size_t len = std::min(piece, d.udp.size() - off);
    bool more = off + len < d.udp.size();
    Frame fh = {kIpProtoUdp, 0};
    Put16(fh, static_cast<uint16_t>(off | (more ? 1 : 0)));
    Put32(fh, id);
    Frame body(d.udp.begin() + off, d.udp.begin() + off + len);
    d.fragments.push_back(Cat({Eth(0x86dd), Ipv6(44, 8 + len), fh, body}));
  }
  return d;
}

void ExpectWhole(const DecodedPacket& p, const Datagram& d) {
  EXPECT_EQ(p.src_port, 1000);
  EXPECT_EQ(p.dst_port, 53);
  ASSERT_EQ(p.payload_len, d.udp.size() - 8);
  EXPECT_EQ(0, std::memcmp(p.payload, d.udp.data() + 8, p.payload_len));
  EXPECT_EQ(p.ip_len, 20 + d.udp.size());
}

TEST(IpReassemblerTest, Ipv4InOrder) {
  Decoder dec;
  DecodedPacket p;
  Datagram d = MakeV4(100, 32);
  ASSERT_EQ(d.fragments.size(), 4u);
  for (size_t i = 0; i + 1 < d.fragments.size(); ++i)
    EXPECT_EQ(dec.Decode(Raw(d.fragments[i]), &p), DecodeResult::kFragmentHeld);
  ASSERT_EQ(dec.Decode(Raw(d.fragments.back()), &p), DecodeResult::kPacket);
  ExpectWhole(p, d);
  EXPECT_EQ(dec.reassembler().datagrams_held(), 0u);
  EXPECT_EQ(dec.reassembler().bytes_held(), 0u);
  EXPECT_EQ(dec.counters().total(), 0u);
}

TEST(IpReassemblerTest, Ipv4OutOfOrder) {
  Decoder dec;
  DecodedPacket p;
  Datagram d = MakeV4(100, 32);
  EXPECT_EQ(dec.Decode(Raw(d.fragments[3]), &p), DecodeResult::kFragmentHeld);
  EXPECT_EQ(dec.Decode(Raw(d.fragments[1]), &p), DecodeResult::kFragmentHeld);
  EXPECT_EQ(dec.Decode(Raw(d.fragments[0]), &p), DecodeResult::kFragmentHeld);
  ASSERT_EQ(dec.Decode(Raw(d.fragments[2]), &p), DecodeResult::kPacket);
  ExpectWhole(p, d);
}

TEST(IpReassemblerTest, OverlapFirstArrivalWins) {
  Decoder dec;
  DecodedPacket p;
  Datagram d = MakeV4(100, 32);
  // A forged fragment covering bytes 24..56 with different content, sent before the real ones.
  Frame forged = Cat({Eth(0x0800), Ipv4(kIpProtoUdp, 32, 0x0a000001, 0x0a000002, 7, 0x2000 | 3),
                      Payload(32, '#')});
  EXPECT_EQ(dec.Decode(Raw(forged), &p), DecodeResult::kFragmentHeld);
  for (size_t i = 0; i + 1 < d.fragments.size(); ++i)
    EXPECT_EQ(dec.Decode(Raw(d.fragments[i]), &p), DecodeResult::kFragmentHeld);
  ASSERT_EQ(dec.Decode(Raw(d.fragments.back()), &p), DecodeResult::kPacket);
  EXPECT_GE(dec.counters().count(DecodeEvent::kFragOverlap), 1u);
  ASSERT_EQ(p.payload_len, 100u);
  // Datagram bytes 24..56 are payload bytes 16..48: the forged ones arrived first.
  EXPECT_EQ(p.payload[15], d.udp[8 + 15]);
  EXPECT_EQ(p.payload[16], '#');
  EXPECT_EQ(p.payload[47], '#');
  EXPECT_EQ(p.payload[48], d.udp[8 + 48]);
}

TEST(IpReassemblerTest, DuplicateFragmentCountsOverlap) {
  Decoder dec;
  DecodedPacket p;
  Datagram d = MakeV4(56, 32);
  ASSERT_EQ(d.fragments.size(), 2u);
  EXPECT_EQ(dec.Decode(Raw(d.fragments[0]), &p), DecodeResult::kFragmentHeld);
  EXPECT_EQ(dec.Decode(Raw(d.fragments[0]), &p), DecodeResult::kFragmentHeld);
  ASSERT_EQ(dec.Decode(Raw(d.fragments[1]), &p), DecodeResult::kPacket);
  EXPECT_EQ(dec.counters().count(DecodeEvent::kFragOverlap), 1u);
}

TEST(IpReassemblerTest, Timeout) {
  Decoder dec;
  DecodedPacket p;
  Datagram d = MakeV4(100, 32);
  EXPECT_EQ(dec.Decode(Raw(d.fragments[0], kLinkEthernet, 1 * kUsPerSecond), &p),
            DecodeResult::kFragmentHeld);
  for (size_t i = 1; i < d.fragments.size(); ++i) {
    EXPECT_EQ(dec.Decode(Raw(d.fragments[i], kLinkEthernet, 40 * kUsPerSecond), &p),
              DecodeResult::kFragmentHeld);
  }
  EXPECT_EQ(dec.counters().count(DecodeEvent::kFragTimeout), 1u);
  EXPECT_EQ(dec.reassembler().datagrams_held(), 1u);
  // A fragment of another datagram much later expires what is left.
  Frame f1 = MakeV4(40, 24, 8).fragments[0];
  EXPECT_EQ(dec.Decode(Raw(f1, kLinkEthernet, 100 * kUsPerSecond), &p),
            DecodeResult::kFragmentHeld);
  EXPECT_EQ(dec.counters().count(DecodeEvent::kFragTimeout), 2u);
}

TEST(IpReassemblerTest, MemoryCap) {
  DecoderOptions options;
  options.max_fragment_bytes = 4096;
  Decoder dec(options);
  DecodedPacket p;
  for (uint16_t id = 0; id < 50; ++id) {
    Datagram d = MakeV4(1000, 504, id);
    EXPECT_NE(dec.Decode(Raw(d.fragments[0], kLinkEthernet, 1000 + id), &p), DecodeResult::kPacket);
    EXPECT_LE(dec.reassembler().bytes_held(), 4096u);
  }
  EXPECT_GT(dec.counters().count(DecodeEvent::kFragMemoryCap), 0u);
  // A datagram still fits and completes.
  Datagram d = MakeV4(1000, 504, 999);
  ASSERT_EQ(d.fragments.size(), 2u);
  EXPECT_EQ(dec.Decode(Raw(d.fragments[0]), &p), DecodeResult::kFragmentHeld);
  ASSERT_EQ(dec.Decode(Raw(d.fragments[1]), &p), DecodeResult::kPacket);
  ExpectWhole(p, d);
}

TEST(IpReassemblerTest, TooBigAndInconsistent) {
  Decoder dec;
  DecodedPacket p;
  Frame big = Cat(
      {Eth(0x0800), Ipv4(kIpProtoUdp, 64, 0x0a000001, 0x0a000002, 3, 0x2000 | 8190), Payload(64)});
  EXPECT_EQ(dec.Decode(Raw(big), &p), DecodeResult::kSkipped);
  EXPECT_EQ(dec.counters().count(DecodeEvent::kFragTooBig), 1u);
  // Two different "last" fragments.
  Frame last1 =
      Cat({Eth(0x0800), Ipv4(kIpProtoUdp, 16, 0x0a000001, 0x0a000002, 4, 4), Payload(16)});
  Frame last2 =
      Cat({Eth(0x0800), Ipv4(kIpProtoUdp, 16, 0x0a000001, 0x0a000002, 4, 8), Payload(16)});
  EXPECT_EQ(dec.Decode(Raw(last1), &p), DecodeResult::kFragmentHeld);
  EXPECT_EQ(dec.Decode(Raw(last2), &p), DecodeResult::kSkipped);
  EXPECT_EQ(dec.counters().count(DecodeEvent::kFragInconsistent), 1u);
}

TEST(IpReassemblerTest, SnaplenCutFragmentIsDropped) {
  Decoder dec;
  DecodedPacket p;
  Datagram d = MakeV4(100, 64);
  Frame cut(d.fragments[0].begin(), d.fragments[0].begin() + 50);
  EXPECT_EQ(
      dec.Decode(Raw(cut, kLinkEthernet, 1, static_cast<uint32_t>(d.fragments[0].size())), &p),
      DecodeResult::kSkipped);
  EXPECT_EQ(dec.counters().count(DecodeEvent::kFragTruncated), 1u);
}

TEST(IpReassemblerTest, Ipv6InAndOutOfOrder) {
  Decoder dec;
  DecodedPacket p;
  Datagram d = MakeV6(300, 104);
  ASSERT_EQ(d.fragments.size(), 3u);
  EXPECT_EQ(dec.Decode(Raw(d.fragments[2]), &p), DecodeResult::kFragmentHeld);
  EXPECT_EQ(dec.Decode(Raw(d.fragments[0]), &p), DecodeResult::kFragmentHeld);
  ASSERT_EQ(dec.Decode(Raw(d.fragments[1]), &p), DecodeResult::kPacket);
  EXPECT_EQ(p.ip_proto, kIpProtoUdp);
  EXPECT_EQ(p.src_port, 2000);
  EXPECT_EQ(p.payload_len, 300u);
  EXPECT_EQ(p.ip_len, 48 + d.udp.size());
  EXPECT_EQ(p.payload[299], 'z');
  EXPECT_EQ(dec.counters().total(), 0u);
}

TEST(IpReassemblerTest, DirectApiEmptyAndPieces) {
  IpReassembler r(1 << 20, 30 * kUsPerSecond);
  DecodeCounters c;
  FragmentKey key;
  key.id = 5;
  const uint8_t* data = nullptr;
  size_t len = 0;
  uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  // Many tiny overlapping fragments never complete and stop at kMaxPieces.
  IpReassembler::Outcome last = IpReassembler::Outcome::kHeld;
  for (uint32_t i = 0; i < IpReassembler::kMaxPieces + 10 && last == IpReassembler::Outcome::kHeld;
       ++i)
    last = r.Add(key, 1, i * 16, true, bytes, 8, &c, &data, &len);
  EXPECT_EQ(last, IpReassembler::Outcome::kDropped);
  EXPECT_EQ(c.count(DecodeEvent::kFragTooMany), 1u);
  EXPECT_EQ(r.datagrams_held(), 0u);
  EXPECT_EQ(r.bytes_held(), 0u);
}

}  // namespace
}  // namespace netward::capture
