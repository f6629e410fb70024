// src/capture/live_source.cc: libpcap live capture with a bounded wait.
#include "capture/live_source.h"

#include <pcap/pcap.h>
#include <poll.h>

namespace netward::capture {
namespace {

constexpr int kWaitMs = 50;

Status ActivateError(const std::string& ifname, int rc, pcap_t* p) {
  std::string detail = pcap_geterr(p);
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      return Status::NotFound(ifname,
                              "no such interface" + (detail.empty() ? "" : " (" + detail + ")"));
    case PCAP_ERROR_PERM_DENIED:
      return Status::InvalidArgument(
          ifname, "permission denied: capturing needs root or CAP_NET_RAW (" + detail + ")");
    case PCAP_ERROR_PROMISC_PERM_DENIED:
      return Status::InvalidArgument(ifname, "permission denied for promiscuous mode");
    case PCAP_ERROR_IFACE_NOT_UP:
      return Status::IOError(ifname, "interface is not up");
    default:
      return Status::IOError(ifname, std::string("cannot start capture: ") +
                                         (detail.empty() ? pcap_statustostr(rc) : detail));
  }
}

}  // namespace

Result<std::unique_ptr<LiveSource>> LiveSource::Open(const LiveOptions& options) {
  if (options.interface.empty()) return Status::InvalidArgument("live capture", "no interface");
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(options.interface.c_str(), errbuf);
  if (p == nullptr) return Status::IOError(options.interface, errbuf);
  std::unique_ptr<LiveSource> src(new LiveSource());
  src->interface_ = options.interface;
  src->handle_ = p;
  pcap_set_snaplen(p, options.snaplen > 0 ? options.snaplen : 65535);
  pcap_set_promisc(p, options.promiscuous ? 1 : 0);
  pcap_set_immediate_mode(p, 1);
  pcap_set_timeout(p, kWaitMs);
  if (options.buffer_mb > 0) pcap_set_buffer_size(p, options.buffer_mb * (1 << 20));
  int rc = pcap_activate(p);
  if (rc < 0) return ActivateError(options.interface, rc, p);  // ~LiveSource closes p
  if (pcap_setnonblock(p, 1, errbuf) != 0) return Status::IOError(options.interface, errbuf);
  if (!options.bpf_filter.empty()) {
    struct bpf_program prog;
    if (pcap_compile(p, &prog, options.bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return Status::InvalidArgument(options.bpf_filter,
                                     std::string("bad BPF filter: ") + pcap_geterr(p));
    }
    int set = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (set != 0) {
      return Status::IOError(options.interface,
                             std::string("cannot set filter: ") + pcap_geterr(p));
    }
  }
  src->linktype_ = pcap_datalink(p);
  return src;
}

LiveSource::~LiveSource() {
  if (handle_ != nullptr) pcap_close(handle_);
}

Result<bool> LiveSource::Next(RawPacket* out) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    struct pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(handle_, &hdr, &data);
    if (rc == 1) {
      out->ts = static_cast<TimestampUs>(hdr->ts.tv_sec) * kUsPerSecond + hdr->ts.tv_usec;
      out->data = data;
      out->caplen = hdr->caplen;
      out->wirelen = hdr->len;
      out->linktype = linktype_;
      return true;
    }
    if (rc < 0) {
      return Status::IOError(interface_, std::string("capture failed: ") + pcap_geterr(handle_));
    }
    if (attempt == 1) break;
    // Nothing buffered: wait for the descriptor (bounded), then try once more.
    int fd = pcap_get_selectable_fd(handle_);
    if (fd < 0) break;
    struct pollfd pfd = {fd, POLLIN, 0};
    int timeout = kWaitMs;
    const struct timeval* tv = pcap_get_required_select_timeout(handle_);
    if (tv != nullptr) {
      int req = static_cast<int>(tv->tv_sec * 1000 + tv->tv_usec / 1000);
      if (req < timeout) timeout = req;
    }
    if (poll(&pfd, 1, timeout) <= 0) break;
  }
  return false;
}

LiveSource::Stats LiveSource::stats() {
  Stats s;
  struct pcap_stat ps = {};
  if (pcap_stats(handle_, &ps) == 0) {
    s.received = ps.ps_recv;
    s.dropped = ps.ps_drop;
    s.if_dropped = ps.ps_ifdrop;
  }
  return s;
}

}  // namespace netward::capture
