#include "identity/ipfix_collector.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "identity/nat_listen.h"

namespace netward::identity {

Result<std::unique_ptr<IpfixCollector>> IpfixCollector::Start(const IpfixCollectorOptions& options,
                                                              IdentitySink* sink) {
  if (options.listen.empty()) {
    return Status::InvalidArgument("ipfix collector", "no listen address");
  }
  std::unique_ptr<IpfixCollector> c(new IpfixCollector(sink, options.limits));
  for (const std::string& text : options.listen) {
    Result<ListenAddress> a = ParseListenAddress(text, 4739);
    if (!a.ok()) return a.status();
    Result<int> fd = OpenUdpSocket(*a, options.receive_buffer_bytes);
    if (!fd.ok()) return fd.status();  // the destructor closes those already open
    c->fds_.push_back(*fd);
    c->ports_.push_back(BoundPort(*fd));
  }
  if (pipe2(c->wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::IOError("ipfix collector", "pipe failed");
  }
  c->thread_ = std::thread([p = c.get()] { p->Run(); });
  return c;
}

IpfixCollector::~IpfixCollector() {
  Stop();
  for (int fd : fds_) close(fd);
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

void IpfixCollector::Stop() {
  if (!stop_.exchange(true) && wake_[1] >= 0) {
    const char b = 1;
    ssize_t n = write(wake_[1], &b, 1);
    (void)n;
  }
  if (thread_.joinable()) thread_.join();
}

IpfixStats IpfixCollector::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

void IpfixCollector::Run() {
  std::vector<uint8_t> buf(65536);
  std::vector<record::NatRecord> out;
  std::vector<pollfd> fds;
  fds.push_back({wake_[0], POLLIN, 0});
  for (int fd : fds_) fds.push_back({fd, POLLIN, 0});
  while (!stop_.load()) {
    for (pollfd& p : fds) p.revents = 0;
    if (poll(fds.data(), fds.size(), 1000) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    for (size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      for (int n = 0; n < 256; ++n) {  // bounded drain, then the other sockets get a turn
        sockaddr_storage from{};
        socklen_t from_len = sizeof from;
        const ssize_t got = recvfrom(fds[i].fd, buf.data(), buf.size(), 0,
                                     reinterpret_cast<sockaddr*>(&from), &from_len);
        if (got < 0) break;
        out.clear();
        decoder_.Decode(SockaddrIp(from), std::span<const uint8_t>(buf.data(), got), &out);
        if (sink_ != nullptr) {
          for (const record::NatRecord& r : out) sink_->OnNat(r);
        }
        std::lock_guard<std::mutex> lock(stats_mu_);
        stats_ = decoder_.stats();
      }
    }
  }
}

}  // namespace netward::identity
