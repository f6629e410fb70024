#include "identity/nat_listen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace netward::identity {
namespace {

std::string Describe(const ListenAddress& a) {
  char text[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (a.addr.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&a.addr);
    inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof text);
    port = ntohs(s6->sin6_port);
    // Appended piece by piece: `"[" + std::string(text)` trips g++ 12's -Wrestrict false
    // positive (GCC bug 105329) at -O3, which -Werror turns into a failed Release build.
    std::string out = "[";
    out += text;
    out += "]:";
    out += std::to_string(port);
    return out;
  }
  const auto* s4 = reinterpret_cast<const sockaddr_in*>(&a.addr);
  inet_ntop(AF_INET, &s4->sin_addr, text, sizeof text);
  port = ntohs(s4->sin_port);
  return std::string(text) + ":" + std::to_string(port);
}

Result<int> Open(const ListenAddress& a, int type) {
  const int fd = socket(a.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(Describe(a), std::string("socket: ") + strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (a.addr.ss_family == AF_INET6) {
    int zero = 0;  // "[::]:P" accepts IPv4 too
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&a.addr), a.len) != 0) {
    const int err = errno;
    close(fd);
    return Status::IOError(Describe(a), std::string("bind: ") + strerror(err));
  }
  return fd;
}

}  // namespace

Result<ListenAddress> ParseListenAddress(std::string_view text, uint16_t default_port) {
  std::string_view host = text;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == text.npos) return Status::InvalidArgument("listen address", "missing ']'");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::InvalidArgument("listen address", text);
      port_text = rest.substr(1);
    }
  } else if (size_t colon = text.find(':');
             colon != text.npos && text.find(':', colon + 1) == text.npos) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  uint16_t port = default_port;
  if (!port_text.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || v > 65535) {
      return Status::InvalidArgument("listen address",
                                     std::string(text) + ": port must be 0..65535");
    }
    port = static_cast<uint16_t>(v);
  }
  if (host.empty()) host = "0.0.0.0";
  std::optional<IpAddress> ip = IpAddress::Parse(host);
  if (!ip) {
    return Status::InvalidArgument("listen address",
                                   std::string(text) + ": expected IP:PORT or [IPv6]:PORT");
  }
  ListenAddress a;
  if (ip->is_v4()) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&a.addr);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    std::memcpy(&s4->sin_addr, ip->bytes + 12, 4);
    a.len = sizeof(sockaddr_in);
  } else {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&a.addr);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, ip->bytes, 16);
    a.len = sizeof(sockaddr_in6);
  }
  return a;
}

Result<int> OpenUdpSocket(const ListenAddress& address, int rcvbuf_bytes) {
  Result<int> fd = Open(address, SOCK_DGRAM);
  if (fd.ok() && rcvbuf_bytes > 0) {
    setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof rcvbuf_bytes);
  }
  return fd;
}

Result<int> OpenTcpListener(const ListenAddress& address) {
  Result<int> fd = Open(address, SOCK_STREAM);
  if (fd.ok() && listen(*fd, 64) != 0) {
    const int err = errno;
    close(*fd);
    return Status::IOError(Describe(address), std::string("listen: ") + strerror(err));
  }
  return fd;
}

uint16_t BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

IpAddress SockaddrIp(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET6) {
    IpAddress a = IpAddress::FromV6(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr.s6_addr);
    return a;
  }
  const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
  return IpAddress::FromV4(reinterpret_cast<const uint8_t*>(&s4->sin_addr));
}

}  // namespace netward::identity
