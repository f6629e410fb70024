// tests/fuzz/fuzz_syslog_nat.cc: the syslog NAT path: framing (RFC 6587), header (RFC 3164 /
// 5424) and every format parser. The first input byte picks the transport (odd: a TCP stream
// through SyslogFramer, cut into two reads at a point the byte also picks; even: one UDP
// datagram); the rest is the bytes received. Every record delivered is checked for the
// invariants the parsers promise.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "identity/syslog_nat_collector.h"
#include "identity/syslog_nat_framer.h"

namespace {

class CheckingSink : public netward::identity::IdentitySink {
 public:
  void OnLogin(const netward::record::LoginRecord&) override {}
  void OnNat(const netward::record::NatRecord& r) override {
    if (r.end_ts != 0 && r.ts > r.end_ts) abort();
    if (r.outside_port_end != 0 && r.outside_port_end < r.outside_port) abort();
    if (r.source != "syslog") abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward::identity;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  ++data, --size;
  CheckingSink sink;
  SyslogNatProcessor processor(&sink, (mode >> 1) % 2 ? 8 * 3600 : 0);
  const netward::TimestampUs now = 1795341600LL * 1000000;
  if (mode & 1) {
    SyslogFramer framer(256);
    const size_t cut = size == 0 ? 0 : (mode * 7u) % (size + 1);
    auto on_frame = [&](std::string_view frame) {
      std::vector<char> exact(frame.begin(), frame.end());  // exact size: overreads trip ASan
      processor.HandleLine(std::string_view(exact.data(), exact.size()), now);
    };
    framer.Feed(std::string_view(reinterpret_cast<const char*>(data), cut), on_frame);
    framer.Feed(std::string_view(reinterpret_cast<const char*>(data) + cut, size - cut), on_frame);
    framer.Finish(on_frame);
  } else {
    processor.HandleDatagram(std::string_view(reinterpret_cast<const char*>(data), size), now);
  }
  return 0;
}
