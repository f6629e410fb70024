#include "common/ip_proto.h"

#include <charconv>

namespace netward {

std::string_view IpProtoName(unsigned ip_proto, char (&buf)[4]) {
  switch (ip_proto) {
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 1:
      return "icmp";
    case 58:
      return "icmp6";
    default:
      break;
  }
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, ip_proto > 255 ? 255 : ip_proto);
  (void)ec;  // at most 3 digits always fit
  return std::string_view(buf, static_cast<size_t>(p - buf));
}

uint8_t IpProtoNumber(std::string_view name) {
  if (name == "tcp") return 6;
  if (name == "udp") return 17;
  if (name == "icmp") return 1;
  if (name == "icmp6") return 58;
  unsigned n = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  if (ec == std::errc() && p == name.data() + name.size() && n < 256)
    return static_cast<uint8_t>(n);
  return 0;
}

}  // namespace netward
