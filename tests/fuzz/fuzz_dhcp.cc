// tests/fuzz/fuzz_dhcp.cc: the DHCPv4 analyzer and LooksLikeDhcp. Each chunk of the conversation
// (analyzer_fuzz_harness.h) is one datagram; even chunks come from the client side. The first
// input byte picks the flow's server port (odd: 68, a server's broadcast reply; even: 67).
#include "analyzer_fuzz_harness.h"
#include "analyzers/dhcp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  uint16_t port = 67;
  if (size > 0) {
    port = (data[0] & 1) ? 68 : 67;
    ++data, --size;
  }
  fuzz::FeedConversation(analyzers::NewDhcpAnalyzer(), 17, port, data, size,
                         analyzers::LooksLikeDhcp);
  return 0;
}
