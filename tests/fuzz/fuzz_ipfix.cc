// tests/fuzz/fuzz_ipfix.cc: the IPFIX / NetFlow v9 NAT decoder. The input is a sequence of
// datagrams separated by the 4 bytes "IPFX"; each is copied to an exact-size buffer (overreads
// trip ASan) and decoded by one decoder, so templates learnt from one datagram apply to the
// next. Odd-numbered datagrams come from a second exporter. Small limits exercise the caps.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "identity/ipfix_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  identity::IpfixDecoder decoder(identity::IpfixLimits{16, 32});
  const uint8_t a[4] = {192, 0, 2, 1};
  const uint8_t b[4] = {192, 0, 2, 2};
  const IpAddress exporters[2] = {IpAddress::FromV4(a), IpAddress::FromV4(b)};
  std::vector<record::NatRecord> out;
  size_t start = 0;
  size_t index = 0;
  while (start <= size) {
    size_t end = start;
    while (end + 4 <= size && std::memcmp(data + end, "IPFX", 4) != 0) ++end;
    if (end + 4 > size) end = size;
    std::vector<uint8_t> exact(data + start, data + end);
    out.clear();
    decoder.Decode(exporters[index % 2], exact, &out);
    for (const record::NatRecord& r : out) {
      if (r.end_ts != 0 && r.ts > r.end_ts) abort();
      if (r.outside_port_end != 0 && r.outside_port_end < r.outside_port) abort();
    }
    if (decoder.template_count() > 16) abort();
    ++index;
    start = end + 4;
  }
  return 0;
}
