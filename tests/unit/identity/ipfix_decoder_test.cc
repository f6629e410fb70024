#include "identity/ipfix_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pcap_udp_payloads.h"

namespace netward::identity {
namespace {

TimestampUs At(const char* iso) { return *ParseIso8601(iso); }
IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }
const IpAddress kExporter = *IpAddress::Parse("192.0.2.1");

// Byte builder for hand-made messages.
struct Bytes {
  std::vector<uint8_t> b;
  Bytes& u8(uint32_t v) {
    b.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  Bytes& u16(uint32_t v) { return u8(v >> 8).u8(v); }
  Bytes& u32(uint32_t v) { return u16(v >> 16).u16(v); }
  Bytes& u64(uint64_t v) {
    return u32(static_cast<uint32_t>(v >> 32)).u32(static_cast<uint32_t>(v));
  }
  Bytes& ip(const char* text) {
    IpAddress a = Ip(text);
    if (a.is_v4()) {
      b.insert(b.end(), a.bytes + 12, a.bytes + 16);
    } else {
      b.insert(b.end(), a.bytes, a.bytes + 16);
    }
    return *this;
  }
  Bytes& raw(const Bytes& o) {
    b.insert(b.end(), o.b.begin(), o.b.end());
    return *this;
  }
};

Bytes Set(uint16_t id, const Bytes& body) {
  return Bytes().u16(id).u16(4 + body.b.size()).raw(body);
}
Bytes Ipfix(uint32_t domain, const std::vector<Bytes>& sets, uint32_t export_time = 1795341600) {
  Bytes body;
  for (const Bytes& s : sets) body.raw(s);
  return Bytes().u16(10).u16(16 + body.b.size()).u32(export_time).u32(1).u32(domain).raw(body);
}

// Template 256: natEvent, obs ms, proto, src, sport, post src, post sport.
Bytes SessionTemplate() {
  return Bytes()
      .u16(256)
      .u16(7)
      .u16(230)
      .u16(1)
      .u16(323)
      .u16(8)
      .u16(4)
      .u16(1)
      .u16(8)
      .u16(4)
      .u16(7)
      .u16(2)
      .u16(225)
      .u16(4)
      .u16(227)
      .u16(2);
}
Bytes SessionRecord(uint8_t event, uint64_t ms, const char* src, uint16_t sport, const char* post,
                    uint16_t pport) {
  return Bytes().u8(event).u64(ms).u8(6).ip(src).u16(sport).ip(post).u16(pport);
}

std::vector<record::NatRecord> Decode(IpfixDecoder* d, const Bytes& m,
                                      const IpAddress& exporter = kExporter) {
  std::vector<record::NatRecord> out;
  d->Decode(exporter, m.b, &out);
  return out;
}

TEST(IpfixDecoder, SessionCreateAndDelete) {
  IpfixDecoder d;
  const uint64_t ms = 1795341600000ULL;
  auto out =
      Decode(&d, Ipfix(1, {Set(2, SessionTemplate()),
                           Set(256, SessionRecord(4, ms, "10.0.0.5", 40000, "203.0.113.7", 1024)
                                        .raw(SessionRecord(5, ms + 30000, "10.0.0.5", 40000,
                                                           "203.0.113.7", 1024)))}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].ts, At("2026-11-22T10:00:00Z"));
  EXPECT_EQ(out[0].end_ts, 0);
  EXPECT_EQ(out[0].proto, "tcp");
  EXPECT_EQ(out[0].inside_ip, Ip("10.0.0.5"));
  EXPECT_EQ(out[0].inside_port, 40000);
  EXPECT_EQ(out[0].outside_ip, Ip("203.0.113.7"));
  EXPECT_EQ(out[0].outside_port, 1024);
  EXPECT_EQ(out[0].source, "ipfix");
  EXPECT_EQ(out[1].end_ts, At("2026-11-22T10:00:30Z"));
  EXPECT_EQ(out[1].ts, out[1].end_ts);  // no flowStart: the collector does not pair events
  EXPECT_EQ(d.stats().templates, 1u);
  EXPECT_EQ(d.stats().nat_records, 2u);
}

TEST(IpfixDecoder, TemplatesAreScopedByExporterAndDomain) {
  IpfixDecoder d;
  Decode(&d, Ipfix(1, {Set(2, SessionTemplate())}));
  Bytes data = Set(256, SessionRecord(4, 1, "10.0.0.5", 1, "203.0.113.7", 2));
  EXPECT_EQ(Decode(&d, Ipfix(2, {data})).size(), 0u);                    // other domain
  EXPECT_EQ(Decode(&d, Ipfix(1, {data}), Ip("192.0.2.99")).size(), 0u);  // other exporter
  EXPECT_EQ(d.stats().missing_template, 2u);
  EXPECT_EQ(Decode(&d, Ipfix(1, {data})).size(), 1u);
}

TEST(IpfixDecoder, WithdrawalOneAndAll) {
  IpfixDecoder d;
  Bytes t257 = SessionTemplate();
  t257.b[1] = 1;  // template id 257, same fields
  Decode(&d, Ipfix(1, {Set(2, SessionTemplate().raw(t257))}));
  EXPECT_EQ(d.template_count(), 2u);
  Decode(&d, Ipfix(1, {Set(2, Bytes().u16(256).u16(0))}));
  EXPECT_EQ(d.template_count(), 1u);
  Decode(&d, Ipfix(1, {Set(2, Bytes().u16(2).u16(0))}));  // all templates of the domain
  EXPECT_EQ(d.template_count(), 0u);
  EXPECT_EQ(d.stats().withdrawals, 2u);
}

TEST(IpfixDecoder, OptionsDataSkippedQuietly) {
  IpfixDecoder d;
  Bytes opt = Bytes().u16(300).u16(2).u16(1).u16(149).u16(4).u16(41).u16(8);
  auto out = Decode(&d, Ipfix(1, {Set(3, opt), Set(300, Bytes().u32(1).u64(7))}));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().options_templates, 1u);
  EXPECT_EQ(d.stats().missing_template, 0u);
  EXPECT_EQ(d.stats().data_records, 0u);
}

TEST(IpfixDecoder, PortBlockWithNumPortsAndVariableLengthField) {
  IpfixDecoder d;
  // natEvent, src, post src, portRangeStart, portRangeNumPorts, enterprise field, varlen field.
  Bytes t = Bytes()
                .u16(400)
                .u16(7)
                .u16(230)
                .u16(1)
                .u16(8)
                .u16(4)
                .u16(225)
                .u16(4)
                .u16(361)
                .u16(2)
                .u16(364)
                .u16(2)
                .u16(0x8000 | 5)
                .u16(2)
                .u32(9)
                .u16(96)
                .u16(65535);
  Bytes rec = Bytes().u8(16).ip("100.64.0.9").ip("203.0.113.8").u16(4096).u16(512).u16(0xffff);
  rec.u8(255).u16(3).u8('a').u8('b').u8('c');  // 3-byte length form of a variable field
  auto out = Decode(&d, Ipfix(1, {Set(2, t), Set(400, rec)}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].inside_ip, Ip("100.64.0.9"));
  EXPECT_EQ(out[0].inside_port, 0);
  EXPECT_EQ(out[0].outside_port, 4096);
  EXPECT_EQ(out[0].outside_port_end, 4607);
  EXPECT_EQ(out[0].ts, At("2026-11-22T10:00:00Z"));  // no time field: the export time
  EXPECT_EQ(out[0].proto, "");
}

TEST(IpfixDecoder, MalformedMessagesAreCounted) {
  IpfixDecoder d;
  std::vector<record::NatRecord> out;
  d.Decode(kExporter, std::vector<uint8_t>{0, 10, 0}, &out);
  d.Decode(kExporter, std::vector<uint8_t>{0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, &out);
  Bytes m = Ipfix(1, {Set(2, SessionTemplate())});
  m.b[3] = 200;  // length beyond the datagram
  d.Decode(kExporter, m.b, &out);
  EXPECT_EQ(d.stats().bad_messages, 3u);
  // A set whose length runs past the message.
  Bytes bad = Ipfix(1, {Bytes().u16(2).u16(100).u16(256)});
  d.Decode(kExporter, bad.b, &out);
  EXPECT_EQ(d.stats().bad_sets, 1u);
  // A template cut in the middle of its fields.
  Bytes cut = SessionTemplate();
  cut.b.resize(10);
  d.Decode(kExporter, Ipfix(1, {Set(2, cut)}).b, &out);
  EXPECT_EQ(d.stats().bad_sets, 2u);
  EXPECT_EQ(d.template_count(), 0u);
  EXPECT_TRUE(out.empty());
}

TEST(IpfixDecoder, TemplateLimits) {
  IpfixDecoder d(IpfixLimits{2, 4});
  Bytes ts;
  for (uint16_t id = 256; id < 260; ++id) ts.u16(id).u16(1).u16(8).u16(4);
  Decode(&d, Ipfix(1, {Set(2, ts)}));
  EXPECT_EQ(d.template_count(), 2u);
  EXPECT_EQ(d.stats().template_limit, 2u);
  Decode(&d, Ipfix(1, {Set(2, SessionTemplate())}));  // 7 fields > 4
  EXPECT_EQ(d.stats().template_limit, 3u);
}

TEST(IpfixDecoder, RecordedCaptureDecodes) {
  IpfixDecoder d;
  std::vector<record::NatRecord> out;
  for (const testing::UdpPayload& p : testing::ReadUdpPayloads(
           std::string(NW_SOURCE_DIR) + "/tests/data/ipfix_nat/ipfix_nat.pcap")) {
    d.Decode(p.dst_port == 4739 ? Ip("192.0.2.1") : Ip("192.0.2.2"), p.bytes, &out);
  }
  ASSERT_EQ(out.size(), 7u);
  EXPECT_EQ(d.stats().messages, 6u);
  EXPECT_EQ(d.stats().missing_template, 2u);
  EXPECT_EQ(d.stats().nat_other_events, 1u);
  EXPECT_EQ(d.stats().bad_sets, 0u);
  EXPECT_EQ(d.stats().options_templates, 2u);
}

}  // namespace
}  // namespace netward::identity
