// tests/unit/capture/corpus_test.cc: decodes real captures from the shared corpus (Zeek's test
// traces) and checks the flows, VLAN ids and anomalies against Zeek's expected logs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "capture/decoder.h"
#include "capture/pcap_file_source.h"

namespace netward::capture {
namespace {

const std::string kCorpus = NW_CORPUS_DIR;

bool HaveCorpus() {
  struct stat st;
  return stat((kCorpus + "/zeek/traces").c_str(), &st) == 0;
}

#define NW_NEED_CORPUS() \
  if (!HaveCorpus()) GTEST_SKIP() << "no corpus at " << kCorpus

std::string Trace(const std::string& name) { return kCorpus + "/zeek/traces/" + name; }
std::string Baseline(const std::string& name) { return kCorpus + "/zeek/baselines/" + name; }

// A flow without direction: "a|pa|b|pb|proto" with the smaller endpoint first; ICMP ports are 0
// (Zeek logs ICMP type/code there).
std::string FlowKey(std::string a, unsigned pa, std::string b, unsigned pb,
                    const std::string& proto) {
  if (proto == "icmp") pa = pb = 0;
  std::string x = a + "|" + std::to_string(pa), y = b + "|" + std::to_string(pb);
  if (y < x) std::swap(x, y);
  return x + "|" + y + "|" + proto;
}

std::string ProtoName(uint8_t p) {
  switch (p) {
    case kIpProtoTcp:
      return "tcp";
    case kIpProtoUdp:
      return "udp";
    case kIpProtoIcmp:
    case kIpProtoIcmp6:
      return "icmp";
    default:
      return std::to_string(p);
  }
}

struct TraceResult {
  size_t packets = 0, decoded = 0, held = 0, skipped = 0, pppoe_control = 0;
  std::set<std::string> flows;
  std::set<std::pair<uint16_t, uint16_t>> vlans;
  int max_tunnel_depth = 0;
  DecodeCounters counters;
  std::vector<DecodedPacket> first;  // the first few decoded packets
};

TraceResult DecodeTrace(const std::string& name) {
  TraceResult r;
  auto src = PcapFileSource::Open(Trace(name));
  EXPECT_TRUE(src.ok()) << src.status().ToString();
  if (!src.ok()) return r;
  Decoder decoder;
  RawPacket raw;
  DecodedPacket p;
  for (;;) {
    Result<bool> more = (*src)->Next(&raw);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    ++r.packets;
    switch (decoder.Decode(raw, &p)) {
      case DecodeResult::kPacket:
        ++r.decoded;
        r.flows.insert(FlowKey(p.src_ip.ToString(), p.src_port, p.dst_ip.ToString(), p.dst_port,
                               ProtoName(p.ip_proto)));
        r.vlans.insert({p.vlan, p.inner_vlan});
        r.max_tunnel_depth = std::max<int>(r.max_tunnel_depth, p.tunnel_depth);
        if (r.first.size() < 8) r.first.push_back(p);
        EXPECT_LE(p.payload_len, p.payload_wire_len);
        break;
      case DecodeResult::kFragmentHeld:
        ++r.held;
        break;
      case DecodeResult::kSkipped:
        ++r.skipped;
        break;
      case DecodeResult::kPppoeControl:
        ++r.pppoe_control;
        break;
    }
  }
  r.counters = decoder.counters();
  return r;
}

// Rows of a Zeek TSV log as field -> value maps.
std::vector<std::map<std::string, std::string>> ReadZeekLog(const std::string& path) {
  std::vector<std::map<std::string, std::string>> rows;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  std::vector<std::string> fields;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (line.rfind("#fields", 0) == 0) {
      fields.assign(cols.begin() + 1, cols.end());
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < cols.size() && i < fields.size(); ++i) row[fields[i]] = cols[i];
    rows.push_back(row);
  }
  return rows;
}

std::string RowKey(const std::map<std::string, std::string>& row, const std::string& proto) {
  return FlowKey(row.at("id.orig_h"), std::stoul(row.at("id.orig_p")), row.at("id.resp_h"),
                 std::stoul(row.at("id.resp_p")), proto);
}

// Zeek's conn.log flows (minus the outer tunnel connections listed in tunnel.log) must be exactly
// the flows we decoded.
void ExpectFlowsMatchConnLog(const TraceResult& r, const std::string& baseline_dir,
                             bool exact = true) {
  // Tunnel endpoints as address pairs; their UDP connections are the tunnels themselves.
  std::set<std::string> tunnels;
  struct stat st;
  std::string tunnel_log = Baseline(baseline_dir + "/tunnel.log");
  if (stat(tunnel_log.c_str(), &st) == 0) {
    for (const auto& row : ReadZeekLog(tunnel_log))
      tunnels.insert(FlowKey(row.at("id.orig_h"), 0, row.at("id.resp_h"), 0, "udp"));
  }
  std::set<std::string> expected;
  for (const auto& row : ReadZeekLog(Baseline(baseline_dir + "/conn.log"))) {
    std::string pair = FlowKey(row.at("id.orig_h"), 0, row.at("id.resp_h"), 0, "udp");
    if (row.at("proto") == "udp" && tunnels.count(pair)) continue;
    expected.insert(RowKey(row, row.at("proto")));
  }
  ASSERT_FALSE(expected.empty());
  for (const std::string& k : expected) EXPECT_TRUE(r.flows.count(k)) << "missing flow " << k;
  if (exact) {
    for (const std::string& k : r.flows) EXPECT_TRUE(expected.count(k)) << "extra flow " << k;
  }
}

TEST(CorpusTest, QinQ) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("q-in-q.pcap");
  EXPECT_EQ(r.packets, 5u);
  EXPECT_EQ(r.decoded, 4u);
  EXPECT_EQ(r.counters.count(DecodeEvent::kL3NotIp), 1u);  // one ARP
  ExpectFlowsMatchConnLog(r, "core.q-in-q");
  // Outer tag 13, inner tag 10.
  EXPECT_EQ(r.vlans, (std::set<std::pair<uint16_t, uint16_t>>{{13, 10}}));
}

TEST(CorpusTest, Pppoe) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("pppoe.pcap");
  ExpectFlowsMatchConnLog(r, "core.pppoe");
  EXPECT_EQ(r.skipped, r.counters.count(DecodeEvent::kL3NotIp));  // ARP, ...
  EXPECT_GT(r.pppoe_control, 0u);  // PPPoE discovery, LCP, IPCP: for the PPPoE tracker
}

TEST(CorpusTest, PppoeOverQinQ) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("pppoe-over-qinq.pcap");
  ExpectFlowsMatchConnLog(r, "core.pppoe-over-qinq");
  EXPECT_TRUE(r.vlans.count({3704, 2474}) || r.vlans.count({2474, 3704}));
}

TEST(CorpusTest, MplsInVlan) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("mpls-in-vlan.pcap");
  ExpectFlowsMatchConnLog(r, "core.mpls-in-vlan");
  EXPECT_EQ(r.skipped, 0u);
}

TEST(CorpusTest, MixedVlanMpls) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("mixed-vlan-mpls.pcap");
  ExpectFlowsMatchConnLog(r, "core.vlan-mpls");
  EXPECT_TRUE(r.vlans.count({4093, 0}));
  EXPECT_EQ(r.skipped, 0u);
}

TEST(CorpusTest, Ipv6HopByHopRouting0) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("ipv6-hbh-routing0.pcap");
  EXPECT_TRUE(
      r.flows.count(FlowKey("2001:4f8:4:7:2e0:81ff:fe52:ffff", 53, "2001:78:1:32::2", 53, "udp")));
  EXPECT_EQ(r.counters.count(DecodeEvent::kIpv6Routing0Header), 1u);  // Zeek: routing0_hdr
}

TEST(CorpusTest, Ipv6AtomicFragments) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("ipv6-http-atomic-frag.pcap");
  for (unsigned port : {36951u, 59694u, 27393u, 45805u})
    EXPECT_TRUE(r.flows.count(FlowKey("2001:db8:1::2", port, "2001:db8:1::1", 80, "tcp"))) << port;
  size_t tcp_flows = 0;
  for (const std::string& f : r.flows) tcp_flows += f.ends_with("|tcp");
  EXPECT_EQ(tcp_flows, 4u);  // besides, ICMPv6 neighbor discovery
  EXPECT_GT(r.counters.count(DecodeEvent::kIpv6AtomicFragment), 0u);
  EXPECT_EQ(r.skipped, 0u);
}

TEST(CorpusTest, Ipv4Fragments) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("ipv4/fragmented-1.pcap");
  // Zeek: excessively_small_fragment, fragment_size_inconsistency, fragment_inconsistency between
  // 164.1.123.163 and 164.1.123.61: overlapping and inconsistent fragments.
  EXPECT_GT(r.held, 0u);
  EXPECT_GT(r.counters.count(DecodeEvent::kFragOverlap) +
                r.counters.count(DecodeEvent::kFragInconsistent),
            0u);
  // The third fragment reaches past the end the second one set: the datagram is dropped, and
  // Zeek logs no connection for it either.
  EXPECT_GT(r.counters.count(DecodeEvent::kFragInconsistent), 0u);
  for (const std::string& f : r.flows) {
    EXPECT_NE(f.find("164.1.123."), std::string::npos) << f;
  }
}

TEST(CorpusTest, Ipv6FragmentedDns) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("ipv6-fragmented-dns.pcap");
  EXPECT_GT(r.held, 0u);
  for (const auto& row : ReadZeekLog(Baseline("core.ipv6-frag/dns.log")))
    EXPECT_TRUE(r.flows.count(RowKey(row, "udp"))) << RowKey(row, "udp");
  EXPECT_EQ(r.skipped, 0u);
  EXPECT_EQ(r.counters.count(DecodeEvent::kFragTimeout), 0u);
}

TEST(CorpusTest, Gre) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("tunnels/gre-sample.pcap");
  ExpectFlowsMatchConnLog(r, "core.tunnels.gre");
  EXPECT_EQ(r.max_tunnel_depth, 1);
}

TEST(CorpusTest, GrePptp) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("tunnels/gre-pptp.pcap");
  ExpectFlowsMatchConnLog(r, "core.tunnels.gre-pptp");
  EXPECT_EQ(r.max_tunnel_depth, 2);  // IPv4-in-IPv6, then PPTP GRE
}

TEST(CorpusTest, GreOverUdp) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("tunnels/gre-over-udp-4754.pcap");
  ExpectFlowsMatchConnLog(r, "core.tunnels.gre-over-udp");
  EXPECT_EQ(r.max_tunnel_depth, 1);
}

TEST(CorpusTest, SixInFour) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("tunnels/6in4.pcap");
  // core.tunnels.ip-in-ip/output, third block: dead::beef:30000 -> cafe::babe:13000 over 1.2.3.4.
  EXPECT_EQ(r.flows,
            (std::set<std::string>{FlowKey("dead::beef", 30000, "cafe::babe", 13000, "udp")}));
  EXPECT_EQ(r.max_tunnel_depth, 1);
}

TEST(CorpusTest, Vxlan) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("tunnels/vxlan.pcap");
  ExpectFlowsMatchConnLog(r, "core.tunnels.vxlan");
  EXPECT_EQ(r.max_tunnel_depth, 1);
}

TEST(CorpusTest, Teredo) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("tunnels/Teredo.pcap");
  // Not exact: Teredo bubbles (IPv6 with no next header, protocol 59) decode as packets, Zeek
  // makes no connection of them.
  ExpectFlowsMatchConnLog(r, "core.tunnels.teredo", false);
  EXPECT_EQ(r.max_tunnel_depth, 1);
}

TEST(CorpusTest, GtpOuterFragments) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("tunnels/gtp/gtp1_gn_normal_incl_fragmentation.pcap");
  ExpectFlowsMatchConnLog(r, "core.tunnels.gtp.outer_ip_frag");
  EXPECT_GT(r.held, 0u);
  EXPECT_EQ(r.max_tunnel_depth, 1);
}

TEST(CorpusTest, Nflog) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("nflog-http.pcap");
  for (const auto& row : ReadZeekLog(Baseline("core.nflog/http.log")))
    EXPECT_TRUE(r.flows.count(RowKey(row, "tcp"))) << RowKey(row, "tcp");
  EXPECT_EQ(r.skipped, 0u);
}

TEST(CorpusTest, RawPpp) {
  NW_NEED_CORPUS();
  TraceResult r = DecodeTrace("ppp/quic-interop-retry.pcap");
  ExpectFlowsMatchConnLog(r, "core.ppp");
}

TEST(CorpusTest, Truncation) {
  NW_NEED_CORPUS();
  // core.truncation/output: truncated_IP for ip4-trunc and ip6-trunc; core.raw-truncation:
  // truncated_ethernet_frame for trunc-hdr.
  TraceResult r4 = DecodeTrace("trunc/ip4-trunc.pcap");
  EXPECT_EQ(r4.skipped, 1u);
  EXPECT_EQ(r4.counters.count(DecodeEvent::kIpv4TruncatedHeader), 1u);
  TraceResult r6 = DecodeTrace("trunc/ip6-trunc.pcap");
  EXPECT_EQ(r6.skipped, 1u);
  EXPECT_EQ(r6.counters.count(DecodeEvent::kIpv6TruncatedHeader), 1u);
  TraceResult re = DecodeTrace("trunc/trunc-hdr.pcap");
  EXPECT_EQ(re.skipped, 1u);
  EXPECT_EQ(re.counters.count(DecodeEvent::kEthernetTruncated), 1u);
}

TEST(CorpusTest, BogusIpHeaderLength) {
  NW_NEED_CORPUS();
  // Zeek: ip_hdr_len_zero. The IPv4 total length field is 0.
  TraceResult r = DecodeTrace("ip-bogus-header-len.pcap");
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_EQ(r.counters.count(DecodeEvent::kIpv4BadTotalLength), 1u);
}

TEST(CorpusTest, Pcapng) {
  NW_NEED_CORPUS();
  auto src = PcapFileSource::Open(Trace("dhcp/dhcp-unique-xid-join-data-growth.pcapng"));
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_EQ((*src)->linktype(), kLinkEthernet);
  TraceResult r = DecodeTrace("dhcp/dhcp-unique-xid-join-data-growth.pcapng");
  EXPECT_GT(r.decoded, 10u);
  EXPECT_EQ(r.skipped, 0u);
  for (const std::string& f : r.flows) {
    EXPECT_NE(f.find("|67|"), std::string::npos) << f;  // DHCP: udp 67/68
  }
}

}  // namespace
}  // namespace netward::capture
