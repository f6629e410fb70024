// tests/fuzz/fuzz_mail_login.cc: the POP3 and IMAP analyzers (both get the same input) on arbitrary input. The input is cut on
// "\x00\xffNW" into chunks; chunk i goes in direction i%2 (even: to server), each copied into an
// exact-size heap buffer so ASan catches any overread. A chunk starting with "\x00GAP" is a
// 1000-byte gap instead. Finish() runs at the end; the batch is cleared when full.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "analyzers/imap.h"
#include "analyzers/pop3.h"
#include "record/record_batch.h"

namespace {

class NullEvents : public netward::analyzers::EventCounter {
 public:
  void Count(std::string_view) override {}
};

void Hook(void*, std::string_view, std::string_view bytes) {
  volatile size_t n = bytes.size();
  (void)n;
}

void Run(std::unique_ptr<netward::analyzers::Analyzer> analyzer, uint16_t port,
         const uint8_t* data, size_t size) {
  using namespace netward::analyzers;
  FlowEndpoints flow;
  flow.client_ip = netward::IpAddress::FromV4HostOrder(0x0a000001);
  flow.server_ip = netward::IpAddress::FromV4HostOrder(0x0a000002);
  flow.client_port = 40000;
  flow.server_port = port;
  flow.ip_proto = 6;
  SessionHints hints;
  netward::record::RecordBatch batch("F", 1 << 16);
  NullEvents events;
  AnalyzerContext ctx;
  ctx.flow = &flow;
  ctx.out = &batch;
  ctx.hints = &hints;
  ctx.events = &events;
  ctx.content_hook = &Hook;
  static constexpr char kSep[] = "\x00\xffNW";
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t i = 0;
  while (true) {
    const size_t sep = in.find(std::string_view(kSep, 4));
    const std::string_view chunk = in.substr(0, sep);
    const Direction dir = (i % 2 == 0) ? Direction::kToServer : Direction::kToClient;
    if (chunk.size() >= 4 && std::memcmp(chunk.data(), "\x00GAP", 4) == 0) {
      analyzer->Gap(ctx, dir, 1000);
    } else {
      std::vector<uint8_t> copy(chunk.begin(), chunk.end());  // exact size
      analyzer->Deliver(ctx, dir, std::span<const uint8_t>(copy.data(), copy.size()));
    }
    ctx.now += 1000;
    if (batch.full()) batch.Clear();
    if (sep == std::string_view::npos) break;
    in.remove_prefix(sep + 4);
    ++i;
  }
  analyzer->Finish(ctx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward::analyzers;
  (void)LooksLikePop3(Direction::kToClient, std::span<const uint8_t>(data, size));
  (void)LooksLikeImap(Direction::kToClient, std::span<const uint8_t>(data, size));
  Run(NewPop3Analyzer(), 110, data, size);
  Run(NewImapAnalyzer(), 143, data, size);
  return 0;
}
