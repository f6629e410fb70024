// NfqueueSource against a real queue: iptables NFQUEUE in a namespace the test creates (root).
#include "capture/nfqueue_source.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "capture/decoder.h"

namespace netward::capture {
namespace {

int Sh(const std::string& cmd) { return system(cmd.c_str()); }

TEST(NfqueueSource, DropAndAcceptVerdictsReachTheKernel) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespace, NFQUEUE)";
  if (Sh("command -v ip >/dev/null && command -v iptables >/dev/null") != 0) {
    GTEST_SKIP() << "ip or iptables missing (scripts/setup-deps installs them)";
  }
  const std::string ns = "nw-nfq-" + std::to_string(getpid());
  struct Cleanup {
    std::string ns;
    ~Cleanup() { Sh("ip netns del " + ns + " 2>/dev/null"); }
  } cleanup{ns};
  ASSERT_EQ(Sh("ip netns add " + ns + " && ip -n " + ns + " link set lo up && ip netns exec " + ns +
               " iptables -A OUTPUT -o lo -p udp --dport 9999 -j NFQUEUE --queue-num 11"),
            0);

  std::unique_ptr<NfqueueSource> queue;
  int rx = -1, tx = -1;
  std::string open_error, second_error;
  std::thread t([&] {
    int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return;
    close(fd);
    NfqueueOptions o;
    o.queue = 11;
    auto src = NfqueueSource::Open(o);
    if (!src.ok()) {
      open_error = src.status().ToString();
      return;
    }
    queue = std::move(*src);
    auto again = NfqueueSource::Open(o);  // the queue is taken: a clean error, not a crash
    if (!again.ok()) second_error = again.status().ToString();
    rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin = {};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(9999);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(rx, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
    connect(tx, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
  });
  t.join();
  ASSERT_TRUE(queue) << open_error;
  ASSERT_GE(rx, 0);
  EXPECT_NE(second_error.find("nfqueue 11"), std::string::npos)
      << "a second reader of the queue: " << second_error;
  struct timeval tv = {0, 300000};
  setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

  // Takes the next queued packet (within ~2 s) and checks it carries `text`.
  auto next = [&](const char* text, uint32_t* id) {
    RawPacket raw;
    for (int i = 0; i < 40; ++i) {
      auto got = queue->Next(&raw, id);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      if (!*got) continue;
      EXPECT_EQ(raw.linktype, kLinkRaw);
      Decoder d;
      DecodedPacket p;
      ASSERT_EQ(d.Decode(raw, &p), DecodeResult::kPacket);
      EXPECT_EQ(p.dst_port, 9999);
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(p.payload), p.payload_len), text);
      return;
    }
    FAIL() << "no packet queued";
  };
  char buf[64];
  uint32_t id = 0;
  ASSERT_EQ(send(tx, "drop-me", 7, 0), 7);
  ASSERT_NO_FATAL_FAILURE(next("drop-me", &id));
  ASSERT_TRUE(queue->Verdict(id, false).ok());
  EXPECT_EQ(recv(rx, buf, sizeof(buf), 0), -1) << "a dropped datagram arrived";

  ASSERT_EQ(send(tx, "pass-me", 7, 0), 7);
  ASSERT_NO_FATAL_FAILURE(next("pass-me", &id));
  ASSERT_TRUE(queue->Verdict(id, true).ok());
  ASSERT_EQ(recv(rx, buf, sizeof(buf), 0), 7);
  EXPECT_EQ(std::string(buf, 7), "pass-me");
  auto stats = queue->stats();
  EXPECT_EQ(stats.received, 2u);
  EXPECT_EQ(stats.accepted, 1u);
  EXPECT_EQ(stats.dropped, 1u);
  close(rx);
  close(tx);
}

}  // namespace
}  // namespace netward::capture
