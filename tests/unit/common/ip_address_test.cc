// IpAddress::Format writes exactly what inet_ntop writes (IPv4 by hand, IPv6 RFC 5952).
#include "common/ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

namespace netward {
namespace {

std::string Ntop(const IpAddress& a) {
  char buf[INET6_ADDRSTRLEN];
  if (a.is_v4()) return inet_ntop(AF_INET, a.bytes + 12, buf, sizeof buf);
  return inet_ntop(AF_INET6, a.bytes, buf, sizeof buf);
}

void ExpectSameAsNtop(const IpAddress& a) {
  char buf[kMaxIpTextLength];
  size_t n = a.Format(buf);
  ASSERT_EQ(std::string(buf, n), Ntop(a));
  ASSERT_EQ(buf[n], '\0');
  ASSERT_EQ(a.ToString(), Ntop(a));
}

TEST(IpAddressTest, FormatMatchesInetNtop) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    uint64_t r = rng();
    uint8_t v4[4];
    for (int j = 0; j < 4; ++j) {
      // Mix of 1-, 2- and 3-digit octets, zeros and 255s.
      switch ((r >> (8 * j)) & 3) {
        case 0:
          v4[j] = static_cast<uint8_t>(rng() % 10);
          break;
        case 1:
          v4[j] = static_cast<uint8_t>(10 + rng() % 90);
          break;
        default:
          v4[j] = static_cast<uint8_t>(rng());
          break;
      }
    }
    ExpectSameAsNtop(IpAddress::FromV4(v4));
    uint8_t v6[16];
    for (auto& b : v6) b = static_cast<uint8_t>(rng());
    // Runs of zero groups in various places (for "::" compression).
    int zero_from = static_cast<int>(rng() % 8), zero_len = static_cast<int>(rng() % 9);
    for (int g = zero_from; g < std::min(8, zero_from + zero_len); ++g)
      v6[2 * g] = v6[2 * g + 1] = 0;
    if (rng() % 4 == 0) v6[2 * (rng() % 8)] = 0;  // a group below 0x100
    ExpectSameAsNtop(IpAddress::FromV6(v6));
  }
  for (uint32_t v : {0u, 0xffffffffu, 0x7f000001u, 0x0a000001u, 0xc0a80001u, 0x01020304u}) {
    ExpectSameAsNtop(IpAddress::FromV4HostOrder(v));
  }
  for (const char* text :
       {"::", "::1", "2001:db8::1", "fe80::1:2:3:4", "::ffff:0:1", "64:ff9b::1.2.3.4"}) {
    auto a = IpAddress::Parse(text);
    ASSERT_TRUE(a.has_value()) << text;
    ExpectSameAsNtop(*a);
  }
}

}  // namespace
}  // namespace netward
