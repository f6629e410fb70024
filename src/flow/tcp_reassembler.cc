#include "flow/tcp_reassembler.h"

#include <algorithm>
#include <cstring>

#include "capture/packet.h"

namespace netward::flow {
namespace {

// a - b in sequence space (RFC 1982 style): correct across the 2^32 wrap while |a - b| < 2^31.
inline int32_t SeqDiff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }
inline uint32_t BlockEnd(const ReassemblyBlock* b) { return b->seq + b->len; }

// A segment starting this far past the delivered point is not a plausible part of the stream
// (and would wreck the signed sequence arithmetic): it is ignored and counted.
constexpr uint32_t kMaxAhead = 1u << 30;

// Counters of reassemblers that have no budget (tests, tools): counted, never read.
thread_local ReassemblyStats discarded_stats;

}  // namespace

void TcpReassembler::AddSegment(uint32_t seq, uint8_t tcp_flags, std::span<const uint8_t> payload,
                                StreamReceiver* receiver, int direction, uint32_t missing_tail) {
  const bool syn = tcp_flags & capture::kTcpSyn;
  if (!(flags_ & kStarted)) {
    flags_ |= kStarted;
    next_seq_ = syn ? seq + 1 : seq;
  }
  if (flags_ & kFinished) return;
  const uint32_t data_seq = syn ? seq + 1 : seq;
  if ((tcp_flags & capture::kTcpFin) && !(flags_ & kFinSeen)) {
    flags_ |= kFinSeen;
    fin_seq_ = data_seq + static_cast<uint32_t>(payload.size()) + missing_tail;
  }
  if (flags_ & kFinSeen) {  // nothing after the FIN belongs to the stream
    int32_t room = SeqDiff(fin_seq_, data_seq);
    if (room <= 0) {
      payload = {};
      missing_tail = 0;
    } else if (payload.size() >= static_cast<size_t>(room)) {
      payload = payload.first(static_cast<size_t>(room));
      missing_tail = 0;
    } else {
      missing_tail = std::min<uint32_t>(missing_tail, room - static_cast<uint32_t>(payload.size()));
    }
  }
  int32_t ahead = SeqDiff(data_seq, next_seq_);
  if (ahead > 0 && static_cast<uint32_t>(ahead) >= kMaxAhead) {
    ++(budget_ ? budget_->stats() : discarded_stats).bogus_segments;
    return;
  }
  if (!payload.empty()) Insert(data_seq, payload, receiver, direction);
  if (missing_tail > 0 && next_seq_ == data_seq + static_cast<uint32_t>(payload.size())) {
    Gap(missing_tail, receiver, direction);
    next_seq_ += missing_tail;
    Drain(receiver, direction);
  }
  CheckFin();
}

void TcpReassembler::Insert(uint32_t seq, std::span<const uint8_t> data, StreamReceiver* r,
                            int dir) {
  ReassemblyStats& stats = budget_ ? budget_->stats() : discarded_stats;
  bool mismatch = false;
  size_t pos = 0;
  while (pos < data.size()) {
    const uint32_t cur = seq + static_cast<uint32_t>(pos);
    const size_t remaining = data.size() - pos;
    int32_t behind = SeqDiff(next_seq_, cur);
    if (behind > 0) {  // already delivered
      size_t skip = std::min<size_t>(static_cast<size_t>(behind), remaining);
      stats.retransmit_bytes += skip;
      pos += skip;
      continue;
    }
    ReassemblyBlock* b = FirstBlockEndingAfter(cur);
    if (b && SeqDiff(b->seq, cur) <= 0) {  // `cur` lies inside buffered data: first data wins
      size_t off = cur - b->seq;
      size_t overlap = std::min<size_t>(b->len - off, remaining);
      if (std::memcmp(b->data + off, data.data() + pos, overlap) != 0) mismatch = true;
      stats.overlap_bytes += overlap;
      pos += overlap;
      continue;
    }
    // A hole in what is buffered: up to the next block, or to the end of the segment.
    size_t piece =
        b ? std::min<size_t>(static_cast<size_t>(SeqDiff(b->seq, cur)), remaining) : remaining;
    Emit(cur, data.subspan(pos, piece), r, dir);
    pos += piece;
  }
  if (mismatch) ++stats.overlap_mismatch;
  Drain(r, dir);
}

// `data` covers a range that no buffered block covers. Delivers it if it is next, else buffers
// it; when a cap forbids buffering, skips holes (declaring gaps) until it can do either.
void TcpReassembler::Emit(uint32_t seq, std::span<const uint8_t> data, StreamReceiver* r, int dir) {
  while (!data.empty()) {
    int32_t ahead = SeqDiff(seq, next_seq_);
    if (ahead < 0) {  // a gap skipped past part of it
      size_t trim =
          std::min<size_t>(static_cast<size_t>(-static_cast<int64_t>(ahead)), data.size());
      data = data.subspan(trim);
      seq += static_cast<uint32_t>(trim);
      continue;
    }
    if (ahead == 0) {
      if (r) r->OnStreamData(dir, data);
      next_seq_ += static_cast<uint32_t>(data.size());
      return;
    }
    if (TryBuffer(seq, data)) return;
    if (!head_ || SeqDiff(seq, head_->seq) < 0) {
      // Nothing buffered before this piece to give up: skip straight to it.
      Gap(static_cast<uint32_t>(ahead), r, dir);
      next_seq_ = seq;
      continue;
    }
    // Give up the hole before the buffered data (none if an in-order piece of this segment
    // just reached it), deliver that data, and try again.
    int32_t hole = SeqDiff(head_->seq, next_seq_);
    if (hole > 0) {
      Gap(static_cast<uint32_t>(hole), r, dir);
      next_seq_ = head_->seq;
    }
    Drain(r, dir);
  }
}

bool TcpReassembler::TryBuffer(uint32_t seq, std::span<const uint8_t> data) {
  if (!budget_) return false;
  const size_t need = (data.size() + kReassemblyBlockData - 1) / kReassemblyBlockData;
  if (buffered_blocks_ + need > budget_->flow_cap_blocks()) {
    ++budget_->stats().flow_cap_hits;
    return false;
  }
  if (!budget_->CanAllocate(need)) {
    ++budget_->stats().global_cap_hits;
    return false;
  }
  ReassemblyBlock* prev = nullptr;
  if (tail_ && SeqDiff(seq, tail_->seq) > 0) {
    prev = tail_;  // the common case: appending past everything buffered
  } else {
    for (ReassemblyBlock* b = head_; b && SeqDiff(b->seq, seq) < 0; b = b->next) prev = b;
  }
  ReassemblyBlock* next = prev ? prev->next : head_;
  size_t off = 0;
  while (off < data.size()) {
    ReassemblyBlock* blk = budget_->Allocate();
    size_t len = std::min(kReassemblyBlockData, data.size() - off);
    blk->seq = seq + static_cast<uint32_t>(off);
    blk->len = static_cast<uint16_t>(len);
    std::memcpy(blk->data, data.data() + off, len);
    if (prev) {
      prev->next = blk;
    } else {
      head_ = blk;
    }
    prev = blk;
    off += len;
  }
  prev->next = next;
  if (!next) tail_ = prev;
  buffered_blocks_ += static_cast<uint32_t>(need);
  return true;
}

ReassemblyBlock* TcpReassembler::FirstBlockEndingAfter(uint32_t seq) const {
  if (!tail_ || SeqDiff(BlockEnd(tail_), seq) <= 0) return nullptr;
  for (ReassemblyBlock* b = head_; b; b = b->next) {
    if (SeqDiff(BlockEnd(b), seq) > 0) return b;
  }
  return nullptr;
}

void TcpReassembler::Drain(StreamReceiver* r, int dir) {
  while (head_) {
    int32_t off = SeqDiff(next_seq_, head_->seq);
    if (off < 0) break;
    if (off < head_->len) {
      if (r) r->OnStreamData(dir, std::span<const uint8_t>(head_->data + off, head_->len - off));
      next_seq_ = BlockEnd(head_);
    }
    ReassemblyBlock* b = head_;
    head_ = b->next;
    budget_->Free(b);
    --buffered_blocks_;
  }
  if (!head_) tail_ = nullptr;
}

void TcpReassembler::Gap(uint32_t length, StreamReceiver* r, int dir) {
  ReassemblyStats& stats = budget_ ? budget_->stats() : discarded_stats;
  ++stats.gaps;
  stats.gap_bytes += length;
  if (r) r->OnStreamGap(dir, length);
}

void TcpReassembler::CheckFin() {
  if ((flags_ & kFinSeen) && SeqDiff(next_seq_, fin_seq_) >= 0) flags_ |= kFinished;
}

void TcpReassembler::Flush(StreamReceiver* receiver, int direction) {
  while (head_) {
    int32_t hole = SeqDiff(head_->seq, next_seq_);
    if (hole > 0) {
      Gap(static_cast<uint32_t>(hole), receiver, direction);
      next_seq_ = head_->seq;
    }
    Drain(receiver, direction);
  }
  if ((flags_ & kFinSeen) && SeqDiff(fin_seq_, next_seq_) > 0) {
    Gap(static_cast<uint32_t>(SeqDiff(fin_seq_, next_seq_)), receiver, direction);
    next_seq_ = fin_seq_;
  }
  flags_ |= kFinished;
}

void TcpReassembler::Release() {
  if (!head_) return;
  ReassemblyStats& stats = budget_->stats();
  while (head_) {
    ReassemblyBlock* b = head_;
    head_ = b->next;
    stats.dropped_bytes += b->len;
    budget_->Free(b);
  }
  tail_ = nullptr;
  buffered_blocks_ = 0;
}

}  // namespace netward::flow
