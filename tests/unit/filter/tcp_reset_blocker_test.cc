// Forged resets and the block page against real Linux TCP sockets in two namespaces.
#include "filter/tcp_reset_blocker.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "filter/passive_blocker.h"
#include "netns_pair.h"

namespace netward::filter {
namespace {

using testing::NetnsPair;
using testing::TcpSniffer;

constexpr uint16_t kPort = 8080;

bool CanRun(std::string* why) {
  if (geteuid() != 0) {
    *why = "needs root (network namespaces, AF_PACKET)";
    return false;
  }
  if (NetnsPair::Sh("command -v ip >/dev/null 2>&1") != 0) {
    *why = "ip (iproute2) missing";
    return false;
  }
  return true;
}

void SetTimeout(int fd, int ms) {
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

// One established connection from A (client) to B (server), with some data both ways, and the
// sequence numbers seen on B's interface.
class Connection {
 public:
  Connection(bool v6) : v6_(v6), ns_(v6 ? "rst6" : "rst4") {}
  ~Connection() {
    for (int fd : {listen_fd_, server_fd_, client_fd_})
      if (fd >= 0) close(fd);
  }

  void Establish() {
    ASSERT_TRUE(ns_.Setup());
    ASSERT_TRUE(NetnsPair::InNs(ns_.b(), [&] {
      sniffer_ok_ = sniffer_.Open("vb");
      listen_fd_ = socket(v6_ ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      sockaddr_storage ss;
      socklen_t len = Address(/*server=*/true, &ss);
      if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
          listen(listen_fd_, 4) != 0) {
        close(listen_fd_);
        listen_fd_ = -1;
      }
    }));
    ASSERT_TRUE(sniffer_ok_);
    ASSERT_GE(listen_fd_, 0);
    ASSERT_TRUE(NetnsPair::InNs(ns_.a(), [&] {
      client_fd_ = socket(v6_ ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_storage ss;
      socklen_t len = Address(/*server=*/true, &ss);
      if (connect(client_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        close(client_fd_);
        client_fd_ = -1;
      }
    }));
    ASSERT_GE(client_fd_, 0) << std::strerror(errno);
    server_fd_ = accept(listen_fd_, nullptr, nullptr);
    ASSERT_GE(server_fd_, 0);
    SetTimeout(client_fd_, 2000);
    SetTimeout(server_fd_, 2000);
    // Data both ways, so neither side is at its initial sequence number.
    ASSERT_EQ(send(server_fd_, "hello", 5, 0), 5);
    char buf[64];
    ASSERT_EQ(recv(client_fd_, buf, 5, MSG_WAITALL), 5);
    const char request[] = "GET /blocked HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send(client_fd_, request, sizeof(request) - 1, 0),
              static_cast<ssize_t>(sizeof(request) - 1));
    ASSERT_EQ(recv(server_fd_, buf, sizeof(request) - 1, MSG_WAITALL),
              static_cast<ssize_t>(sizeof(request) - 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the ACKs settle
    sniffer_.Drain(kPort);
    ASSERT_TRUE(sniffer_.server_seen && sniffer_.client_seen);
  }

  BlockRequest Request() const {
    BlockRequest r;
    r.kind = BlockRequest::Kind::kTcp;
    r.client_ip = *IpAddress::Parse(v6_ ? "fd77::1" : "10.77.0.1");
    r.server_ip = *IpAddress::Parse(v6_ ? "fd77::2" : "10.77.0.2");
    r.client_port = sniffer_.client_port;
    r.server_port = kPort;
    r.client_mac = testing::kMacA;
    r.server_mac = testing::kMacB;
    r.tcp_state_known = true;
    r.client_next_seq = sniffer_.client_next;
    r.server_next_seq = sniffer_.server_next;
    return r;
  }

  // A blocker whose injector sends on B's interface (reaches the client) or A's (the server).
  std::unique_ptr<PassiveBlocker> BlockerOn(bool server_side) {
    std::unique_ptr<PassiveBlocker> blocker;
    PassiveBlockerOptions options;
    options.interface = server_side ? "vb" : "va";
    EXPECT_TRUE(NetnsPair::InNs(server_side ? ns_.b() : ns_.a(), [&] {
      auto b = PassiveBlocker::Open(options);
      if (b.ok()) blocker = std::move(*b);
    }));
    return blocker;
  }

  int client_fd() const { return client_fd_; }
  int server_fd() const { return server_fd_; }

 private:
  socklen_t Address(bool server, sockaddr_storage* ss) {
    std::memset(ss, 0, sizeof(*ss));
    if (v6_) {
      auto* a = reinterpret_cast<sockaddr_in6*>(ss);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(kPort);
      inet_pton(AF_INET6, server ? "fd77::2" : "fd77::1", &a->sin6_addr);
      return sizeof(*a);
    }
    auto* a = reinterpret_cast<sockaddr_in*>(ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(kPort);
    inet_pton(AF_INET, server ? "10.77.0.2" : "10.77.0.1", &a->sin_addr);
    return sizeof(*a);
  }

  bool v6_;
  NetnsPair ns_;
  TcpSniffer sniffer_;
  bool sniffer_ok_ = false;
  int listen_fd_ = -1, server_fd_ = -1, client_fd_ = -1;
};

class TcpResetBlockerTest : public ::testing::TestWithParam<bool> {};

TEST_P(TcpResetBlockerTest, ClientGetsConnectionReset) {
  std::string why;
  if (!CanRun(&why)) GTEST_SKIP() << why;
  Connection c(GetParam());
  ASSERT_NO_FATAL_FAILURE(c.Establish());
  auto blocker = c.BlockerOn(/*server_side=*/true);
  ASSERT_TRUE(blocker);
  auto taken = blocker->Block(c.Request());
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(*taken, "tcp_reset");
  EXPECT_EQ(blocker->stats().sent, 2u);  // one reset per end
  char buf[16];
  errno = 0;
  EXPECT_EQ(recv(c.client_fd(), buf, sizeof(buf), 0), -1);
  EXPECT_EQ(errno, ECONNRESET) << std::strerror(errno);
}

TEST_P(TcpResetBlockerTest, ServerGetsConnectionReset) {
  std::string why;
  if (!CanRun(&why)) GTEST_SKIP() << why;
  Connection c(GetParam());
  ASSERT_NO_FATAL_FAILURE(c.Establish());
  auto blocker = c.BlockerOn(/*server_side=*/false);
  ASSERT_TRUE(blocker);
  ASSERT_TRUE(blocker->Block(c.Request()).ok());
  char buf[16];
  errno = 0;
  EXPECT_EQ(recv(c.server_fd(), buf, sizeof(buf), 0), -1);
  EXPECT_EQ(errno, ECONNRESET) << std::strerror(errno);
}

INSTANTIATE_TEST_SUITE_P(Family, TcpResetBlockerTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Ipv6" : "Ipv4"; });

// The sequence number is what makes a reset count: one far outside the window is ignored.
TEST(TcpResetBlocker, WrongSequenceNumberIsIgnored) {
  std::string why;
  if (!CanRun(&why)) GTEST_SKIP() << why;
  Connection c(false);
  ASSERT_NO_FATAL_FAILURE(c.Establish());
  auto blocker = c.BlockerOn(true);
  ASSERT_TRUE(blocker);
  BlockRequest r = c.Request();
  r.server_next_seq += 0x40000000;
  ASSERT_TRUE(blocker->Block(r).ok());
  SetTimeout(c.client_fd(), 300);
  char buf[16];
  errno = 0;
  EXPECT_EQ(recv(c.client_fd(), buf, sizeof(buf), 0), -1);
  EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << std::strerror(errno);
  // The connection still works.
  ASSERT_EQ(send(c.server_fd(), "ok", 2, 0), 2);
  EXPECT_EQ(recv(c.client_fd(), buf, 2, MSG_WAITALL), 2);
}

TEST(TcpResetBlocker, ClientReadsBlockPageThenEnd) {
  std::string why;
  if (!CanRun(&why)) GTEST_SKIP() << why;
  Connection c(false);
  ASSERT_NO_FATAL_FAILURE(c.Establish());
  auto blocker = c.BlockerOn(true);
  ASSERT_TRUE(blocker);
  BlockRequest r = c.Request();
  r.http_block_page = true;
  auto taken = blocker->Block(r);
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(*taken, "block_page+tcp_reset");
  std::string got;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(c.client_fd(), buf, sizeof(buf), 0);
    if (n <= 0) break;  // FIN (0) or the reset after it
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, std::string(DefaultBlockPage()));
}

TEST(TcpResetBlocker, DefaultPageIsCompleteHttpResponse) {
  std::string page(DefaultBlockPage());
  ASSERT_EQ(page.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u);
  size_t head_end = page.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  std::string body = page.substr(head_end + 4);
  EXPECT_NE(page.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(body.find("Blocked"), std::string::npos);
  EXPECT_NE(body.find("\xe9\x98\xbb\xe6\x96\xad"), std::string::npos);  // 阻断
  EXPECT_LE(page.size(), 1400u);
}

TEST(TcpResetBlocker, RefusesUnknownSequenceAndDnsRequests) {
  TcpResetBlocker blocker(nullptr, {});  // never reaches the injector
  BlockRequest r;
  r.kind = BlockRequest::Kind::kTcp;
  auto unknown = blocker.Block(r);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Status::Code::kNotSupported);
  r.kind = BlockRequest::Kind::kDns;
  EXPECT_EQ(blocker.Block(r).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace netward::filter
