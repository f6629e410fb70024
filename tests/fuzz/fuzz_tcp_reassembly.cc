// tests/fuzz/fuzz_tcp_reassembly.cc: TcpReassembler against a known stream.
// Input: 4 bytes ISN, 1 byte caps selector, then 6-byte segment descriptors
//   [offset:3 LE][flags:1][length:2 LE]
// flags: low 5 bits are TCP flags (FIN SYN RST PSH ACK); 0x20 picks direction 1 (two streams
// share one budget, so the global cap is exercised); 0x40 multiplies the offset by 2^12 (far
// jumps, wrap-around); 0x80 cuts the captured payload in half (snaplen, missing tail).
// Each direction's stream byte at offset o is a function of (direction, o). Every delivered byte
// must equal the source at its position (position = first segment's offset, advanced by data
// and gap lengths); otherwise abort. At the end both streams are flushed and every block must be
// back in the budget.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "flow/reassembly_budget.h"
#include "flow/tcp_reassembler.h"

namespace {

using netward::flow::ReassemblyBudget;
using netward::flow::StreamReceiver;
using netward::flow::TcpReassembler;

uint8_t SourceByte(int dir, uint64_t off) {
  uint64_t x = off * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(dir) * 0x632BE59BD9B4E019ULL;
  x ^= x >> 29;
  return static_cast<uint8_t>(x ^ (x >> 17));
}

class CheckingReceiver : public StreamReceiver {
 public:
  void OnStreamData(int dir, std::span<const uint8_t> data) override {
    if (!started[dir]) std::abort();
    for (size_t i = 0; i < data.size(); ++i) {
      if (data[i] != SourceByte(dir, (pos[dir] + i) & 0xffffffffu)) std::abort();
    }
    pos[dir] += data.size();
  }
  void OnStreamGap(int dir, uint64_t length) override {
    if (!started[dir] || length == 0) std::abort();
    pos[dir] += length;
  }
  bool started[2] = {};
  uint64_t pos[2] = {};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  uint32_t isn;
  std::memcpy(&isn, data, 4);
  const uint8_t caps = data[4];
  data += 5;
  size -= 5;
  const size_t block = netward::flow::kReassemblyBlockSize;
  ReassemblyBudget budget(block * (1 + (caps & 15)), block * (1 + (caps >> 4) * 2));
  TcpReassembler streams[2] = {TcpReassembler(&budget), TcpReassembler(&budget)};
  CheckingReceiver rx;
  std::vector<uint8_t> payload;
  for (; size >= 6; data += 6, size -= 6) {
    uint32_t off = data[0] | (data[1] << 8) | (data[2] << 16);
    const uint8_t flags = data[3];
    const uint16_t len = static_cast<uint16_t>((data[4] | (data[5] << 8)) & 0x1fff);
    const int dir = (flags & 0x20) ? 1 : 0;
    if (flags & 0x40) off <<= 12;
    const uint8_t tcp_flags = flags & 0x1f;
    const bool syn = tcp_flags & 0x02;
    // Stream offset o is sequence number isn + 1 + o; a SYN occupies the number before its data.
    const uint32_t seq = isn + 1 + off - (syn ? 1 : 0);
    const uint32_t captured = (flags & 0x80) ? len / 2 : len;
    payload.assign(captured, 0);
    for (uint32_t i = 0; i < captured; ++i) payload[i] = SourceByte(dir, (off + i) & 0xffffffffu);
    if (!streams[dir].started()) {
      rx.started[dir] = true;
      rx.pos[dir] = off;
    }
    // An exact-size heap buffer, so a read past the payload trips ASan.
    std::vector<uint8_t> exact(payload.begin(), payload.end());
    streams[dir].AddSegment(seq, tcp_flags, std::span<const uint8_t>(exact.data(), exact.size()),
                            &rx, dir, len - captured);
    if (streams[dir].buffered_blocks() > budget.flow_cap_blocks()) std::abort();
    if (budget.blocks_in_use() > budget.global_cap_blocks()) std::abort();
  }
  streams[0].Flush(&rx, 0);
  streams[1].Flush(&rx, 1);
  if (budget.blocks_in_use() != 0) std::abort();
  return 0;
}
