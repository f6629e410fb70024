// tests/fuzz/fuzz_dns.cc: the DNS analyzer and LooksLikeDns. The first input byte picks the
// transport (odd: TCP with length-prefixed messages; even: UDP, one message per chunk); the rest
// is a conversation as analyzer_fuzz_harness.h reads it.
#include "analyzer_fuzz_harness.h"
#include "analyzers/dns.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  uint8_t ip_proto = 17;
  if (size > 0) {
    ip_proto = (data[0] & 1) ? 6 : 17;
    ++data, --size;
  }
  fuzz::FeedConversation(analyzers::NewDnsAnalyzer(), ip_proto, 53, data, size,
                         analyzers::LooksLikeDns);
  return 0;
}
