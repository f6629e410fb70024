// bench/flow_memory_bench.cc: memory per idle flow and insertion rate of one FlowTable.
// Creates N concurrent flows (default 1,000,000; first argument overrides), one packet each,
// 3 UDP : 1 TCP SYN, then prints RSS growth / N (from /proc/self/statm), sizeof(Flow) and the
// insertion rate, then the rate of a second pass that finds every flow. Usage: flow_memory_bench
// [flows]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "capture/packet.h"
#include "flow/flow_table.h"
#include "lib/bench_cli.h"

namespace {

long RssBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long size = 0, resident = 0;
  if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace netward;
  size_t flows = 1000000;
  CLI::App app{
      "flow_memory_bench: memory per idle flow and insertion and lookup rates of one FlowTable."};
  app.add_option("FLOWS", flows, "concurrent flows to create")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 100000000.0));
  if (int rc = netward::bench::ParseArgs(app, argc, argv); rc >= 0) return rc;
  flow::FlowTableOptions options;
  options.max_flows = flows;
  long rss_before = RssBytes();
  flow::FlowTable table(options, nullptr);

  capture::DecodedPacket p;
  p.ip_len = 60;
  p.has_mac = true;
  auto make = [&p](size_t i) {
    // Distinct 4-tuples: client 10.x.y.z, port from i; server fixed per protocol.
    uint32_t client = 0x0a000000u | static_cast<uint32_t>(i >> 4);
    p.src_ip = IpAddress::FromV4HostOrder(client);
    p.dst_ip = IpAddress::FromV4HostOrder(0xc0000201u);
    p.src_port = static_cast<uint16_t>(1024 + (i & 15));
    p.ts = static_cast<TimestampUs>(i);
    if (i % 4 == 0) {
      p.ip_proto = capture::kIpProtoTcp;
      p.tcp_flags = capture::kTcpSyn;
      p.dst_port = 443;
    } else {
      p.ip_proto = capture::kIpProtoUdp;
      p.tcp_flags = 0;
      p.dst_port = 53;
    }
  };
  int dir;
  bool created;
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < flows; ++i) {
    make(i);
    table.Track(p, &dir, &created);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long rss_after = RssBytes();
  // Second pass: every packet finds its flow (the steady-state per-packet cost).
  start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < flows; ++i) {
    make(i);
    table.Track(p, &dir, &created);
  }
  double lookup_secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (table.size() != flows) {
    std::fprintf(stderr, "expected %zu flows, table holds %zu\n", flows, table.size());
    return 1;
  }
  std::printf(
      "flows=%zu rss_bytes_per_flow=%ld sizeof_flow=%zu insert_rate=%.0f/s "
      "lookup_rate=%.0f/s\n",
      flows, (rss_after - rss_before) / static_cast<long>(flows), sizeof(flow::Flow), flows / secs,
      flows / lookup_secs);
  return 0;
}
