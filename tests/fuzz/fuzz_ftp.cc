// tests/fuzz/fuzz_ftp.cc: the FTP analyzer and LooksLikeFtp on arbitrary conversations
// (analyzer_fuzz_harness.h says how the input is read).
#include "analyzer_fuzz_harness.h"
#include "analyzers/ftp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  fuzz::FeedConversation(analyzers::NewFtpAnalyzer(), 6, 21, data, size, analyzers::LooksLikeFtp);
  return 0;
}
