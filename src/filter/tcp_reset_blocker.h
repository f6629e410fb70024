// src/filter/tcp_reset_blocker.h: stops a TCP connection by forging resets to both ends
// (docs/blocking.md, "TCP"). Each end gets a RST|ACK whose sequence number is exactly what
// that end expects next (BlockRequest::client_next_seq / server_next_seq), so RFC 5961 stacks
// accept it; with http_block_page the client first gets a "403 blocked" HTML page (zh-CN and
// English) as if from the server, then FIN and RST after it.
// In passive mode the forged packets race the real ones: a segment that reaches an end before
// the reset moves what it expects and the reset is ignored (docs/blocking.md, "Limits").
// Thread-safe: Block() builds on the stack and sends through the (thread-safe) injector.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "filter/block_action.h"
#include "filter/packet_injector.h"

namespace netward::filter {

// The built-in block page: a complete HTTP/1.1 403 response (Connection: close, UTF-8 HTML).
std::string_view DefaultBlockPage();

struct TcpResetOptions {
  // Sent when a request asks for a block page; empty: DefaultBlockPage(). Must fit in one
  // segment (<= 1400 bytes), else Block() falls back to resets only.
  std::string block_page;
  // Resets per end (>= 1): extra copies guard against one being lost on a busy link.
  int resets_per_side = 1;
};

class TcpResetBlocker {
 public:
  // `injector` is not owned and must outlive the blocker.
  TcpResetBlocker(PacketInjector* injector, TcpResetOptions options);

  // request.kind must be kTcp with tcp_state_known. Returns "tcp_reset" or
  // "block_page+tcp_reset". Errors: InvalidArgument for a DNS request, NotSupported when the
  // sequence numbers are unknown, the injector's IOError when nothing could be sent (a reset
  // that reached one end only is still reported as done).
  Result<std::string> Block(const BlockRequest& request);

 private:
  PacketInjector* injector_;
  TcpResetOptions options_;
  std::atomic<uint16_t> ip_id_{0x4e57};
};

}  // namespace netward::filter
