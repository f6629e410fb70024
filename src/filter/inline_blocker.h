// src/filter/inline_blocker.h: the NFQUEUE Blocker (docs/blocking.md, "Inline mode"). Block()
// marks the flow; from then on ShouldDrop() says NF_DROP for each of its packets, in both
// directions, including the packet that completed the match (the probe asks after analyzing
// it). Both ends are also told: TCP resets (and the block page if asked) or the forged DNS
// answer are sent through a routed PacketInjector, and every later TCP packet of a blocked flow
// is answered with a reset whose sequence number is the one its sender acknowledged, which the
// sender's stack must accept (this also converts RFC 5961 challenge ACKs into resets).
// Marks are kept for `hold` after the last packet, at most `max_flows` (when full, expired
// marks and then the least recently seen one make room).
// Thread-safe: Block() runs on worker threads, ShouldDrop() on the queue reader; both take one
// mutex, and ShouldDrop() skips it while no flow is marked.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "capture/packet.h"
#include "common/ip_address.h"
#include "common/status.h"
#include "common/time.h"
#include "filter/block_action.h"
#include "filter/dns_blocker.h"
#include "filter/packet_injector.h"
#include "filter/tcp_reset_blocker.h"

namespace netward::filter {

struct InlineBlockerOptions {
  size_t max_flows = 1 << 16;
  TimestampUs hold = 120 * kUsPerSecond;
  int max_resets_per_flow = 16;  // resets answering later packets of one blocked flow
  TcpResetOptions tcp;
  DnsAnswerOptions dns;
};

class InlineBlocker : public Blocker {
 public:
  // With a routed injector (PacketInjector::OpenRouted's errors).
  static Result<std::unique_ptr<InlineBlocker>> Open(const InlineBlockerOptions& options);
  // `injector` (owned) may be null: flows are only dropped, nothing is sent (taken
  // "nfqueue_drop").
  InlineBlocker(std::unique_ptr<PacketInjector> injector, const InlineBlockerOptions& options);

  // Marks the flow. Returns "nfqueue_drop+tcp_reset", "nfqueue_drop+block_page+tcp_reset",
  // "nfqueue_drop+dns_nxdomain", "nfqueue_drop+dns_sinkhole", or "nfqueue_drop" when nothing
  // could be sent (the drop alone still stops the transmission). Never fails.
  Result<std::string> Block(const BlockRequest& request) override;

  // true: the packet belongs to a blocked flow and must get NF_DROP (a TCP packet that is not
  // itself a reset is answered with one, as described above). `now` refreshes the mark.
  bool ShouldDrop(const capture::DecodedPacket& packet, TimestampUs now);

  size_t blocked_flows() const { return count_.load(std::memory_order_relaxed); }
  uint64_t dropped_packets() const { return dropped_.load(std::memory_order_relaxed); }
  PacketInjector::Stats send_stats() const;

 private:
  struct Key {
    IpAddress a, b;  // (a, pa) <= (b, pb): both directions map to one key
    uint16_t pa = 0, pb = 0;
    uint8_t proto = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Mark {
    TimestampUs last_seen = 0;
    int resets_sent = 0;
  };
  static Key MakeKey(const IpAddress& x, uint16_t px, const IpAddress& y, uint16_t py,
                     uint8_t proto);
  void ResetSender(const capture::DecodedPacket& packet);

  std::unique_ptr<PacketInjector> injector_;
  InlineBlockerOptions options_;
  TcpResetBlocker tcp_;
  DnsBlocker dns_;
  std::mutex mu_;
  std::unordered_map<Key, Mark, KeyHash> marks_;
  std::atomic<size_t> count_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint16_t> ip_id_{0x6e77};
};

}  // namespace netward::filter
