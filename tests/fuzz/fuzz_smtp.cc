// tests/fuzz/fuzz_smtp.cc: the SMTP analyzer and LooksLikeSmtp on arbitrary conversations
// (analyzer_fuzz_harness.h says how the input is read).
#include "analyzer_fuzz_harness.h"
#include "analyzers/smtp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  fuzz::FeedConversation(analyzers::NewSmtpAnalyzer(), 6, 25, data, size, analyzers::LooksLikeSmtp);
  return 0;
}
