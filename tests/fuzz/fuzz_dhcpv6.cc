// tests/fuzz/fuzz_dhcpv6.cc: the DHCPv6 analyzer (relay unwrapping, IA options) and
// LooksLikeDhcpv6. Each chunk of the conversation (analyzer_fuzz_harness.h) is one datagram.
#include "analyzer_fuzz_harness.h"
#include "analyzers/dhcpv6.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  fuzz::FeedConversation(analyzers::NewDhcpv6Analyzer(), 17, 547, data, size,
                         analyzers::LooksLikeDhcpv6);
  return 0;
}
