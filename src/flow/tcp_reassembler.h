// src/flow/tcp_reassembler.h: one direction of a TCP stream, put back in order.
// Used by FlowTable (two per Flow) and by the probe, which passes each TCP segment in and gets
// in-order bytes and gaps out through a StreamReceiver. One thread; no allocation per segment
// (out-of-order bytes go to blocks from the table's ReassemblyBudget). docs/flows.md.
//
// Rules: the stream starts at ISN+1 when a SYN is seen, else at the first segment's seq
// (midstream: bytes before it are never delivered). Bytes already delivered are dropped
// (retransmissions). Overlaps keep the first data received and count "tcp.overlap_mismatch"
// when the new bytes differ. Sequence numbers wrap at 2^32. Data past a FIN is ignored.
// When a cap (per direction, or the budget's global one) stops a segment from being buffered,
// the hole before the buffered data is declared a gap (OnStreamGap) and delivery goes on with
// what follows it; a segment that still cannot be buffered is delivered after a gap up to it.
#pragma once

#include <cstdint>
#include <span>

#include "flow/reassembly_budget.h"

namespace netward::flow {

// Where reassembled bytes go. `direction`: 0 client->server, 1 server->client.
class StreamReceiver {
 public:
  virtual ~StreamReceiver() = default;
  // The next in-order bytes; `data` is valid only during the call.
  virtual void OnStreamData(int direction, std::span<const uint8_t> data) = 0;
  // `length` bytes that will never arrive come next in the stream.
  virtual void OnStreamGap(int direction, uint64_t length) = 0;
};

class TcpReassembler {
 public:
  // Without a budget nothing can be buffered: any hole becomes a gap at once.
  TcpReassembler() = default;
  explicit TcpReassembler(ReassemblyBudget* budget) : budget_(budget) {}
  TcpReassembler(const TcpReassembler&) = delete;
  TcpReassembler& operator=(const TcpReassembler&) = delete;
  // Frees buffered blocks without delivering them (see Release).
  ~TcpReassembler() { Release(); }

  // Only while nothing is buffered (a fresh or released reassembler).
  void set_budget(ReassemblyBudget* budget) { budget_ = budget; }

  // One segment of this direction: `seq` and `tcp_flags` from its TCP header, `payload` as
  // captured. `missing_tail`: bytes the segment had on the wire after `payload` that were not
  // captured (snaplen); when they are next in order they become a gap at once. `receiver` may be
  // null (bytes and gaps are then discarded). Calls the receiver zero or more times, in order.
  void AddSegment(uint32_t seq, uint8_t tcp_flags, std::span<const uint8_t> payload,
                  StreamReceiver* receiver, int direction, uint32_t missing_tail = 0);

  // At close: delivers everything buffered, declaring a gap before each hole and before a FIN
  // whose preceding bytes never came. Leaves the stream finished and nothing buffered.
  void Flush(StreamReceiver* receiver, int direction);

  // Frees buffered blocks undelivered (counted in ReassemblyStats::dropped_bytes).
  void Release();

  bool started() const { return flags_ & kStarted; }
  bool fin_seen() const { return flags_ & kFinSeen; }
  // FIN seen and every byte before it delivered (or declared a gap).
  bool finished() const { return flags_ & kFinished; }
  // Sequence number of the next byte to deliver.
  uint32_t next_seq() const { return next_seq_; }
  size_t buffered_blocks() const { return buffered_blocks_; }

 private:
  enum : uint8_t { kStarted = 1, kFinSeen = 2, kFinished = 4 };

  void Insert(uint32_t seq, std::span<const uint8_t> data, StreamReceiver* r, int dir);
  void Emit(uint32_t seq, std::span<const uint8_t> data, StreamReceiver* r, int dir);
  bool TryBuffer(uint32_t seq, std::span<const uint8_t> data);
  ReassemblyBlock* FirstBlockEndingAfter(uint32_t seq) const;
  void Drain(StreamReceiver* r, int dir);
  void Gap(uint32_t length, StreamReceiver* r, int dir);
  void CheckFin();

  ReassemblyBudget* budget_ = nullptr;
  ReassemblyBlock* head_ = nullptr;  // buffered blocks, sorted by seq, disjoint, all > next_seq_
  ReassemblyBlock* tail_ = nullptr;
  uint32_t next_seq_ = 0;
  uint32_t fin_seq_ = 0;  // seq of the FIN (one past the last data byte)
  uint32_t buffered_blocks_ = 0;
  uint8_t flags_ = 0;
};

}  // namespace netward::flow
