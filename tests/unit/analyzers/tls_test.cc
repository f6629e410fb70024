// Tests for the TLS analyzer: corpus handshakes (Zeek ssl.log/x509.log baselines), chunking,
// fingerprints against published JA3/JA4 values, and malformed input.
#include "analyzers/tls.h"

#include <gtest/gtest.h>

#include "analyzer_test_util.h"
#include "analyzers/tls_fingerprint.h"
#include "tcp_stream_replay.h"

namespace netward::analyzers {
namespace {

using record::StreamId;
using testing::AnalyzerHarness;
using testing::ParseLines;

// Runs every TCP conversation of a corpus trace through its own TLS analyzer; returns the tls
// records (in conversation order) and the batch text for chunking comparisons.
struct TraceResult {
  std::vector<nlohmann::json> records;
  std::string lines;
  std::map<std::string, int> events;
  std::string host;
};

TraceResult RunTrace(const char* rel, size_t chunk = 0) {
  TraceResult r;
  auto convs = testing::ReadTcpConversations(testing::CorpusTrace(rel));
  EXPECT_FALSE(convs.empty()) << rel;
  AnalyzerHarness h;
  for (const auto& c : convs) {
    auto a = NewTlsAnalyzer();
    testing::Replay(h, *a, c, chunk);
    if (r.host.empty()) r.host = h.hints.host;
  }
  r.records = ParseLines(h.batch, StreamId::kTls);
  r.lines = std::string(h.batch.lines(StreamId::kTls));
  r.events = h.events.counts;
  return r;
}

TEST(TlsCorpus, Tls12CertificateMatchesX509Log) {
  TraceResult r = RunTrace("tls/tls1.2.pcap");
  ASSERT_EQ(r.records.size(), 1u);
  const auto& j = r.records[0];
  EXPECT_EQ(j["version"], "TLSv12");
  EXPECT_EQ(j["sni"], "");
  EXPECT_EQ(j["src_ip"], "10.0.0.80");
  EXPECT_EQ(j["src_port"], 56637);
  EXPECT_EQ(j["dst_ip"], "68.233.76.12");
  EXPECT_EQ(j["dst_port"], 443);
  EXPECT_EQ(j["cert_subject"],
            "CN=*.taleo.net,OU=Comodo PremiumSSL Wildcard,OU=Web,O=Taleo Inc.,street=4140 Dublin "
            "Boulevard,street=Suite 400,L=Dublin,ST=CA,postalCode=94568,C=US");
  EXPECT_EQ(j["cert_issuer"],
            "CN=COMODO High-Assurance Secure Server CA,O=COMODO CA Limited,L=Salford,ST=Greater "
            "Manchester,C=GB");
  EXPECT_EQ(j["cert_not_before"], FormatIso8601(1304467200LL * kUsPerSecond));
  EXPECT_EQ(j["cert_not_after"], FormatIso8601(1467676799LL * kUsPerSecond));
  EXPECT_EQ(j["ja3"].get<std::string>().size(), 32u);
  EXPECT_TRUE(r.events.empty());
}

TEST(TlsCorpus, Tls10WithSniAndAlpn) {
  TraceResult r = RunTrace("tls/tls-conn-with-extensions.pcap");
  ASSERT_EQ(r.records.size(), 1u);
  const auto& j = r.records[0];
  EXPECT_EQ(j["version"], "TLSv10");
  EXPECT_EQ(j["sni"], "ssl.gstatic.com");
  EXPECT_EQ(j["cert_subject"], "CN=*.gstatic.com,O=Google Inc,L=Mountain View,ST=California,C=US");
  EXPECT_EQ(j["cert_issuer"], "CN=Google Internet Authority,O=Google Inc,C=US");
  EXPECT_EQ(j["cert_not_before"], FormatIso8601(1334102677LL * kUsPerSecond));
  EXPECT_EQ(r.host, "ssl.gstatic.com");
  EXPECT_EQ(j["ja4"].get<std::string>().substr(0, 4), "t10d");
}

TEST(TlsCorpus, HandshakeFragmentedAcrossRecords) {
  TraceResult r = RunTrace("tls/tls-fragmented-handshake.pcap.gz");
  ASSERT_EQ(r.records.size(), 1u);
  const auto& j = r.records[0];
  EXPECT_EQ(j["version"], "TLSv12");
  EXPECT_EQ(j["sni"], "104.236.167.107");
  EXPECT_EQ(j["cert_subject"], "CN=Bro");
  EXPECT_EQ(j["cert_issuer"], "CN=Bro");
  EXPECT_EQ(r.events.count("tls.bad_handshake"), 0u);
}

TEST(TlsCorpus, Tls13EncryptedClientHelloRecordsOuterSni) {
  TraceResult r = RunTrace("tls/tls13-ech.pcap");
  ASSERT_EQ(r.records.size(), 2u);
  for (const auto& j : r.records) {
    EXPECT_EQ(j["version"], "TLSv13");
    EXPECT_EQ(j["sni"], "cloudflare-ech.com");
    EXPECT_EQ(j["cert_subject"], "");  // encrypted in 1.3
    EXPECT_EQ(j["ja4"].get<std::string>().substr(0, 4), "t13d");
  }
}

TEST(TlsCorpus, HandshakeFailureStillRecordsClientHello) {
  TraceResult r = RunTrace("tls/tls-1.2-handshake-failure.pcap");
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0]["version"], "");  // Zeek: "-" (no ServerHello)
  EXPECT_EQ(r.records[0]["dst_port"], 443);
}

TEST(TlsCorpus, Cve20153194) {
  TraceResult r = RunTrace("tls/CVE-2015-3194.pcap");
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0]["version"], "TLSv12");
}

TEST(TlsCorpus, AnyChunkingGivesTheSameRecords) {
  for (const char* trace : {"tls/tls1.2.pcap", "tls/tls-fragmented-handshake.pcap.gz",
                            "tls/tls13-ech.pcap", "tls/tls-conn-with-extensions.pcap"}) {
    const std::string whole = RunTrace(trace).lines;
    EXPECT_EQ(RunTrace(trace, 1).lines, whole) << trace;
    EXPECT_EQ(RunTrace(trace, 7).lines, whole) << trace;
    EXPECT_EQ(RunTrace(trace, 1000).lines, whole) << trace;
  }
}

// Values published by browserleaks for Chrome 143 (ja3_text / ja4_ro / ja4 / ja3_hash).
TEST(TlsFingerprint, Ja3AndJa4MatchPublishedChromeValues) {
  tls_detail::ClientHelloInfo ch;
  ch.legacy_version = 771;
  ch.ciphers = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  ch.extensions = {0x1a1a, 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b,
                   0x000a, 0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b, 0x2a2a};
  ch.groups = {0x3a3a, 4588, 29, 23, 24};
  ch.point_formats = {0};
  ch.sig_algs = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
  ch.versions = {0x4a4a, 0x0304, 0x0303};
  ch.alpn = {"h2", "http/1.1"};
  ch.has_sni_ext = true;
  EXPECT_EQ(tls_detail::Ja3String(ch),
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
            "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
  EXPECT_EQ(tls_detail::Ja3(ch), "98487aa16281980e7d1120d399efb6a4");
  EXPECT_EQ(tls_detail::Ja4(ch), "t13d1516h2_8daaf6152771_d8a2da3f94cd");
}

TEST(TlsFingerprint, Ja4EdgeCases) {
  tls_detail::ClientHelloInfo ch;
  ch.legacy_version = 0x0301;
  EXPECT_EQ(tls_detail::Ja4(ch), "t10i000000_000000000000_000000000000");
  ch.alpn = {std::string("\xab\x01\xcd", 3)};
  EXPECT_EQ(tls_detail::Ja4(ch).substr(0, 10), "t10i0000ad");
  EXPECT_TRUE(tls_detail::IsGrease(0xfafa));
  EXPECT_FALSE(tls_detail::IsGrease(0xfa0a));
}

std::string Record(uint8_t type, std::string_view body, uint16_t version = 0x0303) {
  std::string r;
  r.push_back(static_cast<char>(type));
  r.push_back(static_cast<char>(version >> 8));
  r.push_back(static_cast<char>(version & 0xff));
  r.push_back(static_cast<char>(body.size() >> 8));
  r.push_back(static_cast<char>(body.size() & 0xff));
  r.append(body);
  return r;
}

std::string Handshake(uint8_t type, std::string_view body) {
  std::string h;
  h.push_back(static_cast<char>(type));
  h.push_back(static_cast<char>(body.size() >> 16));
  h.push_back(static_cast<char>(body.size() >> 8));
  h.push_back(static_cast<char>(body.size()));
  h.append(body);
  return h;
}

// A minimal ClientHello with SNI "example.com" and ALPN "h2".
std::string ClientHelloBody() {
  std::string b = testing::FromHex("0303");
  b.append(32, '\x11');
  b.push_back('\0');                             // session id
  b.append(testing::FromHex("0004 1301 c02f"));  // ciphers
  b.append(testing::FromHex("01 00"));           // compression
  std::string sni = testing::FromHex("0000 0010 000e 00 000b") + "example.com";
  std::string alpn = testing::FromHex("0010 0005 0003 02") + "h2";
  std::string exts = sni + alpn;
  b.push_back(static_cast<char>(exts.size() >> 8));
  b.push_back(static_cast<char>(exts.size()));
  b.append(exts);
  return b;
}

TEST(TlsSynthetic, ClientHelloOnlyIsEmittedAtFinish) {
  AnalyzerHarness h(6, 443);
  auto a = NewTlsAnalyzer();
  h.Deliver(*a, Direction::kToServer, Record(22, Handshake(1, ClientHelloBody()), 0x0301), 3);
  EXPECT_EQ(h.batch.count(StreamId::kTls), 0u);
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, StreamId::kTls);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["sni"], "example.com");
  EXPECT_EQ(recs[0]["alpn"], nlohmann::json::array({"h2"}));
  EXPECT_EQ(recs[0]["ja4"].get<std::string>().substr(0, 10), "t12d0202h2");
  EXPECT_EQ(h.hints.app, "tls");
  EXPECT_EQ(h.hints.host, "example.com");
  a->Finish(h.ctx);  // idempotent
  EXPECT_EQ(h.batch.count(StreamId::kTls), 1u);
}

TEST(TlsSynthetic, ClientHelloSplitOverManyRecords) {
  const std::string hs = Handshake(1, ClientHelloBody());
  std::string stream;
  for (size_t i = 0; i < hs.size(); i += 5) stream += Record(22, hs.substr(i, 5));
  AnalyzerHarness h(6, 443);
  auto a = NewTlsAnalyzer();
  h.Deliver(*a, Direction::kToServer, stream, 1);
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, StreamId::kTls);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["sni"], "example.com");
  EXPECT_TRUE(h.events.counts.empty());
}

TEST(TlsSynthetic, ServerHelloDoneEmitsAndAppDataIsSkipped) {
  AnalyzerHarness h(6, 443);
  auto a = NewTlsAnalyzer();
  h.Deliver(*a, Direction::kToServer, Record(22, Handshake(1, ClientHelloBody())));
  std::string sh = testing::FromHex("0302");
  sh.append(32, '\x22');
  sh.append(testing::FromHex("00 c02f 00"));
  h.Deliver(*a, Direction::kToClient, Record(22, Handshake(2, sh) + Handshake(14, "")));
  EXPECT_EQ(h.batch.count(StreamId::kTls), 1u);
  std::string app = Record(23, std::string(16000, 'x'));
  for (int i = 0; i < 5; ++i) h.Deliver(*a, Direction::kToClient, app, 1500);
  a->Finish(h.ctx);
  auto recs = ParseLines(h.batch, StreamId::kTls);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["version"], "TLSv11");
  EXPECT_TRUE(h.events.counts.empty());
}

TEST(TlsMalformed, BadRecordTypeStopsDirection) {
  AnalyzerHarness h(6, 443);
  auto a = NewTlsAnalyzer();
  h.Deliver(*a, Direction::kToServer, "GET / HTTP/1.1\r\n\r\n");
  a->Finish(h.ctx);
  EXPECT_EQ(h.events["tls.bad_record"], 1);
  EXPECT_EQ(h.batch.count(StreamId::kTls), 0u);
}

TEST(TlsMalformed, RecordTooLong) {
  AnalyzerHarness h(6, 443);
  auto a = NewTlsAnalyzer();
  h.Deliver(*a, Direction::kToServer, testing::FromHex("16 0303 ffff 01"));
  EXPECT_EQ(h.events["tls.record_too_long"], 1);
}

TEST(TlsMalformed, SslV2ClientHello) {
  AnalyzerHarness h(6, 443);
  auto a = NewTlsAnalyzer();
  // SSLv2 CLIENT-HELLO announcing SSL 3.0, as old clients sent.
  const std::string v2 =
      testing::FromHex("801c 01 0300 0003 0000 0010 000004 0102030405060708090a0b0c0d0e0f10");
  EXPECT_TRUE(
      LooksLikeTls(Direction::kToServer, {reinterpret_cast<const uint8_t*>(v2.data()), v2.size()}));
  h.Deliver(*a, Direction::kToServer, v2, 2);
  a->Finish(h.ctx);
  EXPECT_EQ(h.events["tls.sslv2"], 1);
  auto recs = ParseLines(h.batch, StreamId::kTls);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["version"], "SSLv2");
}

TEST(TlsMalformed, TruncatedClientHelloAndBadCertificate) {
  AnalyzerHarness h(6, 443);
  auto a = NewTlsAnalyzer();
  h.Deliver(*a, Direction::kToServer, Record(22, Handshake(1, "\x03\x03\x01")));
  std::string sh = testing::FromHex("0303");
  sh.append(32, '\x22');
  sh.append(testing::FromHex("00 c02f 00"));
  h.Deliver(*a, Direction::kToClient,
            Record(22, Handshake(2, sh) + Handshake(11, testing::FromHex("000005 000002 3082"))));
  a->Finish(h.ctx);
  EXPECT_EQ(h.events["tls.bad_handshake"], 1);
  EXPECT_EQ(h.events["tls.bad_certificate"], 1);
  EXPECT_EQ(h.batch.count(StreamId::kTls), 1u);
}

TEST(TlsMalformed, GapInHandshakeStopsParsingWithoutCrash) {
  AnalyzerHarness h(6, 443);
  auto a = NewTlsAnalyzer();
  const std::string rec = Record(22, Handshake(1, ClientHelloBody()));
  h.Deliver(*a, Direction::kToServer, rec.substr(0, 20));
  a->Gap(h.ctx, Direction::kToServer, 10);
  h.Deliver(*a, Direction::kToServer, rec.substr(30));
  a->Finish(h.ctx);
  EXPECT_EQ(h.batch.count(StreamId::kTls), 0u);
}

TEST(TlsDetect, LooksLikeTls) {
  auto span = [](const std::string& s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  const std::string ch = Record(22, Handshake(1, ClientHelloBody()), 0x0301);
  EXPECT_TRUE(LooksLikeTls(Direction::kToServer, span(ch)));
  EXPECT_FALSE(LooksLikeTls(Direction::kToClient, span(ch)));
  EXPECT_FALSE(LooksLikeTls(Direction::kToServer, span("GET / HTTP/1.1\r\n")));
  EXPECT_FALSE(LooksLikeTls(Direction::kToServer, span(testing::FromHex("1603"))));
  EXPECT_FALSE(LooksLikeTls(Direction::kToServer, span(testing::FromHex("16 0303 0000 01"))));
}

}  // namespace
}  // namespace netward::analyzers
