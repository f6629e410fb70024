// tests/fuzz/fuzz_pppoe.cc: the PPPoE tracker (discovery, LCP, PAP, CHAP, IPCP). The input is a
// sequence of frames cut on the separator "\x00\xffNW"; in each, byte 0 picks the ethertype (odd:
// 0x8864 session, even: 0x8863 discovery) and the direction (bit 1: from the access
// concentrator), the rest is the PPPoE body, copied to an exact-size buffer so ASan sees
// overreads. Two MACs only, so frames meet the same sessions.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "analyzer_fuzz_harness.h"
#include "analyzers/pppoe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netward;
  static const uint8_t kClient[6] = {2, 0, 0, 0, 0, 1};
  static const uint8_t kAc[6] = {2, 0, 0, 0, 0, 2};
  analyzers::PppoeTracker tracker;
  record::RecordBatch batch("F", 1 << 16);
  fuzz::NullEvents events;
  static constexpr std::string_view kSeparator("\x00\xffNW", 4);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  TimestampUs ts = 1700000000000000LL;
  for (;;) {
    const size_t sep = in.find(kSeparator);
    std::string_view chunk = in.substr(0, sep);
    if (!chunk.empty()) {
      const uint8_t sel = static_cast<uint8_t>(chunk[0]);
      std::vector<uint8_t> body(chunk.begin() + 1, chunk.end());  // capacity == size
      const bool from_ac = sel & 2;
      analyzers::PppoeFrame f{ts, static_cast<uint16_t>((sel & 1) ? 0x8864 : 0x8863),
                              from_ac ? kAc : kClient, from_ac ? kClient : kAc,
                              std::span<const uint8_t>(body.data(), body.size())};
      tracker.Process(f, &batch, &events);
      if (batch.full()) batch.Clear();
    }
    ts += 1000000;
    if (sep == std::string_view::npos) break;
    in.remove_prefix(sep + kSeparator.size());
  }
  return 0;
}
