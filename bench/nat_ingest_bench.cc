// bench/nat_ingest_bench.cc: parse cost of the NAT sources, one thread, no sockets.
// Rows: IPFIX NAT44 session events (create/delete alternating, 20 per datagram, RFC 8158
// elements as a CGNAT exporter sends them), NetFlow v9 the same, Cisco ASA 305011 syslog lines,
// Juniper port-block lines. Events per second of this thread's CPU time, best of 5 passes.
// Usage: nat_ingest_bench [events]   (default 2,000,000)
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "identity/ipfix_decoder.h"
#include "identity/syslog_nat_collector.h"
#include "lib/bench_cli.h"

namespace {
using namespace netward;

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void Put16(std::vector<uint8_t>* b, uint32_t v) {
  b->push_back(static_cast<uint8_t>(v >> 8));
  b->push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>* b, uint32_t v) {
  Put16(b, v >> 16);
  Put16(b, v);
}

// One template message and `datagrams` data messages of 20 NAT44 session events each.
std::vector<std::vector<uint8_t>> MakeMessages(int version, size_t datagrams) {
  const uint16_t fields[][2] = {{230, 1}, {323, 8}, {4, 1},  {8, 4}, {7, 2},
                                {225, 4}, {227, 2}, {12, 4}, {11, 2}};
  const size_t hdr = version == 10 ? 16 : 20;
  auto header = [&](std::vector<uint8_t>* m) {
    m->assign(hdr, 0);
    (*m)[1] = static_cast<uint8_t>(version);
    (*m)[8] = 0x6b;  // export time / unix secs: 2026
  };
  auto finish = [&](std::vector<uint8_t>* m) {
    if (version == 10) {
      (*m)[2] = static_cast<uint8_t>(m->size() >> 8);
      (*m)[3] = static_cast<uint8_t>(m->size());
    }
  };
  std::vector<std::vector<uint8_t>> out;
  std::vector<uint8_t> t;
  header(&t);
  Put16(&t, version == 10 ? 2 : 0);
  Put16(&t, 4 + 4 + 4 * 9);
  Put16(&t, 256);
  Put16(&t, 9);
  for (auto& f : fields) {
    Put16(&t, f[0]);
    Put16(&t, f[1]);
  }
  finish(&t);
  out.push_back(t);
  uint64_t ms = 1795341600000ULL;
  uint32_t n = 0;
  for (size_t d = 0; d < datagrams; ++d) {
    std::vector<uint8_t> m;
    header(&m);
    Put16(&m, 256);
    Put16(&m, 4 + 20 * 28);  // 28 bytes per record
    for (int i = 0; i < 20; ++i, ++n, ms += 3) {
      m.push_back(n % 2 ? 5 : 4);
      Put32(&m, static_cast<uint32_t>(ms >> 32));
      Put32(&m, static_cast<uint32_t>(ms));
      m.push_back(6);
      Put32(&m, 0x64400000u | (n / 2 % 100000));
      Put16(&m, 1024 + n / 2 % 60000);
      Put32(&m, 0xcb007100u | (n / 2 % 64));
      Put16(&m, 1024 + n / 2 % 64000);
      Put32(&m, 0xc6336400u | (n % 200));
      Put16(&m, 443);
    }
    finish(&m);
    out.push_back(std::move(m));
  }
  return out;
}

double BenchIpfix(int version, size_t events) {
  auto msgs = MakeMessages(version, events / 20);
  const IpAddress exporter = *IpAddress::Parse("192.0.2.1");
  std::vector<record::NatRecord> out;
  out.reserve(32);
  double best = 1e9;
  for (int pass = 0; pass < 5; ++pass) {
    identity::IpfixDecoder d;
    const double t0 = CpuSeconds();
    for (const auto& m : msgs) {
      out.clear();
      d.Decode(exporter, m, &out);
    }
    best = std::min(best, CpuSeconds() - t0);
    if (d.stats().nat_records != (msgs.size() - 1) * 20) {
      std::fprintf(stderr, "nat_ingest_bench: decoded %llu records, expected %zu\n",
                   static_cast<unsigned long long>(d.stats().nat_records), (msgs.size() - 1) * 20);
      std::exit(1);
    }
  }
  return static_cast<double>((msgs.size() - 1) * 20) / best;
}

double BenchSyslog(const std::vector<std::string>& lines) {
  double best = 1e9;
  for (int pass = 0; pass < 5; ++pass) {
    identity::SyslogNatProcessor p(nullptr, 0);
    const double t0 = CpuSeconds();
    for (const std::string& l : lines) p.HandleLine(l, 1795341600000000LL);
    best = std::min(best, CpuSeconds() - t0);
    if (p.stats().mappings != lines.size()) std::exit(1);
  }
  return static_cast<double>(lines.size()) / best;
}

}  // namespace

int main(int argc, char** argv) {
  size_t events = 2000000;
  CLI::App app{
      "nat_ingest_bench: parse cost of the NAT sources (IPFIX, NetFlow v9, two syslog formats), "
      "one thread, no sockets; prints events/s of this thread's CPU time, best of 5 passes."};
  app.add_option("EVENTS", events,
                 "events per source (IPFIX, NetFlow v9, ASA and Juniper syslog lines)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1000000000.0));
  if (int rc = netward::bench::ParseArgs(app, argc, argv); rc >= 0) return rc;
  std::printf("| source | events/s (one core, CPU time) |\n| --- | --- |\n");
  std::printf("| IPFIX NAT44 session events | %.0f |\n", BenchIpfix(10, events));
  std::printf("| NetFlow v9 NAT44 session events | %.0f |\n", BenchIpfix(9, events));
  std::vector<std::string> asa, pba;
  for (size_t i = 0; i < events / 10; ++i) {
    asa.push_back(
        "<166>Nov 22 2026 10:04:05: %ASA-6-305011: Built dynamic TCP translation from "
        "inside:10.1." +
        std::to_string(i / 250 % 250) + "." + std::to_string(i % 250) + "/" +
        std::to_string(1024 + i % 60000) + " to outside:203.0.113.5/" +
        std::to_string(1024 + i % 64000));
    pba.push_back(
        "<134>Nov 22 10:04:05 mx-cgn {cgn}[jservices-nat]: "
        "JSERVICES_NAT_PORT_BLOCK_ALLOC: 100.64." +
        std::to_string(i / 250 % 250) + "." + std::to_string(i % 250) +
        " -> 203.0.113.1:2048-2303 0x6b02be15");
  }
  std::printf("| syslog Cisco ASA 305011 lines | %.0f |\n", BenchSyslog(asa));
  std::printf("| syslog Juniper port-block lines | %.0f |\n", BenchSyslog(pba));
  return 0;
}
