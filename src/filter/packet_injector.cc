// src/filter/packet_injector.cc: frame layout with checksums, and the AF_PACKET sender.
#include "filter/packet_injector.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capture/packet.h"

namespace netward::filter {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr size_t kIpv4Header = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kTcpHeader = 20;
constexpr size_t kUdpHeader = 8;

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, static_cast<uint16_t>(v >> 16));
  Put16(p + 2, static_cast<uint16_t>(v));
}

// Unfolded one's-complement sum of 16-bit big-endian words.
uint32_t SumWords(const uint8_t* data, size_t len, uint32_t sum) {
  size_t i = 0;
  for (; i + 1 < len; i += 2) sum += (uint32_t{data[i]} << 8) | data[i + 1];
  if (i < len) sum += uint32_t{data[i]} << 8;
  // Fold early so long inputs cannot overflow 32 bits.
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

// Ethernet (+VLAN) header; returns the offset of the IP header.
size_t PutL2(const FrameL2& l2, bool v6, uint8_t* out) {
  std::memcpy(out, l2.dst_mac.data(), 6);
  std::memcpy(out + 6, l2.src_mac.data(), 6);
  size_t off = 12;
  if (l2.vlan != 0) {
    Put16(out + off, kEtherVlan);
    Put16(out + off + 2, l2.vlan & 0x0fff);
    off += 4;
  }
  Put16(out + off, v6 ? kEtherIpv6 : kEtherIpv4);
  return off + 2;
}

// IP header for an L4 segment of l4_len bytes; returns the pseudo-header sum for the L4
// checksum.
uint32_t PutIp(const ForgedPacket& p, bool v6, uint8_t proto, size_t l4_len, uint8_t* ip) {
  uint32_t pseudo = 0;
  if (!v6) {
    ip[0] = 0x45;
    ip[1] = 0;
    Put16(ip + 2, static_cast<uint16_t>(kIpv4Header + l4_len));
    Put16(ip + 4, p.ip_id);
    Put16(ip + 6, 0x4000);  // DF
    ip[8] = p.ttl;
    ip[9] = proto;
    Put16(ip + 10, 0);
    std::memcpy(ip + 12, p.src_ip.bytes + 12, 4);
    std::memcpy(ip + 16, p.dst_ip.bytes + 12, 4);
    Put16(ip + 10, InternetChecksum({ip, kIpv4Header}));
    pseudo = SumWords(ip + 12, 8, 0);
  } else {
    Put32(ip, 0x60000000);
    Put16(ip + 4, static_cast<uint16_t>(l4_len));
    ip[6] = proto;
    ip[7] = p.ttl;
    std::memcpy(ip + 8, p.src_ip.bytes, 16);
    std::memcpy(ip + 24, p.dst_ip.bytes, 16);
    pseudo = SumWords(ip + 8, 32, 0);
  }
  pseudo += proto;
  pseudo += static_cast<uint32_t>(l4_len);
  return pseudo;
}

// Shared layout: L2, IP, then `l4_header` bytes of L4 header written by `put_l4`, then the
// payload; the L4 checksum goes at checksum_at (offset inside the L4 header).
template <typename PutL4>
size_t Build(const FrameL2& l2, const ForgedPacket& p, std::span<uint8_t> out, uint8_t proto,
             size_t l4_header, size_t checksum_at, PutL4 put_l4) {
  const bool v6 = !p.src_ip.is_v4();
  if (v6 != !p.dst_ip.is_v4()) return 0;
  const size_t ip_len = v6 ? kIpv6Header : kIpv4Header;
  const size_t l2_len = l2.vlan != 0 ? 18 : 14;
  const size_t l4_len = l4_header + p.payload.size();
  const size_t total = l2_len + ip_len + l4_len;
  if (total > out.size() || l4_len > 0xffff - ip_len) return 0;
  uint8_t* frame = out.data();
  size_t ip_off = PutL2(l2, v6, frame);
  uint32_t pseudo = PutIp(p, v6, proto, l4_len, frame + ip_off);
  uint8_t* l4 = frame + ip_off + ip_len;
  put_l4(l4);
  Put16(l4 + checksum_at, 0);
  if (!p.payload.empty()) std::memcpy(l4 + l4_header, p.payload.data(), p.payload.size());
  uint16_t sum = InternetChecksum({l4, l4_len}, pseudo);
  if (proto == capture::kIpProtoUdp && sum == 0) sum = 0xffff;  // 0 means "no checksum"
  Put16(l4 + checksum_at, sum);
  return total;
}

}  // namespace

uint16_t InternetChecksum(std::span<const uint8_t> data, uint32_t initial) {
  uint32_t sum = SumWords(data.data(), data.size(), initial);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

size_t BuildTcpFrame(const FrameL2& l2, const ForgedPacket& p, std::span<uint8_t> out) {
  return Build(l2, p, out, capture::kIpProtoTcp, kTcpHeader, 16, [&p](uint8_t* tcp) {
    Put16(tcp, p.src_port);
    Put16(tcp + 2, p.dst_port);
    Put32(tcp + 4, p.seq);
    Put32(tcp + 8, p.ack);
    tcp[12] = (kTcpHeader / 4) << 4;
    tcp[13] = p.tcp_flags;
    Put16(tcp + 14, p.window);
    Put16(tcp + 18, 0);  // urgent pointer
  });
}

size_t BuildUdpFrame(const FrameL2& l2, const ForgedPacket& p, std::span<uint8_t> out) {
  return Build(l2, p, out, capture::kIpProtoUdp, kUdpHeader, 6, [&p](uint8_t* udp) {
    Put16(udp, p.src_port);
    Put16(udp + 2, p.dst_port);
    Put16(udp + 4, static_cast<uint16_t>(kUdpHeader + p.payload.size()));
  });
}

Result<std::unique_ptr<PacketInjector>> PacketInjector::Open(const std::string& interface) {
  if (interface.empty()) return Status::InvalidArgument("packet injector", "no interface named");
  if (interface.size() >= IFNAMSIZ) return Status::InvalidArgument(interface, "name too long");
  unsigned index = if_nametoindex(interface.c_str());
  if (index == 0) return Status::NotFound(interface, "no such interface");
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);  // protocol 0: send only
  if (fd < 0) {
    int e = errno;
    if (e == EPERM || e == EACCES) {
      return Status::InvalidArgument(interface,
                                     "permission denied: injecting needs root or CAP_NET_RAW");
    }
    return Status::IOError(interface, std::string("socket(AF_PACKET): ") + std::strerror(e));
  }
  std::unique_ptr<PacketInjector> inj(new PacketInjector());
  inj->fd_ = fd;
  inj->interface_ = interface;
  inj->ifindex_ = static_cast<int>(index);
  struct sockaddr_ll sll = {};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = 0;
  sll.sll_ifindex = inj->ifindex_;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&sll), sizeof(sll)) != 0) {
    return Status::IOError(interface, std::string("bind: ") + std::strerror(errno));
  }
  return inj;
}

Result<std::unique_ptr<PacketInjector>> PacketInjector::OpenRouted() {
  std::unique_ptr<PacketInjector> inj(new PacketInjector());
  inj->interface_ = "routed";
  inj->routed_ = true;
  inj->fd_ = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
  int e = errno;
  if (inj->fd_ >= 0) {
    inj->fd6_ = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
    e = errno;
  }
  if (inj->fd_ < 0 || inj->fd6_ < 0) {
    if (e == EPERM || e == EACCES) {
      return Status::InvalidArgument("routed injector",
                                     "permission denied: injecting needs root or CAP_NET_RAW");
    }
    return Status::IOError("routed injector", std::string("socket(SOCK_RAW): ") + std::strerror(e));
  }
  return inj;
}

PacketInjector::~PacketInjector() {
  if (fd_ >= 0) close(fd_);
  if (fd6_ >= 0) close(fd6_);
}

Status PacketInjector::SendRouted(std::span<const uint8_t> frame) {
  size_t off = 12;
  if (frame.size() >= 16 && ((frame[12] << 8) | frame[13]) == kEtherVlan) off = 16;
  if (frame.size() < off + 2) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return Status::InvalidArgument(interface_, "frame shorter than its link header");
  }
  const uint16_t type = static_cast<uint16_t>((frame[off] << 8) | frame[off + 1]);
  const uint8_t* ip = frame.data() + off + 2;
  const size_t len = frame.size() - off - 2;
  ssize_t n = -1;
  if (type == kEtherIpv4 && len >= kIpv4Header) {
    struct sockaddr_in sin = {};
    sin.sin_family = AF_INET;
    std::memcpy(&sin.sin_addr, ip + 16, 4);
    n = sendto(fd_, ip, len, MSG_DONTWAIT, reinterpret_cast<struct sockaddr*>(&sin), sizeof(sin));
  } else if (type == kEtherIpv6 && len >= kIpv6Header) {
    struct sockaddr_in6 sin6 = {};
    sin6.sin6_family = AF_INET6;
    std::memcpy(&sin6.sin6_addr, ip + 24, 16);
    n = sendto(fd6_, ip, len, MSG_DONTWAIT, reinterpret_cast<struct sockaddr*>(&sin6),
               sizeof(sin6));
  } else {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return Status::InvalidArgument(interface_, "not an IPv4 or IPv6 frame");
  }
  if (n != static_cast<ssize_t>(len)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return Status::IOError(interface_,
                           std::string("send: ") + (n < 0 ? std::strerror(errno) : "short write"));
  }
  sent_.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

Status PacketInjector::Send(std::span<const uint8_t> frame) {
  if (routed_) return SendRouted(frame);
  if (frame.size() < 14) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return Status::InvalidArgument(interface_, "frame shorter than an Ethernet header");
  }
  struct sockaddr_ll sll = {};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex_;
  sll.sll_halen = 6;
  std::memcpy(sll.sll_addr, frame.data(), 6);
  ssize_t n = sendto(fd_, frame.data(), frame.size(), MSG_DONTWAIT,
                     reinterpret_cast<struct sockaddr*>(&sll), sizeof(sll));
  if (n != static_cast<ssize_t>(frame.size())) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return Status::IOError(interface_,
                           std::string("send: ") + (n < 0 ? std::strerror(errno) : "short write"));
  }
  sent_.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

}  // namespace netward::filter
