#include "identity/conntrack_source.h"

#include <fcntl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/ip_proto.h"
#include "identity/syslog_nat_formats.h"

namespace netward::identity {
namespace {

IpAddress Addr(const nf_conntrack* ct, bool v6, nf_conntrack_attr v4_attr,
               nf_conntrack_attr v6_attr) {
  if (v6) {
    return IpAddress::FromV6(static_cast<const uint8_t*>(nfct_get_attr(ct, v6_attr)));
  }
  const uint32_t net_order = nfct_get_attr_u32(ct, v4_attr);
  return IpAddress::FromV4(reinterpret_cast<const uint8_t*>(&net_order));
}

int OnEvent(nf_conntrack_msg_type type, nf_conntrack* ct, void* self) {
  static_cast<ConntrackSource*>(self)->Handle(type, ct);
  return NFCT_CB_CONTINUE;
}

}  // namespace

Result<std::unique_ptr<ConntrackSource>> ConntrackSource::Start(const ConntrackOptions& options,
                                                                IdentitySink* sink) {
  std::unique_ptr<ConntrackSource> s(new ConntrackSource(options, sink));
  s->handle_ = nfct_open(CONNTRACK, NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_DESTROY);
  if (s->handle_ == nullptr) {
    return Status::IOError("conntrack", std::string("nfct_open: ") + strerror(errno) +
                                            " (needs CAP_NET_ADMIN and nf_conntrack)");
  }
  const int fd = nfct_fd(s->handle_);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (options.receive_buffer_bytes > 0) {
    // SO_RCVBUFFORCE (root) first; plain SO_RCVBUF is capped by net.core.rmem_max.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &options.receive_buffer_bytes,
                   sizeof options.receive_buffer_bytes) != 0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer_bytes,
                 sizeof options.receive_buffer_bytes);
    }
  }
  nfct_callback_register(s->handle_, NFCT_T_ALL, &OnEvent, s.get());
  if (pipe2(s->wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::IOError("conntrack", "pipe failed");
  }
  s->thread_ = std::thread([p = s.get()] { p->Run(); });
  return s;
}

ConntrackSource::~ConntrackSource() {
  Stop();
  if (handle_ != nullptr) nfct_close(handle_);
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

void ConntrackSource::Stop() {
  if (!stop_.exchange(true) && wake_[1] >= 0) {
    const char b = 1;
    ssize_t n = write(wake_[1], &b, 1);
    (void)n;
  }
  if (thread_.joinable()) thread_.join();
}

ConntrackStats ConntrackSource::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

void ConntrackSource::Run() {
  pollfd fds[2] = {{wake_[0], POLLIN, 0}, {nfct_fd(handle_), POLLIN, 0}};
  while (!stop_.load()) {
    fds[0].revents = fds[1].revents = 0;
    if (poll(fds, 2, 1000) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    if (fds[1].revents == 0) continue;
    // Non-blocking socket: nfct_catch returns once the queue is empty (EAGAIN).
    if (nfct_catch(handle_) < 0 && errno == ENOBUFS) {
      std::lock_guard<std::mutex> lock(stats_mu_);
      ++stats_.overruns;
    }
  }
}

void ConntrackSource::Handle(int type, const nf_conntrack* ct) {
  const TimestampUs now = NowUs();
  const bool v6 = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) == AF_INET6;
  const uint8_t proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
  const bool icmp = proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
  record::NatRecord r;
  r.inside_ip = Addr(ct, v6, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC);
  r.remote_ip = Addr(ct, v6, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST);
  r.outside_ip = Addr(ct, v6, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST);
  if (icmp) {
    r.inside_port = ntohs(nfct_get_attr_u16(ct, ATTR_ICMP_ID));
    // The reply tuple holds the (possibly rewritten) id where TCP/UDP hold the source port.
    const uint16_t reply_id = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC));
    r.outside_port = reply_id != 0 ? reply_id : r.inside_port;
  } else {
    r.inside_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
    r.remote_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
    r.outside_port = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST));
  }
  std::unique_lock<std::mutex> lock(stats_mu_);
  ++stats_.events;
  if (r.inside_ip == r.outside_ip && r.inside_port == r.outside_port) {
    ++stats_.not_nat;
    return;
  }
  char buf[4];
  r.proto = std::string(IpProtoName(proto, buf));
  r.source = "conntrack";
  const uint32_t id = nfct_get_attr_u32(ct, ATTR_ID);
  TimestampUs kernel_start = -1, kernel_stop = -1;
  // Kernel times are CLOCK_REALTIME nanoseconds (net.netfilter.nf_conntrack_timestamp=1).
  if (nfct_attr_is_set(ct, ATTR_TIMESTAMP_START) > 0) {
    kernel_start = static_cast<TimestampUs>(nfct_get_attr_u64(ct, ATTR_TIMESTAMP_START) / 1000);
  }
  if (nfct_attr_is_set(ct, ATTR_TIMESTAMP_STOP) > 0) {
    kernel_stop = static_cast<TimestampUs>(nfct_get_attr_u64(ct, ATTR_TIMESTAMP_STOP) / 1000);
  }
  if (type & NFCT_T_DESTROY) {
    r.end_ts = kernel_stop > 0 ? kernel_stop : now;
    auto it = open_.find(id);
    if (it != open_.end()) {
      r.ts = it->second;
      open_.erase(it);
    } else if (kernel_start > 0) {
      r.ts = kernel_start;
    } else {
      r.ts = r.end_ts;
      ++stats_.unpaired;
    }
    ++stats_.nat_destroy;
  } else {
    r.ts = kernel_start > 0 ? kernel_start : now;
    if (open_.size() < options_.max_open) {
      open_[id] = r.ts;
    } else {
      ++stats_.table_full;
    }
    ++stats_.nat_new;
  }
  lock.unlock();
  if (sink_ != nullptr) sink_->OnNat(r);
}

}  // namespace netward::identity
