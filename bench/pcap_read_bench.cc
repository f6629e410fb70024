// bench/pcap_read_bench.cc: the floor every other benchmark row is compared with: a libpcap
// loop that only reads each packet of a pcap file (pcap_next_ex) and sums its captured length.
// Usage: pcap_read_bench [--stdio-buffer-kb N] FILE
// With --stdio-buffer-kb the file is read through a stdio buffer of N KiB (as netward's
// PcapFileSource does, 1024 KiB) instead of libpcap's default: the fair floor for the reader
// alone, since default stdio reads 4 KiB per system call.
// Prints one line: packets=N bytes=B seconds=S gbps=G pps=P (bytes = sum of captured lengths,
// seconds = wall time of the read loop, file open excluded). Exit status 1 if the file cannot
// be read or is cut short.
#include <pcap/pcap.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lib/bench_cli.h"

int main(int argc, char** argv) {
  size_t buffer_kb = 0;
  std::string path;
  CLI::App app{
      "pcap_read_bench: the floor other benchmark rows are compared with: a libpcap loop that "
      "only reads each packet of a pcap file and sums its captured length. Prints packets=N "
      "bytes=B seconds=S gbps=G pps=P."};
  app.add_option("--stdio-buffer-kb", buffer_kb,
                 "read through a stdio buffer of N KiB (netward's PcapFileSource uses 1024) "
                 "instead of libpcap's default 4 KiB reads")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  app.add_option("FILE", path, "pcap file")->required();
  if (int rc = netward::bench::ParseArgs(app, argc, argv); rc >= 0) return rc;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = nullptr;
  std::vector<char> buffer(buffer_kb << 10);
  if (buffer_kb) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
      std::perror(path.c_str());
      return 1;
    }
    std::setvbuf(f, buffer.data(), _IOFBF, buffer.size());
    p = pcap_fopen_offline(f, err);
  } else {
    p = pcap_open_offline(path.c_str(), err);
  }
  if (!p) {
    std::fprintf(stderr, "pcap_read_bench: %s\n", err);
    return 1;
  }
  uint64_t packets = 0, bytes = 0;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc;
  auto start = std::chrono::steady_clock::now();
  while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
    ++packets;
    bytes += hdr->caplen;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (rc == PCAP_ERROR) {
    std::fprintf(stderr, "pcap_read_bench: %s: %s\n", path.c_str(), pcap_geterr(p));
    pcap_close(p);
    return 1;
  }
  pcap_close(p);
  if (secs <= 0) secs = 1e-9;
  std::printf("packets=%llu bytes=%llu seconds=%.3f gbps=%.2f pps=%.0f\n",
              static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes),
              secs, static_cast<double>(bytes) * 8 / secs / 1e9,
              static_cast<double>(packets) / secs);
  return 0;
}
