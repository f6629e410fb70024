// src/flow/flow_table.h: every live flow of one worker thread, bounded in count and memory.
// The probe calls Track for each decoded packet, AddTcpSegment for TCP payload, Expire about once
// per second of packet time and CloseAll at the end; every flow that ends reaches the
// FlowObserver exactly once before it is freed. Not thread-safe: one table per worker (packets are
// sharded by SymmetricFlowHash). Timeouts run on packet time (the timestamps passed in), never the
// wall clock. docs/flows.md has the defaults, the memory per flow and the close reasons.
//
// Layout, and why: flows sit in a pool of fixed chunks (stable addresses, no per-flow heap
// allocation after warm-up, bounded by max_flows); lookup is an open-addressing array of 8-byte
// slots (flow index + 32 bits of hash, linear probing, load <= 1/2, backward-shift deletion, no
// tombstones), so a lookup usually touches one cache line of slots and one flow. Each flow is on
// one intrusive idle list per timeout class, ordered by last packet, so Expire looks only at list
// heads and eviction takes the least recently used flow; a second list orders flows by the start
// of their counting interval for active timeouts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "capture/packet.h"
#include "common/time.h"
#include "flow/close_reason.h"
#include "flow/flow.h"
#include "flow/reassembly_budget.h"
#include "flow/tcp_reassembler.h"

namespace netward::flow {

struct FlowTableOptions {
  size_t max_flows = 1 << 20;  // at most 2^32 - 2
  // Whether the outer VLAN id is part of the flow key. Off by default (as in Zeek): on a mirror
  // port the two directions of one connection may carry different tags. Turn it on where
  // address spaces overlap between VLANs.
  bool vlan_in_key = false;
  TimestampUs tcp_idle_timeout = 300 * kUsPerSecond;
  // After FIN both ways or RST: how long the flow lingers (for stragglers) before the table
  // closes it with kFin/kRst; 0 closes it at the next Expire.
  TimestampUs tcp_closed_timeout = 5 * kUsPerSecond;
  TimestampUs udp_idle_timeout = 60 * kUsPerSecond;
  TimestampUs other_idle_timeout = 30 * kUsPerSecond;
  // Snapshot period for long flows (kActiveTimeout, counters reset, flow lives on); 0 = never.
  TimestampUs active_timeout = 3600 * kUsPerSecond;
  size_t reassembly_flow_cap = 1 << 20;      // block memory out of order, per direction
  size_t reassembly_global_cap = 512 << 20;  // block memory out of order, whole table
};

// Called for every flow that ends (and for active-timeout snapshots) before it is freed. It may
// read and change the flow (e.g. Flush its streams into the analyzers, read `ext`), but must not
// call back into the FlowTable. After it returns from a closing reason, buffered stream bytes
// are dropped (counted) and the flow, `ext` included, is freed.
class FlowObserver {
 public:
  virtual ~FlowObserver() = default;
  virtual void OnFlowClose(Flow& flow, CloseReason reason) = 0;
};

struct FlowTableStats {
  uint64_t created = 0;
  uint64_t closed[kCloseReasonCount] = {};  // indexed by CloseReason, kActiveTimeout excluded
  uint64_t evicted = 0;                     // == closed[kEvicted]: the table was full
  uint64_t active_timeouts = 0;             // snapshots taken
  uint64_t port_reuse = 0;                  // a finished TCP flow replaced by a new SYN
  uint64_t flows = 0;                       // live now
  uint64_t peak_flows = 0;
  ReassemblyStats reassembly;
};

class FlowTable {
 public:
  // `observer` may be null; otherwise it must outlive the table. Reserves the slot array
  // (16 bytes per max flow, touched as used) now and flows in chunks as they are first needed.
  FlowTable(FlowTableOptions options, FlowObserver* observer);
  // Frees every flow without calling the observer (call CloseAll first to report them).
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Finds or creates the flow of `p`. *direction = 0 client->server, 1 server->client;
  // *created = whether this packet created it. Updates timestamps, per-direction counters,
  // client MAC and TCP state. When the table is full, closes the least recently used flow first
  // (observer gets kEvicted, counted). A SYN without ACK for a finished TCP flow closes it
  // (kFin/kRst) and starts a new one. Never fails, never returns null; no allocation once warm.
  Flow* Track(const capture::DecodedPacket& p, int* direction, bool* created);

  // Passes `p`'s TCP segment to flow->stream(direction); bytes and gaps go to `receiver`
  // (may be null). Snaplen-cut payload becomes a gap once it is next in order.
  void AddTcpSegment(Flow* flow, int direction, const capture::DecodedPacket& p,
                     StreamReceiver* receiver);

  // Calls the observer with `reason`, then frees `flow` (the pointer is dead after this).
  void Close(Flow* flow, CloseReason reason);

  // Closes flows idle past their timeout (finished TCP flows with kFin/kRst) and takes active-
  // timeout snapshots. Looks only at list heads: O(1 + flows expired); call it as often as wanted.
  void Expire(TimestampUs now);

  // Closes every flow with `reason` (kEof at end of capture).
  void CloseAll(CloseReason reason);

  size_t size() const { return size_; }
  const FlowTableStats& stats() const;
  const FlowTableOptions& options() const { return options_; }

 private:
  enum ListId : uint8_t { kListTcp = 0, kListTcpClosed, kListUdp, kListOther, kListCount };
  struct Slot {
    uint32_t index_plus_one;  // 0 = empty
    uint32_t hash;
  };
  struct List {
    uint32_t head = FlowTableLinks::kNil;
    uint32_t tail = FlowTableLinks::kNil;
  };

  Flow* At(uint32_t index) const { return &chunks_[index >> kChunkShift][index & kChunkMask]; }
  static uint32_t SlotHash(const FlowKey& key);
  Flow* Find(const FlowKey& key, uint32_t hash) const;
  Flow* Create(const FlowKey& key, uint32_t hash);
  void RemoveSlot(const Flow* flow);
  ListId ListFor(const Flow& f) const;
  TimestampUs TimeoutOf(ListId list) const;
  void Unlink(Flow* f);
  void LinkTail(Flow* f, ListId list);
  void UnlinkActive(Flow* f);
  void LinkActiveTail(Flow* f);
  void EvictOne();

  static constexpr uint32_t kChunkShift = 10;  // 1024 flows per chunk
  static constexpr uint32_t kChunkMask = (1u << kChunkShift) - 1;

  FlowTableOptions options_;
  FlowObserver* observer_;
  ReassemblyBudget budget_;  // declared before the flows: their reassemblers free into it
  struct FreeDeleter {
    void operator()(void* p) const;
  };
  // calloc'd: large arrays come zeroed from mmap, so untouched slots cost no RSS.
  std::unique_ptr<Slot[], FreeDeleter> slots_;
  uint32_t slot_mask_ = 0;
  std::vector<std::unique_ptr<Flow[]>> chunks_;
  uint32_t high_water_ = 0;  // flows [0, high_water_) have been handed out at least once
  uint32_t free_ = FlowTableLinks::kNil;  // free flows, linked through lru_next
  size_t size_ = 0;
  List lists_[kListCount];
  List active_;
  mutable FlowTableStats stats_;
};

}  // namespace netward::flow
