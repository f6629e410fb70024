#include "analyzers/pppoe.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "analyzer_test_util.h"
#include "capture/decoder.h"
#include "capture/pcap_file_source.h"

namespace netward::analyzers {
namespace {

using testing::CountingEvents;
using testing::ParseLines;

const uint8_t kClient[6] = {0x02, 0, 0, 0, 0, 0x01};
const uint8_t kAc[6] = {0x02, 0, 0, 0, 0, 0xac};

// A PPPoE frame body: header (ver/type 0x11, code, session, length) + payload.
std::vector<uint8_t> Pppoe(uint8_t code, uint16_t sid, std::vector<uint8_t> payload) {
  std::vector<uint8_t> f = {0x11,
                            code,
                            static_cast<uint8_t>(sid >> 8),
                            static_cast<uint8_t>(sid),
                            static_cast<uint8_t>(payload.size() >> 8),
                            static_cast<uint8_t>(payload.size())};
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}
// PPP control packet: protocol, code, id, length, data.
std::vector<uint8_t> Ppp(uint16_t proto, uint8_t code, std::vector<uint8_t> data) {
  uint16_t len = static_cast<uint16_t>(data.size() + 4);
  std::vector<uint8_t> p = {static_cast<uint8_t>(proto >> 8), static_cast<uint8_t>(proto), code, 1,
                            static_cast<uint8_t>(len >> 8),   static_cast<uint8_t>(len)};
  p.insert(p.end(), data.begin(), data.end());
  return p;
}
std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

struct Harness {
  PppoeTracker tracker;
  record::RecordBatch batch{"T"};
  CountingEvents events;
  void Send(TimestampUs ts, uint16_t ethertype, const uint8_t* src, const uint8_t* dst,
            const std::vector<uint8_t>& body) {
    std::vector<uint8_t> exact(body);  // exact size: ASan sees overreads
    tracker.Process(PppoeFrame{ts, ethertype, src, dst, std::span<const uint8_t>(exact)}, &batch,
                    &events);
  }
  std::vector<nlohmann::json> Logins() { return ParseLines(batch, record::StreamId::kLogin); }
};

constexpr TimestampUs kT0 = 1700000000000000LL;

TEST(PppoeTest, ChapLoginThenPadt) {
  Harness h;
  h.Send(kT0, 0x8863, kClient, kAc, Pppoe(0x19, 0, {}));     // PADR
  h.Send(kT0, 0x8863, kAc, kClient, Pppoe(0x65, 0x2a, {}));  // PADS, session 0x2a
  h.Send(kT0, 0x8864, kAc, kClient, Pppoe(0, 0x2a, Ppp(0xc223, 1, {4, 1, 2, 3, 4, 'a', 'c'})));
  h.Send(kT0, 0x8864, kClient, kAc,
         Pppoe(0, 0x2a, Ppp(0xc223, 2, {2, 9, 9, 'b', 'o', 'b', '@', 'i', 's', 'p'})));
  h.Send(kT0, 0x8864, kAc, kClient, Pppoe(0, 0x2a, Ppp(0xc223, 3, Bytes("Welcome"))));
  // The client acks the AC's own address: not the subscriber's.
  h.Send(kT0, 0x8864, kClient, kAc, Pppoe(0, 0x2a, Ppp(0x8021, 2, {3, 6, 10, 0, 0, 1})));
  EXPECT_TRUE(h.Logins().empty());
  h.Send(kT0 + 1, 0x8864, kAc, kClient, Pppoe(0, 0x2a, Ppp(0x8021, 2, {3, 6, 100, 64, 0, 7})));
  h.Send(kT0 + 90 * kUsPerSecond, 0x8863, kAc, kClient, Pppoe(0xa7, 0x2a, {}));  // PADT
  auto recs = h.Logins();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["event"], "start");
  EXPECT_EQ(recs[0]["source"], "pppoe");
  EXPECT_EQ(recs[0]["account"], "bob@isp");
  EXPECT_EQ(recs[0]["ip"], "100.64.0.7");
  EXPECT_EQ(recs[0]["mac"], "02:00:00:00:00:01");
  EXPECT_EQ(recs[0]["session_id"], "002a");
  EXPECT_EQ(recs[1]["event"], "stop");
  EXPECT_EQ(recs[1]["account"], "bob@isp");
  EXPECT_EQ(recs[1]["duration_s"], 89);
  EXPECT_EQ(recs[1]["terminate_cause"], "padt");
  EXPECT_EQ(h.tracker.sessions(), 0u);
  EXPECT_TRUE(h.events.counts.empty());
}

TEST(PppoeTest, PapMidSessionAndLcpTerminate) {
  Harness h;  // no PADS seen: the PAP request tells who the client is
  h.Send(kT0, 0x8864, kClient, kAc,
         Pppoe(7, 5, Ppp(0xc023, 1, {5, 'a', 'l', 'i', 'c', 'e', 3, 's', 'e', 'c'})));
  h.Send(kT0, 0x8864, kAc, kClient, Pppoe(7, 5, Ppp(0xc023, 2, {0})));
  h.Send(kT0, 0x8864, kAc, kClient, Pppoe(7, 5, Ppp(0x8021, 2, {3, 6, 10, 0, 2, 16})));
  h.Send(kT0 + 5 * kUsPerSecond, 0x8864, kClient, kAc, Pppoe(7, 5, Ppp(0xc021, 5, {})));
  h.Send(kT0 + 5 * kUsPerSecond, 0x8864, kAc, kClient, Pppoe(7, 5, Ppp(0xc021, 6, {})));
  auto recs = h.Logins();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["account"], "alice");
  EXPECT_EQ(recs[1]["event"], "stop");
  EXPECT_EQ(recs[1]["terminate_cause"], "lcp_terminate");
  EXPECT_EQ(recs[1]["duration_s"], 5);
  for (const auto& r : recs) EXPECT_EQ(r.dump().find("sec"), std::string::npos);  // no password
}

TEST(PppoeTest, FailuresAndMalformedFramesAreCounted) {
  Harness h;
  h.Send(kT0, 0x8863, kAc, kClient, Pppoe(0x65, 9, {}));
  h.Send(kT0, 0x8864, kAc, kClient, Pppoe(0, 9, Ppp(0xc223, 4, Bytes("bad"))));
  EXPECT_EQ(h.events["pppoe.auth_failure"], 1);
  h.Send(kT0, 0x8864, kAc, kClient, {0x11, 0, 0});
  h.Send(kT0, 0x8864, kAc, kClient, {0x22, 0, 0, 9, 0, 0});
  EXPECT_EQ(h.events["pppoe.bad_version"], 1);
  h.Send(kT0, 0x8864, kAc, kClient, Pppoe(0, 9, {0xc0, 0x21, 1, 1, 0, 40}));  // length past end
  h.Send(kT0, 0x8864, kAc, kClient, Pppoe(0, 9, Ppp(0x8021, 2, {3, 6, 10, 0})));
  h.Send(kT0, 0x8864, kClient, kAc, Pppoe(0, 9, Ppp(0xc223, 2, {200, 1})));
  EXPECT_EQ(h.events["pppoe.truncated_control"], 4);
  std::vector<uint8_t> long_name = {1, 0};
  long_name.resize(1 + 1 + 300, 'x');
  h.Send(kT0, 0x8864, kClient, kAc, Pppoe(0, 9, Ppp(0xc223, 2, long_name)));
  EXPECT_EQ(h.events["pppoe.name_too_long"], 1);
  EXPECT_TRUE(h.Logins().empty());
  // Every prefix of a valid control frame is safe.
  auto good = Pppoe(0, 9, Ppp(0x8021, 2, {3, 6, 10, 0, 0, 9}));
  for (size_t n = 0; n < good.size(); ++n) {
    h.Send(kT0, 0x8864, kAc, kClient, std::vector<uint8_t>(good.begin(), good.begin() + n));
  }
}

TEST(PppoeTest, SessionTableIsBounded) {
  Harness h;
  uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0};
  for (size_t i = 0; i <= PppoeTracker::kMaxSessions; ++i) {
    mac[3] = static_cast<uint8_t>(i >> 16);
    mac[4] = static_cast<uint8_t>(i >> 8);
    mac[5] = static_cast<uint8_t>(i);
    h.Send(kT0, 0x8863, kAc, mac, Pppoe(0x65, 1, {}));
  }
  EXPECT_EQ(h.tracker.sessions(), PppoeTracker::kMaxSessions);
  EXPECT_EQ(h.events["pppoe.session_table_full"], 1);
}

// pppoe.pcap (Zeek corpus): PADI..PADS for session 0x11, LCP, PAP "cisco", IPCP gives
// 10.0.2.16 (after a Configure-Nak), IPv6 traffic; no PADT.
TEST(PppoeTest, CorpusPapSessionThroughTheDecoder) {
  std::string path = std::string(NW_CORPUS_DIR) + "/zeek/traces/pppoe.pcap";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no corpus";
  auto src = capture::PcapFileSource::Open(path);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  capture::Decoder decoder;
  capture::RawPacket raw;
  capture::DecodedPacket p;
  Harness h;
  int control = 0;
  for (;;) {
    auto more = (*src)->Next(&raw);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    if (decoder.Decode(raw, &p) != capture::DecodeResult::kPppoeControl) continue;
    ++control;
    h.tracker.Process(PppoeFrame{p.ts, p.pppoe_ethertype, p.src_mac, p.dst_mac,
                                 std::span<const uint8_t>(p.payload, p.payload_len)},
                      &h.batch, &h.events);
  }
  EXPECT_GT(control, 20);
  auto recs = h.Logins();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["event"], "start");
  EXPECT_EQ(recs[0]["account"], "cisco");
  EXPECT_EQ(recs[0]["ip"], "10.0.2.16");
  EXPECT_EQ(recs[0]["session_id"], "0011");
  EXPECT_EQ(recs[0]["mac"].get<std::string>().size(), 17u);
  EXPECT_TRUE(h.events.counts.empty());
}

}  // namespace
}  // namespace netward::analyzers
