// src/capture/nfqueue_source.cc: libnetfilter_queue with a bounded wait and fail-open queue.
#include "capture/nfqueue_source.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

extern "C" {
#include <libnetfilter_queue/libnetfilter_queue.h>
}

namespace netward::capture {
namespace {

constexpr int kWaitMs = 50;
constexpr size_t kBufferBytes = 1 << 17;

}  // namespace

Result<std::unique_ptr<NfqueueSource>> NfqueueSource::Open(const NfqueueOptions& options) {
  const std::string where = "nfqueue " + std::to_string(options.queue);
  std::unique_ptr<NfqueueSource> src(new NfqueueSource());
  src->options_ = options;
  src->handle_ = nfq_open();
  if (src->handle_ == nullptr) {
    if (errno == EPERM || errno == EACCES) {
      return Status::InvalidArgument(where,
                                     "permission denied: NFQUEUE needs root or "
                                     "CAP_NET_ADMIN");
    }
    return Status::IOError(where, std::string("nfq_open: ") + std::strerror(errno));
  }
  src->queue_ = nfq_create_queue(src->handle_, options.queue, &NfqueueSource::OnPacket, src.get());
  if (src->queue_ == nullptr) {
    int e = errno;
    if (e == EPERM || e == EACCES) {
      return Status::InvalidArgument(where,
                                     "permission denied: NFQUEUE needs root or "
                                     "CAP_NET_ADMIN");
    }
    return Status::IOError(where, std::string("cannot bind the queue (is another program "
                                              "reading it?): ") +
                                      std::strerror(e));
  }
  if (nfq_set_mode(src->queue_, NFQNL_COPY_PACKET, options.copy_range) < 0) {
    return Status::IOError(where, std::string("nfq_set_mode: ") + std::strerror(errno));
  }
  if (options.queue_maxlen > 0 && nfq_set_queue_maxlen(src->queue_, options.queue_maxlen) < 0) {
    return Status::IOError(where, std::string("nfq_set_queue_maxlen: ") + std::strerror(errno));
  }
  // Fail open: a full queue lets packets through unseen rather than dropping them (kernel
  // >= 3.6; older kernels refuse the flag and the queue drops when full).
  (void)nfq_set_queue_flags(src->queue_, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
  src->fd_ = nfq_fd(src->handle_);
  if (options.socket_buffer_mb > 0) {
    int bytes = options.socket_buffer_mb << 20;
    if (setsockopt(src->fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0) {
      (void)setsockopt(src->fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    }
  }
  src->buffer_.resize(kBufferBytes);
  return src;
}

NfqueueSource::~NfqueueSource() {
  if (queue_ != nullptr) nfq_destroy_queue(queue_);
  if (handle_ != nullptr) nfq_close(handle_);
}

int NfqueueSource::OnPacket(nfq_q_handle*, nfgenmsg*, nfq_data* nfad, void* self) {
  auto* src = static_cast<NfqueueSource*>(self);
  nfqnl_msg_packet_hdr* hdr = nfq_get_msg_packet_hdr(nfad);
  if (hdr == nullptr) return 0;
  unsigned char* data = nullptr;
  int len = nfq_get_payload(nfad, &data);
  Pending p;
  p.id = ntohl(hdr->packet_id);
  p.data = len > 0 ? data : nullptr;
  p.len = len > 0 ? static_cast<uint32_t>(len) : 0;
  struct timeval tv = {};
  p.ts = (nfq_get_timestamp(nfad, &tv) == 0 && tv.tv_sec != 0)
             ? static_cast<TimestampUs>(tv.tv_sec) * kUsPerSecond + tv.tv_usec
             : NowUs();
  src->pending_.push_back(p);
  return 0;
}

Result<bool> NfqueueSource::Next(RawPacket* out, uint32_t* id) {
  bool waited = false;
  for (;;) {
    if (next_pending_ < pending_.size()) {
      const Pending& p = pending_[next_pending_++];
      ++stats_.received;
      out->ts = p.ts;
      out->data = p.data;
      out->caplen = p.len;
      out->wirelen = p.len;
      out->linktype = kLinkRaw;
      *id = p.id;
      return true;
    }
    pending_.clear();
    next_pending_ = 0;
    // Wait once (bounded); after that only take what is already there.
    struct pollfd pfd = {fd_, POLLIN, 0};
    int ready = poll(&pfd, 1, waited ? 0 : kWaitMs);
    waited = true;
    if (ready <= 0) return false;
    ssize_t n = recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == ENOBUFS) {  // the kernel could not queue messages to us; it goes on
        ++stats_.overruns;
        continue;
      }
      if (errno == EAGAIN || errno == EINTR) return false;
      return Status::IOError("nfqueue " + std::to_string(options_.queue),
                             std::string("recv: ") + std::strerror(errno));
    }
    nfq_handle_packet(handle_, reinterpret_cast<char*>(buffer_.data()), static_cast<int>(n));
  }
}

Status NfqueueSource::Verdict(uint32_t id, bool accept) {
  if (nfq_set_verdict(queue_, id, accept ? NF_ACCEPT : NF_DROP, 0, nullptr) < 0) {
    ++stats_.verdict_errors;
    return Status::IOError("nfqueue " + std::to_string(options_.queue),
                           std::string("verdict: ") + std::strerror(errno));
  }
  if (accept) {
    ++stats_.accepted;
  } else {
    ++stats_.dropped;
  }
  return Status::OK();
}

}  // namespace netward::capture
