// tests/fuzz/fuzz_http.cc: the http analyzer on arbitrary input. The input is cut on "\x00\xffNW" into
// chunks; chunk i goes in direction i%2 (even: to server), each copied into an exact-size heap
// buffer so ASan catches any overread. A chunk starting with "\x00GAP" is a 1000-byte gap instead.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "analyzers/http.h"
#include "record/record_batch.h"

namespace {

class NullEvents : public netward::analyzers::EventCounter {
 public:
  void Count(std::string_view) override {}
};

class NullObserver : public netward::analyzers::DnsObserver {
 public:
  void OnDnsAnswer(const netward::IpAddress&, std::string_view, const netward::IpAddress&,
                   uint32_t, netward::TimestampUs) override {}
};

void Hook(void*, std::string_view, std::string_view bytes) {
  volatile size_t n = bytes.size();  // touch the bytes' length only
  (void)n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward::analyzers;
  FlowEndpoints flow;
  flow.client_ip = netward::IpAddress::FromV4HostOrder(0x0a000001);
  flow.server_ip = netward::IpAddress::FromV4HostOrder(0x0a000002);
  flow.client_port = 40000;
  flow.server_port = 80;
  flow.ip_proto = 6;

  SessionHints hints;
  netward::record::RecordBatch batch("F", 1 << 16);
  NullEvents events;
  NullObserver observer;
  AnalyzerContext ctx;
  ctx.flow = &flow;
  ctx.out = &batch;
  ctx.hints = &hints;
  ctx.events = &events;
  ctx.dns_observer = &observer;
  ctx.content_hook = &Hook;
  auto analyzer = NewHttpAnalyzer();
  static constexpr char kSep[] = "\x00\xffNW";
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t i = 0;
  while (true) {
    size_t sep = in.find(std::string_view(kSep, 4));
    std::string_view chunk = in.substr(0, sep);
    Direction dir = (i % 2 == 0) ? Direction::kToServer : Direction::kToClient;
    if (chunk.substr(0, 4) == std::string_view("\x00GAP", 4)) {
      analyzer->Gap(ctx, dir, 1000);
    } else {
      std::vector<uint8_t> buf(chunk.begin(), chunk.end());  // exact size
      (void)LooksLikeHttp(dir, std::span<const uint8_t>(buf.data(), buf.size()));
      analyzer->Deliver(ctx, dir, std::span<const uint8_t>(buf.data(), buf.size()));
    }
    ctx.now += 1000;
    if (batch.full()) batch.Clear();
    ++i;
    if (sep == std::string_view::npos) break;
    in.remove_prefix(sep + 4);
  }
  analyzer->Finish(ctx);
  return 0;
}
