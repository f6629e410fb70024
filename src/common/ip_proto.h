// src/common/ip_proto.h: IP protocol numbers as the names records use ("tcp", "udp", "icmp",
// "icmp6") and back. One table for the probe's sessions, the NAT sources and `netward trace`.
#pragma once

#include <cstdint>
#include <string_view>

namespace netward {

// 6 -> "tcp", 17 -> "udp", 1 -> "icmp", 58 -> "icmp6", else the number as decimal text written
// into `buf` (values over 255 are written as 255). The result may point into `buf`.
std::string_view IpProtoName(unsigned ip_proto, char (&buf)[4]);

// "tcp" -> 6, "udp" -> 17, "icmp" -> 1, "icmp6" -> 58, a decimal number below 256 -> itself,
// anything else -> 0.
uint8_t IpProtoNumber(std::string_view name);

}  // namespace netward
