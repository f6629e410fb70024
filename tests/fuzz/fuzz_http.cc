// tests/fuzz/fuzz_http.cc: the HTTP analyzer (bodies, chunking, gzip, CONNECT tunnels) and
// LooksLikeHttp on arbitrary conversations (analyzer_fuzz_harness.h says how the input is read).
#include "analyzer_fuzz_harness.h"
#include "analyzers/http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  fuzz::FeedConversation(analyzers::NewHttpAnalyzer(), 6, 80, data, size, analyzers::LooksLikeHttp);
  return 0;
}
