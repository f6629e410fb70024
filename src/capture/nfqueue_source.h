// src/capture/nfqueue_source.h: packets from an iptables/nftables NFQUEUE (libnetfilter_queue),
// for the probe's inline mode (docs/blocking.md, "Inline mode"). Each packet is held by the
// kernel until Verdict() is given for it: the caller analyzes it, then accepts or drops it.
// Packets come as raw IP (RawPacket::linktype = kLinkRaw; no link layer).
// Fail-open: the queue is created with NFQA_CFG_F_FAIL_OPEN, so when it is full (the probe
// falls behind by `queue_maxlen` packets) the kernel accepts new packets unseen instead of
// dropping them; with iptables' --queue-bypass, traffic also passes while no probe listens.
// Needs CAP_NET_ADMIN (root). One thread per NfqueueSource; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "capture/packet.h"
#include "common/status.h"

struct nfq_handle;
struct nfq_q_handle;
struct nfq_data;
struct nfgenmsg;

namespace netward::capture {

struct NfqueueOptions {
  uint16_t queue = 0;            // the NFQUEUE number (--queue-num)
  uint32_t queue_maxlen = 4096;  // packets the kernel holds for us before failing open
  uint32_t copy_range = 65535;   // bytes of each packet copied to us
  int socket_buffer_mb = 16;     // netlink receive buffer
};

class NfqueueSource {
 public:
  struct Stats {
    uint64_t received = 0;
    uint64_t accepted = 0;
    uint64_t dropped = 0;         // NF_DROP verdicts given
    uint64_t overruns = 0;        // ENOBUFS on the socket: the kernel could not queue to us
    uint64_t verdict_errors = 0;  // nfq_set_verdict failed (the kernel keeps the packet queued)
  };

  // Binds the queue. Errors: InvalidArgument("nfqueue N", "permission denied ...") without
  // CAP_NET_ADMIN, IOError("nfqueue N", ...) when the queue is taken by another program or
  // netlink fails.
  static Result<std::unique_ptr<NfqueueSource>> Open(const NfqueueOptions& options);
  ~NfqueueSource();
  NfqueueSource(const NfqueueSource&) = delete;
  NfqueueSource& operator=(const NfqueueSource&) = delete;

  // true: *out holds a packet (data valid until the next call) and *id names it for Verdict().
  // false: nothing arrived within ~50 ms. IOError when reading the socket failed for good.
  // Every packet returned must get a Verdict() before the next Next() call.
  Result<bool> Next(RawPacket* out, uint32_t* id);
  // NF_ACCEPT (accept = true) or NF_DROP for packet `id`. IOError when netlink refused it.
  Status Verdict(uint32_t id, bool accept);
  Stats stats() const { return stats_; }

 private:
  NfqueueSource() = default;
  static int OnPacket(nfq_q_handle* qh, nfgenmsg* msg, nfq_data* nfad, void* self);

  struct Pending {
    uint32_t id;
    const uint8_t* data;
    uint32_t len;
    TimestampUs ts;
  };
  NfqueueOptions options_;
  nfq_handle* handle_ = nullptr;
  nfq_q_handle* queue_ = nullptr;
  int fd_ = -1;
  std::vector<uint8_t> buffer_;  // one netlink read; Pending entries point into it
  std::vector<Pending> pending_;
  size_t next_pending_ = 0;
  Stats stats_;
};

}  // namespace netward::capture
