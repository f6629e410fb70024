// src/common/ip_address.h: an IPv4 or IPv6 address as a 16-byte value type.
// IPv4 is held in IPv4-mapped form (::ffff:a.b.c.d) so every address compares and hashes alike.
// Trivially copyable; no allocation except ToString().
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace netward {

struct IpAddress {
  uint8_t bytes[16] = {};

  static IpAddress FromV4(const uint8_t* four_bytes) {
    IpAddress a;
    a.bytes[10] = 0xff;
    a.bytes[11] = 0xff;
    std::memcpy(a.bytes + 12, four_bytes, 4);
    return a;
  }
  // `host_order` is the address as a host-order integer (0x7f000001 is 127.0.0.1).
  static IpAddress FromV4HostOrder(uint32_t host_order) {
    uint8_t b[4] = {static_cast<uint8_t>(host_order >> 24), static_cast<uint8_t>(host_order >> 16),
                    static_cast<uint8_t>(host_order >> 8), static_cast<uint8_t>(host_order)};
    return FromV4(b);
  }
  static IpAddress FromV6(const uint8_t* sixteen_bytes) {
    IpAddress a;
    std::memcpy(a.bytes, sixteen_bytes, 16);
    return a;
  }
  // Parses dotted IPv4 or RFC 4291 IPv6 text; nullopt if neither.
  static std::optional<IpAddress> Parse(std::string_view text);

  bool is_v4() const {
    static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(bytes, kPrefix, 12) == 0;
  }
  bool is_unspecified() const {
    for (uint8_t b : bytes)
      if (b) return false;
    return true;
  }
  // Writes the canonical text form (inet_ntop) into `out` (>= 46 bytes); returns its length.
  size_t Format(char* out) const;
  std::string ToString() const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return std::memcmp(a.bytes, b.bytes, 16) == 0;
  }
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    return std::memcmp(a.bytes, b.bytes, 16) < 0;
  }
};

constexpr size_t kMaxIpTextLength = 46;

struct IpAddressHash {
  size_t operator()(const IpAddress& a) const {
    uint64_t x, y;
    std::memcpy(&x, a.bytes, 8);
    std::memcpy(&y, a.bytes + 8, 8);
    uint64_t h = x * 0x9E3779B97F4A7C15ULL ^ (y + 0x632BE59BD9B4E019ULL);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return static_cast<size_t>(h ^ (h >> 32));
  }
};

}  // namespace netward
