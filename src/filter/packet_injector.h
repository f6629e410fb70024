// src/filter/packet_injector.h: forged packets for blocking (docs/blocking.md). The Build*
// functions lay out one Ethernet frame (optional 802.1Q tag) carrying IPv4 or IPv6 and TCP or
// UDP, with every checksum computed; they are pure and thread-safe. A PacketInjector sends such
// frames through an AF_PACKET socket bound to one interface (needs CAP_NET_RAW).
// Send() never blocks: a full socket buffer drops the frame and counts it. Send() and stats()
// are thread-safe (one sendto per frame, atomic counters).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/ip_address.h"
#include "common/status.h"

namespace netward::filter {

// Link layer of a forged frame.
struct FrameL2 {
  std::array<uint8_t, 6> dst_mac{};
  std::array<uint8_t, 6> src_mac{};
  uint16_t vlan = 0;  // 0: untagged; else an 802.1Q tag with this id (priority 0)
};

// One IP packet to forge. src_ip and dst_ip must be the same family.
struct ForgedPacket {
  IpAddress src_ip, dst_ip;
  uint16_t src_port = 0, dst_port = 0;
  uint8_t ttl = 64;       // IPv4 TTL / IPv6 hop limit
  uint16_t ip_id = 0;     // IPv4 identification
  uint32_t seq = 0;       // TCP only
  uint32_t ack = 0;       // TCP only
  uint8_t tcp_flags = 0;  // capture/packet.h kTcp* bits
  uint16_t window = 0;    // TCP only
  std::span<const uint8_t> payload;
};

inline constexpr size_t kMaxForgedFrame = 1514 + 4;  // Ethernet MTU frame plus one VLAN tag

// Writes the frame into out[0, return) and returns its length; 0 when it does not fit in `out`
// or the addresses mix IPv4 and IPv6. Frames above 1518 bytes are allowed if `out` is big
// enough (the caller keeps payloads under the path MTU).
size_t BuildTcpFrame(const FrameL2& l2, const ForgedPacket& p, std::span<uint8_t> out);
size_t BuildUdpFrame(const FrameL2& l2, const ForgedPacket& p, std::span<uint8_t> out);

// The Internet checksum (RFC 1071) of `data` added to `initial` (a partial, unfolded sum);
// returns the folded, complemented 16-bit value in host order.
uint16_t InternetChecksum(std::span<const uint8_t> data, uint32_t initial = 0);

class PacketInjector {
 public:
  struct Stats {
    uint64_t sent = 0;     // frames handed to the kernel
    uint64_t dropped = 0;  // frames refused (buffer full, link down, other send errors)
  };

  // Opens an AF_PACKET socket bound to `interface` in the calling thread's network namespace.
  // Errors: InvalidArgument("packet injector", ...) for an empty name, NotFound(interface) when
  // it does not exist, InvalidArgument(interface, "permission denied ...") without
  // CAP_NET_RAW, IOError for other socket failures.
  static Result<std::unique_ptr<PacketInjector>> Open(const std::string& interface);
  // Inline mode, where packets have no link layer (NFQUEUE): Send() strips the frame's
  // Ethernet/VLAN header and sends the IP packet through raw IPPROTO_RAW sockets, so the
  // kernel routes it (and fills the MACs). interface() is "routed". Errors as Open's.
  static Result<std::unique_ptr<PacketInjector>> OpenRouted();
  ~PacketInjector();
  PacketInjector(const PacketInjector&) = delete;
  PacketInjector& operator=(const PacketInjector&) = delete;

  // Sends one complete Ethernet frame. IOError(interface, reason) when the kernel refused it
  // (counted in `dropped`); never waits for buffer space.
  Status Send(std::span<const uint8_t> frame);
  Stats stats() const { return {sent_.load(), dropped_.load()}; }
  const std::string& interface() const { return interface_; }

 private:
  PacketInjector() = default;
  Status SendRouted(std::span<const uint8_t> frame);

  std::string interface_;
  int fd_ = -1;   // AF_PACKET, or AF_INET raw when routed
  int fd6_ = -1;  // routed only: AF_INET6 raw
  int ifindex_ = 0;
  bool routed_ = false;
  std::atomic<uint64_t> sent_{0}, dropped_{0};
};

}  // namespace netward::filter
