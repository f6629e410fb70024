// The content filter inside the probe's worker: packets in, alert records and BlockRequests out.
// A fake Blocker records what it is asked: the sequence numbers must be the ones of the packets
// (what each side sends next), the MACs and VLAN those of the packet that completed the match,
// the DNS query the captured datagram. Also: block = off (no Blocker) alerts only, a hot reload
// mid-flow applies to the flow's next data, and nothing is scanned after a block.
#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "filter/flow_filter.h"
#include "probe/dns_name_cache.h"
#include "probe/worker.h"
#include "unit/filter/rule_test_util.h"

namespace netward::probe {
namespace {

using filter::BlockRequest;
using filter::testing::CompileToml;

class LinesSink : public record::RecordSink {
 public:
  void Consume(const record::RecordBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < record::kStreamCount; ++i) {
      std::istringstream in{std::string(batch.lines(static_cast<record::StreamId>(i)))};
      std::string line;
      while (std::getline(in, line)) lines[i].push_back(line);
    }
  }
  const std::vector<std::string>& of(record::StreamId id) { return lines[static_cast<size_t>(id)]; }
  std::mutex mu_;
  std::array<std::vector<std::string>, record::kStreamCount> lines;
};

// Records every request (copying the DNS query, which is a view) and answers `answer`.
class FakeBlocker : public filter::Blocker {
 public:
  Result<std::string> Block(const BlockRequest& r) override {
    requests.push_back(r);
    queries.emplace_back(r.dns_query);
    if (!fail.empty()) return Status::IOError("inject", fail);
    return answer;
  }
  std::vector<BlockRequest> requests;
  std::vector<std::string> queries;
  std::string answer = "tcp_reset";
  std::string fail;
};

std::string Field(std::string_view line, std::string_view name) {
  std::string key = "\"" + std::string(name) + "\":\"";
  size_t p = line.find(key);
  if (p == std::string_view::npos) return "<missing>";
  p += key.size();
  return std::string(line.substr(p, line.find('"', p) - p));
}

// Names 10.0.0.7 "alice".
class FakeEnricher : public record::RecordEnricher {
 public:
  bool LookupClient(TimestampUs, const IpAddress& src_ip, uint16_t, const IpAddress&, uint16_t,
                    record::ClientIdentity* out) const override {
    if (src_ip != *IpAddress::Parse("10.0.0.7")) return false;
    out->account = "alice";
    return true;
  }
};

constexpr uint8_t kClientMac[6] = {0x02, 0, 0, 0, 0, 0x07};
constexpr uint8_t kServerMac[6] = {0x02, 0, 0, 0, 0, 0x80};

class WorkerFilterTest : public ::testing::Test {
 protected:
  WorkerFilterTest() : runtime_(Config(), &engine_, &blocker_) {}
  static filter::FilterConfig Config() {
    filter::FilterConfig c;
    c.enabled = true;
    c.block = filter::BlockMode::kPassive;
    return c;
  }

  // One packet; `to_server` picks the direction. Payload bytes are kept alive by the fixture.
  capture::DecodedPacket Tcp(bool to_server, uint8_t flags, uint32_t seq, uint32_t ack,
                             const std::string& payload = {}) {
    payloads_.push_back(payload);
    capture::DecodedPacket p;
    p.ts = (ts_ += 1000);
    p.src_ip = to_server ? client_ : server_;
    p.dst_ip = to_server ? server_ : client_;
    p.src_port = to_server ? 40000 : 80;
    p.dst_port = to_server ? 80 : 40000;
    p.ip_proto = capture::kIpProtoTcp;
    p.tcp_flags = flags;
    p.tcp_seq = seq;
    p.tcp_ack = ack;
    p.vlan = 100;
    p.has_mac = true;
    std::copy_n(to_server ? kClientMac : kServerMac, 6, p.src_mac);
    std::copy_n(to_server ? kServerMac : kClientMac, 6, p.dst_mac);
    p.payload = reinterpret_cast<const uint8_t*>(payloads_.back().data());
    p.payload_len = p.payload_wire_len = static_cast<uint32_t>(payload.size());
    p.ip_len = 40 + p.payload_len;
    return p;
  }

  filter::RuleEngine engine_;
  FakeBlocker blocker_;
  FakeEnricher enricher_;
  filter::FilterRuntime runtime_;
  LinesSink sink_;
  DnsNameCache names_;
  IpAddress client_ = *IpAddress::Parse("10.0.0.7");
  IpAddress server_ = *IpAddress::Parse("192.0.2.80");
  TimestampUs ts_ = 1700000000000000;
  std::deque<std::string> payloads_;
};

constexpr const char* kRules = R"(
version = "2026.11.23-1"
[[rule]]
id = "gamble-block"
category = "gambling"
severity = "critical"
action = "block"
scopes = ["http_body", "dns"]
keyword = "赌博"
[[rule]]
id = "bad-domain"
category = "malware"
action = "block"
scopes = ["dns"]
domain = "bad.example"
)";

TEST_F(WorkerFilterTest, HttpBlockCarriesTheSequenceNumbersOfTheCapture) {
  auto rules = CompileToml(kRules);
  ASSERT_TRUE(rules);
  runtime_.Install(rules);
  Worker w(ProbeConfig{}, &sink_, &names_, true, &enricher_, &runtime_);
  const uint32_t c0 = 1000, s0 = 5000;
  const std::string req = "GET /casino HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
  const std::string body1 = "欢迎来到赌", body2 = "博网站";
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(body1.size() + body2.size()) + "\r\n\r\n";
  using capture::kTcpAck, capture::kTcpSyn, capture::kTcpPsh;
  w.Process(Tcp(true, kTcpSyn, c0, 0));
  w.Process(Tcp(false, kTcpSyn | kTcpAck, s0, c0 + 1));
  w.Process(Tcp(true, kTcpAck, c0 + 1, s0 + 1));
  w.Process(Tcp(true, kTcpAck | kTcpPsh, c0 + 1, s0 + 1, req));
  const uint32_t c_next = c0 + 1 + static_cast<uint32_t>(req.size());
  w.Process(Tcp(false, kTcpAck, s0 + 1, c_next, head + body1));
  EXPECT_TRUE(blocker_.requests.empty());  // half the keyword so far
  const uint32_t s2 = s0 + 1 + static_cast<uint32_t>(head.size() + body1.size());
  w.Process(Tcp(false, kTcpAck | kTcpPsh, s2, c_next, body2));
  ASSERT_EQ(blocker_.requests.size(), 1u);
  const BlockRequest& r = blocker_.requests[0];
  EXPECT_EQ(r.kind, BlockRequest::Kind::kTcp);
  EXPECT_EQ(r.client_ip, client_);
  EXPECT_EQ(r.server_ip, server_);
  EXPECT_EQ(r.client_port, 40000);
  EXPECT_EQ(r.server_port, 80);
  EXPECT_TRUE(r.tcp_state_known);
  EXPECT_EQ(r.client_next_seq, c_next);
  EXPECT_EQ(r.server_next_seq, s2 + static_cast<uint32_t>(body2.size()));
  EXPECT_EQ(std::vector<uint8_t>(r.client_mac.begin(), r.client_mac.end()),
            std::vector<uint8_t>(kClientMac, kClientMac + 6));
  EXPECT_EQ(std::vector<uint8_t>(r.server_mac.begin(), r.server_mac.end()),
            std::vector<uint8_t>(kServerMac, kServerMac + 6));
  EXPECT_EQ(r.vlan, 100);
  EXPECT_FALSE(r.http_block_page);  // block_page = false in the config

  // Blocked: more of the keyword in the flow asks nothing more.
  w.Process(
      Tcp(true, kTcpAck | kTcpPsh, c_next, s2, "POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\n赌博"));
  EXPECT_EQ(blocker_.requests.size(), 1u);
  w.Finish(ts_);
  const auto& alerts = sink_.of(record::StreamId::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Field(alerts[0], "rule_id"), "gamble-block");
  EXPECT_EQ(Field(alerts[0], "action"), "block");
  EXPECT_EQ(Field(alerts[0], "taken"), "tcp_reset");
  EXPECT_EQ(Field(alerts[0], "scope"), "http_body");
  EXPECT_EQ(Field(alerts[0], "bundle_version"), "2026.11.23-1");
  EXPECT_EQ(Field(alerts[0], "host"), "www.example.com");
  EXPECT_EQ(Field(alerts[0], "url"), "http://www.example.com/casino");
  EXPECT_EQ(Field(alerts[0], "src_ip"), "10.0.0.7");
  EXPECT_EQ(Field(alerts[0], "account"), "alice");  // the batch's enricher names the client
}

TEST_F(WorkerFilterTest, MidstreamPickupTakesTheOtherSideFromTheAck) {
  auto rules = CompileToml(kRules);
  ASSERT_TRUE(rules);
  runtime_.Install(rules);
  Worker w(ProbeConfig{}, &sink_, &names_, true, nullptr, &runtime_);
  const std::string req = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n赌博";
  w.Process(Tcp(true, capture::kTcpAck | capture::kTcpPsh, 777, 999999, req));
  ASSERT_EQ(blocker_.requests.size(), 1u);
  EXPECT_TRUE(blocker_.requests[0].tcp_state_known);
  EXPECT_EQ(blocker_.requests[0].client_next_seq, 777 + req.size());
  EXPECT_EQ(blocker_.requests[0].server_next_seq, 999999u);
}

std::string DnsQuery(const std::string& name) {
  std::string q = {'\x12', '\x34', '\x01', '\x00', '\x00', '\x01', 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q += static_cast<char>(dot - start);
    q += name.substr(start, dot - start);
    start = dot + 1;
  }
  q += std::string{'\0', '\0', '\x01', '\0', '\x01'};
  return q;
}

TEST_F(WorkerFilterTest, DnsBlockHandsOverTheQuery) {
  auto rules = CompileToml(kRules);
  ASSERT_TRUE(rules);
  runtime_.Install(rules);
  blocker_.answer = "dns_nxdomain";
  Worker w(ProbeConfig{}, &sink_, &names_, true, nullptr, &runtime_);
  const std::string query = DnsQuery("www.bad.example");
  capture::DecodedPacket p = Tcp(true, 0, 0, 0, query);
  p.ip_proto = capture::kIpProtoUdp;
  p.src_port = 33333;
  p.dst_port = 53;
  w.Process(p);
  ASSERT_EQ(blocker_.requests.size(), 1u);
  EXPECT_EQ(blocker_.requests[0].kind, BlockRequest::Kind::kDns);
  EXPECT_EQ(blocker_.queries[0], query);
  EXPECT_EQ(blocker_.requests[0].client_port, 33333);
  EXPECT_EQ(blocker_.requests[0].server_port, 53);
  w.Finish(ts_);
  const auto& alerts = sink_.of(record::StreamId::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Field(alerts[0], "rule_id"), "bad-domain");
  EXPECT_EQ(Field(alerts[0], "scope"), "dns");
  EXPECT_EQ(Field(alerts[0], "proto"), "udp");
  EXPECT_EQ(Field(alerts[0], "host"), "www.bad.example");
  EXPECT_EQ(Field(alerts[0], "taken"), "dns_nxdomain");
}

TEST_F(WorkerFilterTest, FailedOrAbsentBlockerIsRecorded) {
  auto rules = CompileToml(kRules);
  ASSERT_TRUE(rules);
  runtime_.Install(rules);
  blocker_.fail = "no route";
  {
    Worker w(ProbeConfig{}, &sink_, &names_, true, nullptr, &runtime_);
    w.Process(
        Tcp(true, capture::kTcpAck, 1, 1, "POST /p HTTP/1.1\r\nContent-Length: 6\r\n\r\n赌博"));
    w.Finish(ts_);
  }
  filter::FilterRuntime no_blocker(filter::FilterConfig{}, &engine_, nullptr);
  no_blocker.RulesChanged();
  {
    Worker w(ProbeConfig{}, &sink_, &names_, true, nullptr, &no_blocker);
    w.Process(
        Tcp(true, capture::kTcpAck, 1, 1, "POST /p HTTP/1.1\r\nContent-Length: 6\r\n\r\n赌博"));
    w.Finish(ts_);
  }
  const auto& alerts = sink_.of(record::StreamId::kAlert);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(Field(alerts[0], "taken"), "block_failed: inject: no route");
  EXPECT_EQ(Field(alerts[1], "taken"), "alerted");
}

TEST_F(WorkerFilterTest, HotReloadMidFlowAppliesToItsNextData) {
  auto v1 = CompileToml(R"(
version = "v1"
[[rule]]
id = "a"
category = "x"
scopes = ["http_body"]
keyword = "第一个"
)");
  auto v2 = CompileToml(R"(
version = "v2"
[[rule]]
id = "b"
category = "x"
scopes = ["http_body"]
keyword = "第二个"
)");
  ASSERT_TRUE(v1 && v2);
  runtime_.Install(v1);
  Worker w(ProbeConfig{}, &sink_, &names_, true, nullptr, &runtime_);
  const std::string head =
      "POST /p HTTP/1.1\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Length: 18\r\n\r\n";
  w.Process(Tcp(true, capture::kTcpAck, 1, 1, head + "第二个"));  // v1: no rule for it
  runtime_.Install(v2);
  w.Process(Tcp(true, capture::kTcpAck, 1 + static_cast<uint32_t>(head.size() + 9), 1, "第二个"));
  w.Finish(ts_);
  const auto& alerts = sink_.of(record::StreamId::kAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Field(alerts[0], "rule_id"), "b");
  EXPECT_EQ(Field(alerts[0], "bundle_version"), "v2");
  EXPECT_EQ(Field(alerts[0], "taken"), "alerted");
  EXPECT_TRUE(blocker_.requests.empty());
}

}  // namespace
}  // namespace netward::probe
