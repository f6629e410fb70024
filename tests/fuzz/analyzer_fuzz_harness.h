// tests/fuzz/analyzer_fuzz_harness.h: the one harness every analyzer fuzz target uses
// (after Suricata's fuzz_applayerparserparse). The input is a conversation cut on the 4-byte
// separator "\x00\xffNW": chunk i goes in direction i % 2 (even: client to server). Each chunk is
// copied into an exact-size heap buffer before Deliver(), so ASan catches any overread. Over TCP
// a chunk starting with "\x00GAP" is a 1000-byte gap instead; over UDP each chunk is a datagram.
// Finish() runs at the end; the record batch is emptied whenever it fills.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "analyzers/analyzer.h"
#include "record/record_batch.h"

namespace netward::fuzz {

using LooksLikeFn = bool (*)(analyzers::Direction, std::span<const uint8_t>);
// Turns chunk `index` (in `dir`) into the bytes to deliver; empty function: the chunk itself.
using ChunkTransform = std::function<std::vector<uint8_t>(std::string_view chunk,
                                                          analyzers::Direction dir, size_t index)>;

class NullEvents : public analyzers::EventCounter {
 public:
  void Count(std::string_view) override {}
};

class NullObserver : public analyzers::DnsObserver {
 public:
  void OnDnsAnswer(const IpAddress&, std::string_view, const IpAddress&, uint32_t,
                   TimestampUs) override {}
};

inline void TouchContent(void*, std::string_view, std::string_view bytes) {
  volatile size_t n = bytes.size();
  (void)n;
}

// Runs `analyzer` over the conversation in data[0, size). `looks_like` (may be null) is also
// called on every chunk, so the detection probes are fuzzed too.
inline void FeedConversation(std::unique_ptr<analyzers::Analyzer> analyzer, uint8_t ip_proto,
                             uint16_t server_port, const uint8_t* data, size_t size,
                             LooksLikeFn looks_like = nullptr,
                             const ChunkTransform& transform = {}) {
  using analyzers::Direction;
  analyzers::FlowEndpoints flow;
  flow.client_ip = IpAddress::FromV4HostOrder(0x0a000001);
  flow.server_ip = IpAddress::FromV4HostOrder(0x0a000002);
  flow.client_port = 40000;
  flow.server_port = server_port;
  flow.ip_proto = ip_proto;
  analyzers::SessionHints hints;
  record::RecordBatch batch("F", 1 << 16);
  NullEvents events;
  NullObserver observer;
  analyzers::AnalyzerContext ctx;
  ctx.flow = &flow;
  ctx.out = &batch;
  ctx.hints = &hints;
  ctx.events = &events;
  ctx.dns_observer = &observer;
  ctx.content_hook = &TouchContent;
  static constexpr std::string_view kSeparator("\x00\xffNW", 4);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (size_t i = 0;; ++i) {
    const size_t sep = in.find(kSeparator);
    const std::string_view chunk = in.substr(0, sep);
    const Direction dir = (i % 2 == 0) ? Direction::kToServer : Direction::kToClient;
    if (ip_proto == 6 && chunk.size() >= 4 && std::memcmp(chunk.data(), "\x00GAP", 4) == 0) {
      analyzer->Gap(ctx, dir, 1000);
    } else {
      std::vector<uint8_t> bytes =
          transform ? transform(chunk, dir, i) : std::vector<uint8_t>(chunk.begin(), chunk.end());
      std::vector<uint8_t> exact(bytes.begin(), bytes.end());  // capacity == size
      std::span<const uint8_t> view(exact.data(), exact.size());
      if (looks_like) (void)looks_like(dir, view);
      analyzer->Deliver(ctx, dir, view);
    }
    ctx.now += 1000;
    if (batch.full()) batch.Clear();
    if (sep == std::string_view::npos) break;
    in.remove_prefix(sep + kSeparator.size());
  }
  analyzer->Finish(ctx);
}

}  // namespace netward::fuzz
