#include "common/ip_address.h"

#include <arpa/inet.h>

namespace netward {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  uint8_t raw[16];
  if (inet_pton(AF_INET, buf, raw) == 1) return FromV4(raw);
  if (inet_pton(AF_INET6, buf, raw) == 1) return FromV6(raw);
  return std::nullopt;
}

size_t IpAddress::Format(char* out) const {
  if (is_v4()) {
    // Dotted decimal by hand: inet_ntop(AF_INET) goes through sprintf, and every session record
    // formats two addresses. Same text (no leading zeros).
    char* p = out;
    for (int i = 12; i < 16; ++i) {
      unsigned v = bytes[i];
      if (v >= 100) {
        *p++ = static_cast<char>('0' + v / 100);
        *p++ = static_cast<char>('0' + v / 10 % 10);
      } else if (v >= 10) {
        *p++ = static_cast<char>('0' + v / 10);
      }
      *p++ = static_cast<char>('0' + v % 10);
      *p++ = i < 15 ? '.' : '\0';
    }
    return static_cast<size_t>(p - out - 1);
  }
  inet_ntop(AF_INET6, bytes, out, kMaxIpTextLength);
  return std::strlen(out);
}

std::string IpAddress::ToString() const {
  char buf[kMaxIpTextLength];
  return std::string(buf, Format(buf));
}

}  // namespace netward
