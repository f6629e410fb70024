// Tests for the QUIC analyzer: the RFC 9001 Appendix A client Initial (keys, header protection,
// payload, ClientHello), QUIC v2 and Retry corpus captures, coalesced packets, CRYPTO frames out
// of order across packets, and garbage, truncated, version-negotiation and forged packets.
#include "analyzers/quic.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>

#include <cstring>

#include "analyzer_test_util.h"
#include "analyzers/quic_initial.h"
#include "analyzers/registry.h"

namespace netward::analyzers {
namespace {

using record::StreamId;
using testing::AnalyzerHarness;
using testing::FromHex;
using testing::ParseLines;

// RFC 9001 A.2: the client's first Initial, protected (1200 bytes), DCID 8394c8f03e515708.
const std::string kRfcDcid = FromHex("8394c8f03e515708");
const std::string kRfcProtected = FromHex(
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934");
// RFC 9001 A.2: the frames of that packet before its PADDING: one CRYPTO frame (offset 0,
// 241 bytes) holding the ClientHello.
const std::string kRfcFrames = FromHex(
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff");
const std::string kRfcClientHello = kRfcFrames.substr(4);

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Hex(const uint8_t* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

std::string Varint2(size_t v) {  // the 2-byte varint form
  return std::string{static_cast<char>(0x40 | (v >> 8)), static_cast<char>(v & 0xff)};
}

std::string CryptoFrame(size_t offset, const std::string& data) {
  return "\x06" + Varint2(offset) + Varint2(data.size()) + data;
}

// Builds and protects a client Initial (RFC 9001 5) with a `pn_len`-byte packet number: the
// test's own sender, checked against RFC 9001 A.2 below.
std::string ProtectInitial(uint32_t version, const std::string& dcid, const std::string& scid,
                           uint32_t pn, size_t pn_len, const std::string& payload) {
  quic_detail::InitialKeys keys;
  EXPECT_TRUE(quic_detail::DeriveClientInitialKeys(version, Bytes(dcid), &keys));
  const uint8_t type_bits = version == quic_detail::kQuicV2 ? 1 : 0;
  std::string pkt;
  pkt.push_back(static_cast<char>(0xc0 | type_bits << 4 | (pn_len - 1)));
  for (int i = 3; i >= 0; --i) pkt.push_back(static_cast<char>(version >> (8 * i)));
  pkt.push_back(static_cast<char>(dcid.size()));
  pkt += dcid;
  pkt.push_back(static_cast<char>(scid.size()));
  pkt += scid;
  pkt.push_back('\0');  // no token
  pkt += Varint2(pn_len + payload.size() + 16);
  const size_t pn_offset = pkt.size();
  for (size_t i = pn_len; i-- > 0;) pkt.push_back(static_cast<char>(pn >> (8 * i)));
  uint8_t nonce[12];
  std::memcpy(nonce, keys.iv, 12);
  for (int i = 0; i < 4; ++i) nonce[11 - i] ^= static_cast<uint8_t>(pn >> (8 * i));
  std::string ct(payload.size(), '\0');
  uint8_t tag[16];
  int len = 0;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), nullptr, keys.key, nonce);
  EVP_EncryptUpdate(c, nullptr, &len, reinterpret_cast<const uint8_t*>(pkt.data()),
                    static_cast<int>(pkt.size()));
  EVP_EncryptUpdate(c, reinterpret_cast<uint8_t*>(ct.data()), &len,
                    reinterpret_cast<const uint8_t*>(payload.data()),
                    static_cast<int>(payload.size()));
  EVP_EncryptFinal_ex(c, tag, &len);
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
  EVP_CIPHER_CTX_free(c);
  pkt += ct;
  pkt.append(reinterpret_cast<const char*>(tag), 16);
  uint8_t mask[16];
  c = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), nullptr, keys.hp, nullptr);
  EVP_CIPHER_CTX_set_padding(c, 0);
  EVP_EncryptUpdate(c, mask, &len, reinterpret_cast<const uint8_t*>(pkt.data() + pn_offset + 4),
                    16);
  EVP_CIPHER_CTX_free(c);
  pkt[0] = static_cast<char>(pkt[0] ^ (mask[0] & 0x0f));
  for (size_t i = 0; i < pn_len; ++i)
    pkt[pn_offset + i] = static_cast<char>(pkt[pn_offset + i] ^ mask[1 + i]);
  return pkt;
}

// The A.2 plaintext payload: the CRYPTO frame, then PADDING to 1162 bytes.
std::string RfcPayload() {
  std::string p = kRfcFrames;
  p.resize(1162, '\0');
  return p;
}

struct Result {
  std::vector<nlohmann::json> tls;
  std::map<std::string, int> events;
  std::string host;
  std::string app;
};

Result RunQuic(const std::vector<std::string>& datagrams, Direction dir = Direction::kToServer) {
  AnalyzerHarness h(17, 443, 50000);
  auto a = NewQuicAnalyzer();
  for (const auto& d : datagrams) h.Deliver(*a, dir, d);
  a->Finish(h.ctx);
  return {ParseLines(h.batch, StreamId::kTls), h.events.counts, h.hints.host, h.hints.app};
}

TEST(QuicTest, Rfc9001InitialKeys) {
  quic_detail::InitialKeys k;
  ASSERT_TRUE(quic_detail::DeriveClientInitialKeys(quic_detail::kQuicV1, Bytes(kRfcDcid), &k));
  EXPECT_EQ(Hex(k.key, 16), "1f369613dd76d5467730efcbe3b1a22d");
  EXPECT_EQ(Hex(k.iv, 12), "fa044b2f42a3fd3b46fb255c");
  EXPECT_EQ(Hex(k.hp, 16), "9f50449e04a0e810283a1e9933adedd2");
}

TEST(QuicTest, Rfc9001InitialDecrypts) {
  quic_detail::LongHeader h;
  ASSERT_EQ(quic_detail::ParseLongHeader(Bytes(kRfcProtected), &h), quic_detail::HeaderStatus::kOk);
  EXPECT_EQ(h.type, quic_detail::PacketType::kInitial);
  EXPECT_EQ(h.pn_offset, 18u);
  EXPECT_EQ(h.packet_len, 1200u);
  quic_detail::InitialKeys k;
  ASSERT_TRUE(quic_detail::DeriveClientInitialKeys(h.version, h.dcid, &k));
  quic_detail::InitialDecryptor d;
  ASSERT_TRUE(d.SetKeys(k));
  std::vector<uint8_t> pkt(kRfcProtected.begin(), kRfcProtected.end());
  std::span<const uint8_t> payload;
  int64_t pn = -1;
  ASSERT_TRUE(d.Decrypt(pkt, h.pn_offset, -1, &payload, &pn));
  EXPECT_EQ(pn, 2);
  EXPECT_EQ(Hex(pkt.data(), 22), "c300000001088394c8f03e5157080000449e00000002");
  EXPECT_EQ(std::string(payload.begin(), payload.end()), RfcPayload());
}

TEST(QuicTest, TestSenderReproducesRfcPacket) {
  EXPECT_EQ(Hex(Bytes(ProtectInitial(1, kRfcDcid, "", 2, 4, RfcPayload())).data(), 1200),
            Hex(Bytes(kRfcProtected).data(), 1200));
}

TEST(QuicTest, RfcClientInitialYieldsTlsRecord) {
  Result r = RunQuic({kRfcProtected});
  ASSERT_EQ(r.tls.size(), 1u);
  const auto& j = r.tls[0];
  EXPECT_EQ(j["sni"], "example.com");
  EXPECT_EQ(j["transport"], "quic");
  EXPECT_EQ(j["version"], "TLSv13");
  EXPECT_EQ(j["alpn"], nlohmann::json::array({"alpn"}));
  EXPECT_EQ(j["ja4"].get<std::string>().substr(0, 10), "q13d0211an");
  EXPECT_EQ(j["ja3"].get<std::string>().size(), 32u);
  EXPECT_EQ(j["src_port"], 50000);
  EXPECT_EQ(j["dst_port"], 443);
  EXPECT_EQ(r.host, "example.com");
  EXPECT_EQ(r.app, "quic");
  EXPECT_TRUE(r.events.empty());
}

TEST(QuicTest, JustOneRecordAndNothingAfterTheClientHello) {
  std::string bad = kRfcProtected;
  bad[600] ^= 1;
  Result r = RunQuic({kRfcProtected, kRfcProtected, bad, "garbage"});
  EXPECT_EQ(r.tls.size(), 1u);
  EXPECT_TRUE(r.events.empty());  // later datagrams are not even looked at
}

TEST(QuicTest, ServerPacketsAreIgnored) {
  Result r = RunQuic({kRfcProtected, "\xff\xff"}, Direction::kToClient);
  EXPECT_TRUE(r.tls.empty());
  EXPECT_TRUE(r.events.empty());
}

TEST(QuicTest, CryptoFramesOutOfOrderAcrossPackets) {
  const std::string& ch = kRfcClientHello;
  // Three Initials; the last piece of the ClientHello arrives first, the first one last.
  std::vector<std::string> grams;
  const size_t cut1 = 100, cut2 = 180;
  std::string p0 = CryptoFrame(cut2, ch.substr(cut2));
  std::string p1 = std::string("\x02\x00\x00\x00\x00", 5) +
                   CryptoFrame(cut1, ch.substr(cut1, cut2 - cut1));  // ACK
  std::string p2 = "\x01" + CryptoFrame(0, ch.substr(0, cut1));      // PING
  for (auto* p : {&p0, &p1, &p2}) p->resize(1150, '\0');
  const std::string scid = "\x01\x02\x03\x04";
  grams.push_back(ProtectInitial(1, kRfcDcid, scid, 0, 2, p0));
  grams.push_back(ProtectInitial(1, kRfcDcid, scid, 1, 1, p1));
  Result partial = RunQuic(grams);
  EXPECT_TRUE(partial.tls.empty());  // nothing from offset 0 yet: no record, no event
  EXPECT_TRUE(partial.events.empty());
  grams.push_back(ProtectInitial(1, kRfcDcid, scid, 2, 4, p2));
  Result r = RunQuic(grams);
  ASSERT_EQ(r.tls.size(), 1u);
  EXPECT_EQ(r.tls[0]["sni"], "example.com");
  EXPECT_EQ(r.tls[0]["ja4"], RunQuic({kRfcProtected}).tls[0]["ja4"]);
  EXPECT_TRUE(r.events.empty());
}

TEST(QuicTest, ClientHelloCutShortIsRecordedAtFinish) {
  std::string p = CryptoFrame(0, kRfcClientHello.substr(0, 120));
  p.resize(1150, '\0');
  Result r = RunQuic({ProtectInitial(1, kRfcDcid, "", 0, 2, p)});
  ASSERT_EQ(r.tls.size(), 1u);
  // The extensions block is cut: like the TLS analyzer, only what precedes it is read.
  EXPECT_EQ(r.tls[0]["sni"], "");
  EXPECT_EQ(r.tls[0]["ja4"].get<std::string>().substr(0, 6), "q12i02");  // legacy_version 0x0303
  EXPECT_EQ(r.events["quic.bad_initial"], 1);
}

TEST(QuicTest, Version2AndCoalescedPackets) {
  std::string p = CryptoFrame(0, kRfcClientHello);
  p.resize(1000, '\0');
  const std::string dcid = FromHex("0102030405060708090a");
  std::string v2 = ProtectInitial(quic_detail::kQuicV2, dcid, "", 0, 2, p);
  // A v2 Handshake packet (type bits 11) coalesced after the Initial is skipped by its Length.
  std::string handshake =
      FromHex("f06b3343cf0a0102030405060708090a00") + Varint2(30) + std::string(30, 'h');
  Result r = RunQuic({v2 + handshake});
  ASSERT_EQ(r.tls.size(), 1u);
  EXPECT_EQ(r.tls[0]["sni"], "example.com");
  EXPECT_TRUE(r.events.empty());
  // The same bytes under v1 keys do not authenticate as v2.
  std::string wrong = v2;
  wrong[0] = static_cast<char>(wrong[0] & 0xcf);  // v1 Initial type bits
  wrong[1] = 0, wrong[2] = 0, wrong[3] = 0, wrong[4] = 1;
  Result w = RunQuic({wrong});
  EXPECT_TRUE(w.tls.empty());
  EXPECT_EQ(w.events["quic.decrypt_failed"], 1);
}

TEST(QuicTest, RetryChangesTheKeys) {
  // After a Retry the client's Initials use keys from the server's new connection id.
  std::string p = CryptoFrame(0, kRfcClientHello);
  p.resize(1150, '\0');
  const std::string new_dcid = FromHex("a1a2a3a4a5a6a7a8");
  Result r = RunQuic({ProtectInitial(1, kRfcDcid, "", 0, 2, std::string(1150, '\0')),
                      ProtectInitial(1, new_dcid, "", 1, 2, p)});
  ASSERT_EQ(r.tls.size(), 1u);
  EXPECT_EQ(r.tls[0]["sni"], "example.com");
  EXPECT_TRUE(r.events.empty());
}

TEST(QuicTest, CryptoBeyondCapIsCounted) {
  std::string p = "\x06" + std::string("\x80\x01\x11\x70", 4) + Varint2(10) + std::string(10, 'x');
  p += CryptoFrame(0, kRfcClientHello);
  p.resize(1150, '\0');
  Result r = RunQuic({ProtectInitial(1, kRfcDcid, "", 0, 2, p)});
  EXPECT_EQ(r.events["quic.crypto_too_long"], 1);
  ASSERT_EQ(r.tls.size(), 1u);
  EXPECT_EQ(r.tls[0]["sni"], "example.com");
}

TEST(QuicTest, HugeClientHelloLengthIsCappedAndCounted) {
  std::string ch = kRfcClientHello;
  ch[1] = 0x7f;  // claims 8 MB
  std::string p = CryptoFrame(0, ch);
  p.resize(1150, '\0');
  Result r = RunQuic({ProtectInitial(1, kRfcDcid, "", 0, 2, p)});
  EXPECT_EQ(r.events["quic.crypto_too_long"], 1);
  EXPECT_EQ(r.tls.size(), 1u);  // at Finish, with what arrived
}

TEST(QuicTest, NotAClientHelloStops) {
  std::string p = CryptoFrame(0, "\x02\x00\x00\x10" + std::string(16, 'a'));
  p.resize(1150, '\0');
  Result r = RunQuic({ProtectInitial(1, kRfcDcid, "", 0, 2, p)});
  EXPECT_TRUE(r.tls.empty());
  EXPECT_EQ(r.events["quic.bad_initial"], 1);
}

TEST(QuicTest, ForbiddenFrameIsBadInitial) {
  std::string p = "\x08" + CryptoFrame(0, kRfcClientHello);  // STREAM in an Initial
  p.resize(1150, '\0');
  Result r = RunQuic({ProtectInitial(1, kRfcDcid, "", 0, 2, p)});
  EXPECT_EQ(r.events["quic.bad_initial"], 1);
  EXPECT_TRUE(r.tls.empty());
}

TEST(QuicTest, GarbageTruncatedAndVersionNegotiation) {
  // Every prefix of the RFC packet, each as the flow's only datagram: never a crash.
  for (size_t n = 0; n < kRfcProtected.size(); ++n) {
    Result r = RunQuic({kRfcProtected.substr(0, n)});
    EXPECT_TRUE(r.tls.empty()) << n;
    if (n > 0) {
      EXPECT_EQ(r.events.size(), 1u) << n;
    }
  }
  // Version negotiation (version 0) and an unknown version from the client.
  EXPECT_EQ(RunQuic({FromHex("c000000000088394c8f03e51570800") + "\x00\x00\x00\x01"})
                .events["quic.bad_initial"],
            1);
  EXPECT_EQ(RunQuic({FromHex("c0ff00001d088394c8f03e51570800")}).events["quic.bad_initial"], 1);
  // A connection id longer than 20 bytes.
  EXPECT_EQ(RunQuic({FromHex("c00000000115") + std::string(40, 'a')}).events["quic.bad_initial"],
            1);
  // Flipped bits in the payload fail authentication.
  std::string bad = kRfcProtected;
  bad[700] ^= 0x80;
  EXPECT_EQ(RunQuic({bad}).events["quic.decrypt_failed"], 1);
  // Endless garbage: counted, then the analyzer gives up (bounded work and events).
  std::vector<std::string> junk(100, std::string(1200, '\xc3'));
  Result r = RunQuic(junk);
  EXPECT_TRUE(r.tls.empty());
  int total = 0;
  for (const auto& [name, count] : r.events) total += count;
  EXPECT_LE(total, 16);
  // Short-header packets and zero padding are not errors.
  EXPECT_TRUE(RunQuic({"\x40\x01\x02\x03", std::string(50, '\0')}).events.empty());
}

TEST(QuicTest, LooksLikeQuic) {
  EXPECT_TRUE(LooksLikeQuic(Direction::kToServer, Bytes(kRfcProtected)));
  EXPECT_FALSE(LooksLikeQuic(Direction::kToClient, Bytes(kRfcProtected)));
  std::string short_gram = kRfcProtected.substr(0, 1199);
  EXPECT_FALSE(LooksLikeQuic(Direction::kToServer, Bytes(short_gram)));
  std::string draft = kRfcProtected;
  draft[1] = '\xff', draft[4] = 0x1d;  // draft-29
  EXPECT_FALSE(LooksLikeQuic(Direction::kToServer, Bytes(draft)));
  std::string zeros(1300, '\0');
  EXPECT_FALSE(LooksLikeQuic(Direction::kToServer, Bytes(zeros)));
}

TEST(QuicTest, Registry) {
  EXPECT_EQ(Detect(17, 443, Direction::kToServer, {}), AppProtocol::kQuic);
  EXPECT_EQ(Detect(17, 4433, Direction::kToServer, Bytes(kRfcProtected)), AppProtocol::kQuic);
  EXPECT_EQ(Detect(17, 4433, Direction::kToServer, Bytes(std::string(1300, 'x'))),
            AppProtocol::kNone);
  EXPECT_EQ(Detect(6, 443, Direction::kToServer, {}), AppProtocol::kTls);
  EXPECT_EQ(AppProtocolName(AppProtocol::kQuic), "quic");
  EXPECT_NE(CreateAnalyzer(AppProtocol::kQuic), nullptr);
}

// --- Corpus captures -----------------------------------------------------------------------

struct Datagram {
  TimestampUs ts;
  Direction dir;
  std::string bytes;
};

// The UDP datagrams of a capture with Ethernet or PPP framing and IPv4 (all the corpus QUIC
// traces use); the first datagram's sender is the client.
std::vector<Datagram> ReadUdp(const std::string& path, FlowEndpoints* flow) {
  std::vector<Datagram> out;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(path.c_str(), err);
  EXPECT_NE(pc, nullptr) << err;
  if (!pc) return out;
  const int link = pcap_datalink(pc);
  pcap_pkthdr* h;
  const u_char* d;
  uint32_t client_ip = 0;
  uint16_t client_port = 0;
  while (pcap_next_ex(pc, &h, &d) == 1) {
    size_t off = 0;
    if (link == DLT_EN10MB) {
      if (h->caplen < 14 || d[12] != 0x08 || d[13] != 0x00) continue;
      off = 14;
    } else if (link == DLT_PPP) {  // [ff 03] 00 21: address and control may be omitted
      off = h->caplen >= 2 && d[0] == 0xff && d[1] == 0x03 ? 2 : 0;
      if (h->caplen < off + 2 || d[off] != 0x00 || d[off + 1] != 0x21) continue;
      off += 2;
    } else {
      continue;
    }
    if (h->caplen < off + 28 || (d[off] >> 4) != 4 || d[off + 9] != 17) continue;
    const size_t ihl = (d[off] & 15) * 4u;
    const uint8_t* udp = d + off + ihl;
    const size_t udp_len = static_cast<size_t>(udp[4] << 8 | udp[5]);
    if (h->caplen < off + ihl + udp_len || udp_len < 8) continue;
    uint32_t src, dst;
    std::memcpy(&src, d + off + 12, 4);
    std::memcpy(&dst, d + off + 16, 4);
    const auto sport = static_cast<uint16_t>(udp[0] << 8 | udp[1]);
    const auto dport = static_cast<uint16_t>(udp[2] << 8 | udp[3]);
    if (dport != 443 && sport != 443) continue;
    if (out.empty()) {
      client_ip = src, client_port = sport;
      flow->client_ip = IpAddress::FromV4HostOrder(ntohl(src));
      flow->server_ip = IpAddress::FromV4HostOrder(ntohl(dst));
      flow->client_port = sport;
      flow->server_port = dport;
      flow->ip_proto = 17;
    }
    Datagram g;
    g.ts = static_cast<TimestampUs>(h->ts.tv_sec) * kUsPerSecond + h->ts.tv_usec;
    g.dir =
        (src == client_ip && sport == client_port) ? Direction::kToServer : Direction::kToClient;
    g.bytes.assign(reinterpret_cast<const char*>(udp + 8), udp_len - 8);
    out.push_back(std::move(g));
  }
  pcap_close(pc);
  return out;
}

Result RunCapture(const char* rel) {
  AnalyzerHarness h(17, 443);
  auto grams = ReadUdp(std::string(NW_CORPUS_DIR) + "/zeek/traces/" + rel, &h.flow);
  EXPECT_FALSE(grams.empty()) << rel;
  auto a = NewQuicAnalyzer();
  for (const auto& g : grams) {
    h.ctx.now = g.ts;
    h.Deliver(*a, g.dir, g.bytes);
  }
  a->Finish(h.ctx);
  return {ParseLines(h.batch, StreamId::kTls), h.events.counts, h.hints.host, h.hints.app};
}

// Zeek's ssl.log for this trace: TLSv13, server_name "-" (the client sent no SNI); quic.log:
// version quicv2, client_protocol h3.
TEST(QuicTest, CorpusQuicV2Http3) {
  Result r = RunCapture("quic/quicv2-http3-443.pcap");
  ASSERT_EQ(r.tls.size(), 1u);
  const auto& j = r.tls[0];
  EXPECT_EQ(j["sni"], "");
  EXPECT_EQ(j["version"], "TLSv13");
  EXPECT_EQ(j["transport"], "quic");
  EXPECT_EQ(j["alpn"], nlohmann::json::array({"h3"}));
  EXPECT_EQ(j["ja4"].get<std::string>().substr(0, 4), "q13i");  // 'i': no SNI
  EXPECT_EQ(j["src_ip"], "127.0.0.1");
  EXPECT_EQ(j["src_port"], 50841);
  EXPECT_TRUE(r.events.empty());
}

// A QUIC interop run with a Retry: the client's second Initial uses the Retry's connection id.
TEST(QuicTest, CorpusRetry) {
  Result r = RunCapture("ppp/quic-interop-retry.pcap");
  ASSERT_EQ(r.tls.size(), 1u);
  EXPECT_EQ(r.tls[0]["transport"], "quic");
  EXPECT_EQ(r.tls[0]["version"], "TLSv13");
  EXPECT_TRUE(r.events.empty());
}

}  // namespace
}  // namespace netward::analyzers
