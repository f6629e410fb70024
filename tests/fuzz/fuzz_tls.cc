// tests/fuzz/fuzz_tls.cc: the TLS analyzer and LooksLikeTls on arbitrary conversations
// (analyzer_fuzz_harness.h says how the input is read).
#include "analyzer_fuzz_harness.h"
#include "analyzers/tls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  fuzz::FeedConversation(analyzers::NewTlsAnalyzer(), 6, 443, data, size, analyzers::LooksLikeTls);
  return 0;
}
