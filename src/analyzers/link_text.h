// src/analyzers/link_text.h: text forms of link-layer identifiers for `login` records, shared by
// the DHCP, DHCPv6 and PPPoE analyzers: MAC addresses (aa:bb:cc:dd:ee:ff), DUIDs and opaque ids
// (lowercase hex), and relay-agent ids (the text if printable, else hex). Allocation: the result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace netward::analyzers::detail {

// "aa:bb:cc:dd:ee:ff" from 6 bytes.
inline std::string FormatMac(const uint8_t* mac) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(17, ':');
  for (int i = 0; i < 6; ++i) {
    s[3 * i] = kHex[mac[i] >> 4];
    s[3 * i + 1] = kHex[mac[i] & 15];
  }
  return s;
}

// Lowercase hex, no separators ("000100011c39cf88").
inline std::string HexLower(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

// The bytes as text when all are printable ASCII (0x20-0x7e), else "0x" + HexLower: agent
// circuit/remote ids are text on most equipment, binary (a MAC, a port index) on some.
inline std::string PrintableOrHex(std::span<const uint8_t> bytes) {
  bool printable = !bytes.empty();
  for (uint8_t b : bytes) printable = printable && b >= 0x20 && b <= 0x7e;
  if (printable) return std::string(bytes.begin(), bytes.end());
  return bytes.empty() ? std::string() : "0x" + HexLower(bytes);
}

}  // namespace netward::analyzers::detail
