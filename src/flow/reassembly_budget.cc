#include "flow/reassembly_budget.h"

#include <algorithm>
#include <cassert>

namespace netward::flow {
namespace {
constexpr size_t kSlabBlocks = 64;  // 32 KiB per slab
}  // namespace

ReassemblyBudget::ReassemblyBudget(size_t flow_cap_bytes, size_t global_cap_bytes)
    : flow_cap_blocks_(std::max<size_t>(1, flow_cap_bytes / kReassemblyBlockSize)),
      global_cap_blocks_(std::max<size_t>(1, global_cap_bytes / kReassemblyBlockSize)) {}

ReassemblyBudget::~ReassemblyBudget() { assert(in_use_ == 0); }

ReassemblyBlock* ReassemblyBudget::Allocate() {
  assert(CanAllocate(1));
  if (!free_) {
    // Default-initialised: the blocks' bytes are written before they are read.
    slabs_.emplace_back(new ReassemblyBlock[kSlabBlocks]);
    ReassemblyBlock* slab = slabs_.back().get();
    for (size_t i = 0; i < kSlabBlocks; ++i) {
      slab[i].next = free_;
      free_ = &slab[i];
    }
  }
  ReassemblyBlock* b = free_;
  free_ = b->next;
  b->next = nullptr;
  ++in_use_;
  stats_.buffered_bytes = in_use_ * kReassemblyBlockSize;
  stats_.peak_buffered_bytes = std::max(stats_.peak_buffered_bytes, stats_.buffered_bytes);
  return b;
}

void ReassemblyBudget::Free(ReassemblyBlock* block) {
  assert(in_use_ > 0);
  block->next = free_;
  free_ = block;
  --in_use_;
  stats_.buffered_bytes = in_use_ * kReassemblyBlockSize;
}

}  // namespace netward::flow
