// src/filter/tcp_reset_blocker.cc: block page, FIN and resets with the right sequence numbers.
#include "filter/tcp_reset_blocker.h"

#include <array>

#include "capture/packet.h"

namespace netward::filter {
namespace {

constexpr size_t kMaxPage = 1400;

constexpr char kDefaultPage[] =
    "HTTP/1.1 403 Forbidden\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 400\r\n"
    "Cache-Control: no-store\r\n"
    "Connection: close\r\n"
    "\r\n";
// UTF-8 body; its byte length is checked against Content-Length by a test.
constexpr char kDefaultBody[] =
    "<!doctype html>\n"
    "<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>403 \xe5\xb7\xb2\xe9\x98\xbb"
    "\xe6\x96\xad / Blocked</title></head>\n"
    "<body><h1>403 \xe8\xae\xbf\xe9\x97\xae\xe5\xb7\xb2\xe8\xa2\xab\xe9\x98\xbb\xe6\x96\xad</h1>\n"
    "<p>\xe4\xbe\x9d\xe6\x8d\xae\xe7\x9b\xb8\xe5\x85\xb3\xe6\xb3\x95\xe5\xbe\x8b\xe6\xb3\x95\xe8"
    "\xa7\x84\xef\xbc\x8c\xe8\xaf\xa5\xe5\x86\x85\xe5\xae\xb9\xe6\x97\xa0\xe6\xb3\x95\xe8\xae"
    "\xbf\xe9\x97\xae\xe3\x80\x82</p>\n"
    "<h1>403 Blocked</h1>\n"
    "<p>Access to this content has been blocked under applicable law.</p>\n"
    "</body></html>\n";

const std::string& DefaultPageText() {
  static const std::string page = [] {
    std::string body = kDefaultBody;
    std::string head = kDefaultPage;
    head.replace(head.find("400"), 3, std::to_string(body.size()));
    return head + body;
  }();
  return page;
}

}  // namespace

std::string_view DefaultBlockPage() { return DefaultPageText(); }

TcpResetBlocker::TcpResetBlocker(PacketInjector* injector, TcpResetOptions options)
    : injector_(injector), options_(std::move(options)) {
  if (options_.block_page.empty()) options_.block_page = DefaultPageText();
  if (options_.resets_per_side < 1) options_.resets_per_side = 1;
}

Result<std::string> TcpResetBlocker::Block(const BlockRequest& request) {
  if (request.kind != BlockRequest::Kind::kTcp) {
    return Status::InvalidArgument("tcp reset", "not a TCP request");
  }
  if (!request.tcp_state_known) {
    return Status::NotSupported("tcp reset", "the flow's sequence numbers are unknown");
  }
  FrameL2 to_client{request.client_mac, request.server_mac, request.vlan};
  FrameL2 to_server{request.server_mac, request.client_mac, request.vlan};
  ForgedPacket from_server;
  from_server.src_ip = request.server_ip;
  from_server.dst_ip = request.client_ip;
  from_server.src_port = request.server_port;
  from_server.dst_port = request.client_port;
  from_server.seq = request.server_next_seq;
  from_server.ack = request.client_next_seq;
  from_server.window = request.server_window;
  ForgedPacket from_client;
  from_client.src_ip = request.client_ip;
  from_client.dst_ip = request.server_ip;
  from_client.src_port = request.client_port;
  from_client.dst_port = request.server_port;
  from_client.seq = request.client_next_seq;
  from_client.ack = request.server_next_seq;
  from_client.window = request.client_window;

  std::array<uint8_t, 1600> frame;
  Status first_error;
  int sent = 0;
  auto send = [&](const FrameL2& l2, ForgedPacket& p) {
    p.ip_id = ip_id_.fetch_add(1, std::memory_order_relaxed);
    size_t n = BuildTcpFrame(l2, p, frame);
    Status st = n == 0 ? Status::InvalidArgument("tcp reset", "frame does not fit")
                       : injector_->Send({frame.data(), n});
    if (st.ok()) {
      ++sent;
    } else if (first_error.ok()) {
      first_error = st;
    }
  };

  bool page = request.http_block_page && options_.block_page.size() <= kMaxPage;
  if (page) {
    // The page as the server's next bytes, then FIN: the client sees a complete response.
    from_server.tcp_flags = capture::kTcpPsh | capture::kTcpAck;
    from_server.payload = {reinterpret_cast<const uint8_t*>(options_.block_page.data()),
                           options_.block_page.size()};
    send(to_client, from_server);
    from_server.seq += static_cast<uint32_t>(options_.block_page.size());
    from_server.payload = {};
    from_server.tcp_flags = capture::kTcpFin | capture::kTcpAck;
    send(to_client, from_server);
    from_server.seq += 1;
  }
  from_server.tcp_flags = capture::kTcpRst | capture::kTcpAck;
  from_server.window = 0;
  from_client.tcp_flags = capture::kTcpRst | capture::kTcpAck;
  from_client.window = 0;
  for (int i = 0; i < options_.resets_per_side; ++i) {
    send(to_client, from_server);
    send(to_server, from_client);
  }
  if (sent == 0) return first_error;
  return std::string(page ? "block_page+tcp_reset" : "tcp_reset");
}

}  // namespace netward::filter
