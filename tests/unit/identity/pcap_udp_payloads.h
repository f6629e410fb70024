// Reads the UDP payloads of a classic pcap file (Ethernet, IPv4) for the replay tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace netward::identity::testing {

struct UdpPayload {
  uint16_t dst_port = 0;
  std::vector<uint8_t> bytes;
};

inline std::vector<UdpPayload> ReadUdpPayloads(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<UdpPayload> out;
  size_t pos = 24;
  while (pos + 16 <= file.size()) {
    uint32_t caplen;
    std::memcpy(&caplen, file.data() + pos + 8, 4);  // little-endian file, as the generator writes
    pos += 16;
    if (pos + caplen > file.size() || caplen < 14 + 20 + 8) break;
    const uint8_t* f = file.data() + pos;
    const size_t ihl = (f[14] & 0x0f) * 4u;
    const uint8_t* udp = f + 14 + ihl;
    const size_t udp_len = static_cast<size_t>(udp[4] << 8 | udp[5]);
    UdpPayload p;
    p.dst_port = static_cast<uint16_t>(udp[2] << 8 | udp[3]);
    p.bytes.assign(udp + 8, udp + udp_len);
    out.push_back(std::move(p));
    pos += caplen;
  }
  return out;
}

}  // namespace netward::identity::testing
