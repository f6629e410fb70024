// tests/fuzz/fuzz_radius.cc: the RADIUS analyzer, LooksLikeRadius, and the wire functions the
// accounting server uses (ParseRadius, ExtractRadiusFields, the authenticators). The input is a
// conversation as analyzer_fuzz_harness.h reads it; each chunk is one UDP datagram.
#include "analyzer_fuzz_harness.h"
#include "analyzers/radius.h"
#include "analyzers/radius_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  fuzz::FeedConversation(analyzers::NewRadiusAnalyzer(), 17, 1813, data, size,
                         analyzers::LooksLikeRadius);
  // The server's path on the whole input as one datagram.
  std::vector<uint8_t> exact(data, data + size);
  analyzers::radius::Packet packet;
  if (analyzers::radius::ParseRadius(exact, &packet) == analyzers::radius::ParseError::kOk) {
    analyzers::radius::RadiusFields fields;
    analyzers::radius::ExtractRadiusFields(packet, &fields);
    record::LoginRecord rec;
    analyzers::radius::FillLoginRecord(fields, &rec);
    (void)analyzers::radius::AccountingRequestAuthenticator(packet.bytes, "secret");
    if (fields.has_message_authenticator) {
      (void)analyzers::radius::MessageAuthenticator(
          packet.bytes, fields.message_authenticator_offset, true, "secret");
    }
  }
  return 0;
}
