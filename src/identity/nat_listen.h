// src/identity/nat_listen.h: listening sockets for the NAT collectors (syslog, IPFIX/NetFlow).
// Addresses are "IP:PORT", "[IPv6]:PORT", "IP" (default port) or ":PORT" (all IPv4 addresses).
// Sockets are non-blocking and close-on-exec; the caller owns the returned descriptor.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/ip_address.h"
#include "common/status.h"

namespace netward::identity {

struct ListenAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

// InvalidArgument("listen address", ...) when `text` is not one of the forms above.
Result<ListenAddress> ParseListenAddress(std::string_view text, uint16_t default_port);
// A bound UDP socket with SO_RCVBUF raised towards `rcvbuf_bytes` (best effort). IOError naming
// the address on failure (e.g. port in use, port < 1024 without CAP_NET_BIND_SERVICE).
Result<int> OpenUdpSocket(const ListenAddress& address, int rcvbuf_bytes);
// A listening TCP socket (SO_REUSEADDR, backlog 64). IOError on failure.
Result<int> OpenTcpListener(const ListenAddress& address);
// The local port `fd` is bound to (after binding port 0), 0 on error.
uint16_t BoundPort(int fd);
// The address of a peer returned by recvfrom/accept.
IpAddress SockaddrIp(const sockaddr_storage& ss);

}  // namespace netward::identity
