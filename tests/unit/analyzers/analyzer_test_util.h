// tests/unit/analyzers/analyzer_test_util.h: a tiny harness for analyzer unit tests.
// AnalyzerHarness owns the flow, hints, batch and an event counter and builds an AnalyzerContext
// over them; ParseLines() turns one stream's JSON lines into nlohmann::json objects so tests assert
// on fields. Shared by the analyzer tests (dns, http, tls, smtp, ftp...). Keep it minimal.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/analyzer.h"
#include "record/record_batch.h"

namespace netward::analyzers::testing {

// Counts each event name.
class CountingEvents : public EventCounter {
 public:
  void Count(std::string_view name) override { ++counts[std::string(name)]; }
  int operator[](const std::string& name) const {
    auto it = counts.find(name);
    return it == counts.end() ? 0 : it->second;
  }
  std::map<std::string, int> counts;
};

struct AnalyzerHarness {
  // A TCP (ip_proto 6) or UDP (17) flow 10.0.0.1:<client_port> -> 10.0.0.2:<server_port>.
  explicit AnalyzerHarness(uint8_t ip_proto = 6, uint16_t server_port = 80,
                           uint16_t client_port = 40000) {
    flow.client_ip = *IpAddress::Parse("10.0.0.1");
    flow.server_ip = *IpAddress::Parse("10.0.0.2");
    flow.client_port = client_port;
    flow.server_port = server_port;
    flow.ip_proto = ip_proto;
    ctx.flow = &flow;
    ctx.now = 1700000000000000LL;
    ctx.out = &batch;
    ctx.hints = &hints;
    ctx.events = &events;
  }
  AnalyzerHarness(const AnalyzerHarness&) = delete;
  AnalyzerHarness& operator=(const AnalyzerHarness&) = delete;

  // Delivers `bytes` in pieces of at most `chunk` bytes (0 = all at once).
  void Deliver(Analyzer& a, Direction dir, std::string_view bytes, size_t chunk = 0) {
    if (chunk == 0) chunk = bytes.size() ? bytes.size() : 1;
    for (size_t off = 0; off < bytes.size(); off += chunk) {
      size_t n = std::min(chunk, bytes.size() - off);
      std::vector<uint8_t> copy(bytes.begin() + off, bytes.begin() + off + n);  // exact size
      a.Deliver(ctx, dir, std::span<const uint8_t>(copy.data(), copy.size()));
    }
  }

  FlowEndpoints flow;
  SessionHints hints;
  record::RecordBatch batch{"T"};
  CountingEvents events;
  AnalyzerContext ctx;
};

// The records of one stream in `batch`, parsed.
inline std::vector<nlohmann::json> ParseLines(const record::RecordBatch& batch,
                                              record::StreamId id) {
  std::vector<nlohmann::json> out;
  std::string_view all = batch.lines(id);
  while (!all.empty()) {
    size_t nl = all.find('\n');
    std::string_view line = all.substr(0, nl);
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    if (nl == std::string_view::npos) break;
    all.remove_prefix(nl + 1);
  }
  return out;
}

// Bytes from a hex string ("0a0b..."), for DNS/TLS wire images taken from captures.
inline std::string FromHex(std::string_view hex) {
  std::string out;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int hi = -1;
  for (char c : hex) {
    int v = nib(c);
    if (v < 0) continue;  // skips spaces and newlines
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

}  // namespace netward::analyzers::testing
