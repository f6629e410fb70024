#include "identity/syslog_nat_collector.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "identity/nat_listen.h"
#include "identity/syslog_nat_formats.h"
#include "identity/syslog_nat_framer.h"

namespace netward::identity {

void SyslogNatProcessor::HandleLine(std::string_view line, TimestampUs now) {
  ++messages_;
  SyslogMessage msg = ParseSyslogHeader(line, SyslogClock{offset_s_, now});
  if (msg.ts_from_receive) ++no_timestamp_;
  record::NatRecord rec;
  switch (ParseNatLine(msg, &rec)) {
    case NatLineResult::kMapping:
      ++mappings_;
      if (sink_ != nullptr) sink_->OnNat(rec);
      break;
    case NatLineResult::kNoMapping:
      ++no_mapping_;
      break;
    case NatLineResult::kMalformed:
      ++malformed_;
      break;
    case NatLineResult::kNotNat:
      ++unknown_;
      break;
  }
}

void SyslogNatProcessor::HandleDatagram(std::string_view datagram, TimestampUs now) {
  while (!datagram.empty()) {
    size_t end = datagram.find('\n');
    std::string_view line = datagram.substr(0, end);
    datagram = end == datagram.npos ? std::string_view() : datagram.substr(end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\0')) line.remove_suffix(1);
    if (!line.empty()) HandleLine(line, now);
  }
}

SyslogNatStats SyslogNatProcessor::stats() const {
  SyslogNatStats s;
  s.messages = messages_.load();
  s.mappings = mappings_.load();
  s.no_mapping = no_mapping_.load();
  s.malformed = malformed_.load();
  s.unknown_format = unknown_.load();
  s.no_timestamp = no_timestamp_.load();
  s.truncated = truncated_.load();
  s.connections_refused = refused_.load();
  return s;
}

SyslogNatCollector::SyslogNatCollector(const SyslogNatOptions& options, IdentitySink* sink)
    : options_(options), processor_(sink, options.rfc3164_utc_offset_s) {}

Result<std::unique_ptr<SyslogNatCollector>> SyslogNatCollector::Start(
    const SyslogNatOptions& options, IdentitySink* sink) {
  std::unique_ptr<SyslogNatCollector> c(new SyslogNatCollector(options, sink));
  if (options.max_line_bytes < 64) {
    return Status::InvalidArgument("syslog_nat", "max_line_bytes must be at least 64");
  }
  if (!options.udp_listen.empty()) {
    Result<ListenAddress> a = ParseListenAddress(options.udp_listen, 514);
    if (!a.ok()) return a.status();
    Result<int> fd = OpenUdpSocket(*a, 4 << 20);
    if (!fd.ok()) return fd.status();
    c->udp_fd_ = *fd;
    c->udp_port_ = BoundPort(c->udp_fd_);
  }
  if (!options.tcp_listen.empty()) {
    Result<ListenAddress> a = ParseListenAddress(options.tcp_listen, 514);
    if (!a.ok()) return a.status();
    Result<int> fd = OpenTcpListener(*a);
    if (!fd.ok()) return fd.status();
    c->tcp_fd_ = *fd;
    c->tcp_port_ = BoundPort(c->tcp_fd_);
  }
  if (pipe2(c->wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::IOError("syslog_nat", "pipe failed");
  }
  c->thread_ = std::thread([p = c.get()] { p->Run(); });
  return c;
}

SyslogNatCollector::~SyslogNatCollector() {
  Stop();
  for (int fd : {udp_fd_, tcp_fd_, wake_[0], wake_[1]}) {
    if (fd >= 0) close(fd);
  }
}

void SyslogNatCollector::Stop() {
  if (stop_.exchange(true)) {
    if (thread_.joinable()) thread_.join();
    return;
  }
  if (wake_[1] >= 0) {
    const char b = 1;
    ssize_t n = write(wake_[1], &b, 1);
    (void)n;
  }
  if (thread_.joinable()) thread_.join();
}

void SyslogNatCollector::Run() {
  struct Conn {
    int fd;
    SyslogFramer framer;
  };
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<char> buf(65536);
  std::vector<pollfd> fds;
  while (!stop_.load()) {
    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    if (udp_fd_ >= 0) fds.push_back({udp_fd_, POLLIN, 0});
    if (tcp_fd_ >= 0) fds.push_back({tcp_fd_, POLLIN, 0});
    const size_t first_conn = fds.size();
    for (const auto& c : conns) fds.push_back({c->fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 1000) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    const TimestampUs now = NowUs();
    for (size_t i = 1; i < first_conn; ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      if (fds[i].fd == udp_fd_) {
        // Drain a bounded number of datagrams, then serve the other sockets.
        for (int n = 0; n < 256; ++n) {
          const ssize_t got = recv(udp_fd_, buf.data(), buf.size(), 0);
          if (got <= 0) break;
          std::string_view d(buf.data(), static_cast<size_t>(got));
          if (d.size() > options_.max_line_bytes) {
            d = d.substr(0, options_.max_line_bytes);
            processor_.AddTruncated(1);
          }
          processor_.HandleDatagram(d, now);
        }
      } else {
        const int fd = accept4(tcp_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) continue;
        if (conns.size() >= options_.max_tcp_connections) {
          close(fd);
          processor_.AddRefused();
          continue;
        }
        conns.push_back(std::make_unique<Conn>(Conn{fd, SyslogFramer(options_.max_line_bytes)}));
      }
    }
    for (size_t i = first_conn; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Conn& c = *conns[i - first_conn];
      const uint64_t cut_before = c.framer.truncated();
      auto on_frame = [&](std::string_view frame) { processor_.HandleLine(frame, now); };
      const ssize_t got = recv(c.fd, buf.data(), buf.size(), 0);
      if (got > 0) {
        c.framer.Feed(std::string_view(buf.data(), static_cast<size_t>(got)), on_frame);
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        c.framer.Finish(on_frame);
        close(c.fd);
        c.fd = -1;
      }
      processor_.AddTruncated(c.framer.truncated() - cut_before);
    }
    std::erase_if(conns, [](const std::unique_ptr<Conn>& c) { return c->fd < 0; });
  }
  for (auto& c : conns) {
    c->framer.Finish([&](std::string_view frame) { processor_.HandleLine(frame, NowUs()); });
    close(c->fd);
  }
}

}  // namespace netward::identity
