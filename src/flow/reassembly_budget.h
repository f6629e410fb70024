// src/flow/reassembly_budget.h: the memory TCP reassembly may hold, and where it comes from.
// One per FlowTable (so one per worker thread; not thread-safe), shared by every TcpReassembler
// of that table. Out-of-order bytes live in fixed 512-byte blocks (496 payload bytes each) taken
// from slabs this budget allocates on demand and keeps for reuse: after warm-up, buffering
// allocates nothing. Both caps count whole blocks (pool memory), not payload bytes, so a flood
// of 1-byte segments cannot hold more memory than the caps say. docs/flows.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace netward::flow {

constexpr size_t kReassemblyBlockSize = 512;

struct ReassemblyBlock {
  ReassemblyBlock* next;
  uint32_t seq;  // TCP sequence number of data[0]
  uint16_t len;  // payload bytes in data
  uint16_t reserved;
  uint8_t data[kReassemblyBlockSize - 16];
};
static_assert(sizeof(ReassemblyBlock) == kReassemblyBlockSize);
constexpr size_t kReassemblyBlockData = sizeof(ReassemblyBlock::data);

// Counters for the whole table's reassembly (FlowTableStats::reassembly).
struct ReassemblyStats {
  uint64_t retransmit_bytes = 0;  // bytes at or below the delivered point, dropped
  uint64_t overlap_bytes = 0;     // bytes that overlapped buffered data (first data kept)
  uint64_t overlap_mismatch = 0;  // "tcp.overlap_mismatch": overlaps whose bytes differed
  uint64_t gaps = 0;              // OnStreamGap calls
  uint64_t gap_bytes = 0;         // sum of their lengths
  uint64_t flow_cap_hits = 0;     // a direction hit reassembly_flow_cap
  uint64_t global_cap_hits = 0;   // the table hit reassembly_global_cap
  uint64_t dropped_bytes = 0;     // buffered bytes freed undelivered (Release, close)
  uint64_t bogus_segments = 0;    // segments >= 1 GiB ahead of the stream, ignored
  uint64_t buffered_bytes = 0;    // block memory in use now
  uint64_t peak_buffered_bytes = 0;
};

class ReassemblyBudget {
 public:
  // Caps in bytes of block memory; each is rounded down to whole blocks, at least one.
  ReassemblyBudget(size_t flow_cap_bytes, size_t global_cap_bytes);
  ReassemblyBudget(const ReassemblyBudget&) = delete;
  ReassemblyBudget& operator=(const ReassemblyBudget&) = delete;
  // Every block must have been freed (reassemblers die first).
  ~ReassemblyBudget();

  size_t flow_cap_blocks() const { return flow_cap_blocks_; }
  size_t global_cap_blocks() const { return global_cap_blocks_; }
  size_t blocks_in_use() const { return in_use_; }
  // True if `n` more blocks fit under the global cap.
  bool CanAllocate(size_t n) const { return in_use_ + n <= global_cap_blocks_; }

  // Precondition: CanAllocate(1). Returns an uninitialised block; allocates a slab of 64 blocks
  // only when the free list is empty. Never returns null (a failed slab allocation throws
  // std::bad_alloc, as any allocation in netward does).
  ReassemblyBlock* Allocate();
  void Free(ReassemblyBlock* block);

  ReassemblyStats& stats() { return stats_; }
  const ReassemblyStats& stats() const { return stats_; }

 private:
  size_t flow_cap_blocks_;
  size_t global_cap_blocks_;
  size_t in_use_ = 0;
  ReassemblyBlock* free_ = nullptr;
  std::vector<std::unique_ptr<ReassemblyBlock[]>> slabs_;
  ReassemblyStats stats_;
};

}  // namespace netward::flow
