// tests/fuzz/fuzz_mail_login.cc: the POP3 and IMAP analyzers (both get the same input) and their
// detection probes on arbitrary conversations (analyzer_fuzz_harness.h says how it is read).
#include "analyzer_fuzz_harness.h"
#include "analyzers/imap.h"
#include "analyzers/pop3.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  fuzz::FeedConversation(analyzers::NewPop3Analyzer(), 6, 110, data, size,
                         analyzers::LooksLikePop3);
  fuzz::FeedConversation(analyzers::NewImapAnalyzer(), 6, 143, data, size,
                         analyzers::LooksLikeImap);
  return 0;
}
