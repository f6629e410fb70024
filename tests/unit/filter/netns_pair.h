// tests/unit/filter/netns_pair.h: two network namespaces joined by one veth pair, for the
// blocker tests (root only). A (the client) is 10.77.0.1 / fd77::1 on "va" with MAC
// 02:00:0a:4d:00:01; B (the server) is 10.77.0.2 / fd77::2 on "vb" with 02:00:0a:4d:00:02.
// Names carry the test's pid and a tag; the destructor deletes both namespaces, also when an
// assertion fails. InNs() runs a function on a thread inside a namespace: sockets made there
// stay in that namespace and can be used from any thread afterwards.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include "capture/decoder.h"
#include "capture/packet.h"

namespace netward::filter::testing {

inline std::array<uint8_t, 6> kMacA = {0x02, 0x00, 0x0a, 0x4d, 0x00, 0x01};
inline std::array<uint8_t, 6> kMacB = {0x02, 0x00, 0x0a, 0x4d, 0x00, 0x02};

class NetnsPair {
 public:
  explicit NetnsPair(const std::string& tag)
      : a_("nw-" + tag + "-" + std::to_string(getpid()) + "-a"),
        b_("nw-" + tag + "-" + std::to_string(getpid()) + "-b") {}
  ~NetnsPair() {
    Sh("ip netns del " + a_ + " 2>/dev/null");
    Sh("ip netns del " + b_ + " 2>/dev/null");
  }
  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }

  bool Setup() {
    std::string s = "set -e; ip netns add " + a_ + "; ip netns add " + b_ + "; ip -n " + a_ +
                    " link add va type veth peer name vb netns " + b_ + "; ip -n " + a_ +
                    " link set va address 02:00:0a:4d:00:01; ip -n " + b_ +
                    " link set vb address 02:00:0a:4d:00:02; ip -n " + a_ +
                    " addr add 10.77.0.1/24 dev va; ip -n " + b_ +
                    " addr add 10.77.0.2/24 dev vb; ip -n " + a_ +
                    " addr add fd77::1/64 dev va nodad; ip -n " + b_ +
                    " addr add fd77::2/64 dev vb nodad; ip -n " + a_ + " link set lo up; ip -n " +
                    b_ + " link set lo up; ip -n " + a_ + " link set va up; ip -n " + b_ +
                    " link set vb up; ip -n " + a_ + " neigh add 10.77.0.2 lladdr " +
                    "02:00:0a:4d:00:02 dev va; ip -n " + b_ +
                    " neigh add 10.77.0.1 lladdr 02:00:0a:4d:00:01 dev vb; ip -n " + a_ +
                    " neigh add fd77::2 lladdr 02:00:0a:4d:00:02 dev va; ip -n " + b_ +
                    " neigh add fd77::1 lladdr 02:00:0a:4d:00:01 dev vb";
    if (Sh("bash -c \"" + s + "\" >/dev/null 2>&1") != 0) return false;
    // Wait for carrier on both ends (at most ~3 s).
    for (int i = 0; i < 30; ++i) {
      if (Sh("ip -n " + a_ + " link show va | grep -q LOWER_UP && ip -n " + b_ +
             " link show vb | grep -q LOWER_UP") == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Runs fn() on a new thread that joined namespace `ns`; returns false if joining failed.
  static bool InNs(const std::string& ns, const std::function<void()>& fn) {
    bool ok = false;
    std::thread t([&] {
      int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return;
      if (setns(fd, CLONE_NEWNET) == 0) {
        ok = true;
        fn();
      }
      close(fd);
    });
    t.join();
    return ok;
  }

  static int Sh(const std::string& cmd) { return system(cmd.c_str()); }

 private:
  std::string a_, b_;
};

// Reads frames from one interface (AF_PACKET, both directions) and remembers, per direction of
// one TCP connection, the next sequence number each side will send.
class TcpSniffer {
 public:
  // Call inside the namespace of `ifname`.
  bool Open(const char* ifname) {
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd_ < 0) return false;
    struct sockaddr_ll sll = {};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname));
    return bind(fd_, reinterpret_cast<struct sockaddr*>(&sll), sizeof(sll)) == 0;
  }
  ~TcpSniffer() {
    if (fd_ >= 0) close(fd_);
  }
  // Drains what is queued; `server_port` tells the directions apart.
  void Drain(uint16_t server_port) {
    uint8_t buf[2048];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return;
      capture::RawPacket raw;
      raw.data = buf;
      raw.caplen = raw.wirelen = static_cast<uint32_t>(n);
      raw.linktype = capture::kLinkEthernet;
      capture::DecodedPacket p;
      if (decoder_.Decode(raw, &p) != capture::DecodeResult::kPacket) continue;
      if (p.ip_proto != capture::kIpProtoTcp) continue;
      if (p.tcp_flags & capture::kTcpRst) {
        ++resets_seen;
        continue;
      }
      uint32_t next = p.tcp_seq + p.payload_len + ((p.tcp_flags & capture::kTcpSyn) ? 1 : 0) +
                      ((p.tcp_flags & capture::kTcpFin) ? 1 : 0);
      if (p.src_port == server_port) {
        server_next = next;
        server_seen = true;
      } else if (p.dst_port == server_port) {
        client_next = next;
        client_port = p.src_port;
        client_seen = true;
      }
    }
  }
  uint32_t server_next = 0, client_next = 0;
  uint16_t client_port = 0;
  bool server_seen = false, client_seen = false;
  int resets_seen = 0;

 private:
  int fd_ = -1;
  capture::Decoder decoder_;
};

}  // namespace netward::filter::testing
