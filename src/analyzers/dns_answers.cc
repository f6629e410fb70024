#include "analyzers/dns_answers.h"

#include <string>

#include "analyzers/dns_wire.h"

namespace netward::analyzers::detail {
namespace {
uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t Be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
}  // namespace

bool ForEachDnsAddressAnswerImpl(std::span<const uint8_t> msg, DnsAnswerFn fn, void* ctx) {
  if (msg.size() < 12) return false;
  const uint8_t* h = msg.data();
  if (!(h[2] & 0x80)) return false;  // a query, not a response
  uint16_t qdcount = Be16(h + 4), ancount = Be16(h + 6);
  if (qdcount == 0 || ancount == 0) return qdcount != 0;
  size_t pos = 12;
  std::string question;
  for (uint16_t q = 0; q < qdcount; ++q) {
    std::string name;
    if (ReadDnsName(msg, &pos, &name) != DnsNameError::kOk || pos + 4 > msg.size()) return false;
    if (q == 0) question = std::move(name);
    pos += 4;
  }
  for (uint16_t a = 0; a < ancount; ++a) {
    std::string owner;
    if (ReadDnsName(msg, &pos, &owner) != DnsNameError::kOk || pos + 10 > msg.size()) return false;
    uint16_t type = Be16(h + pos), rdlen = Be16(h + pos + 8);
    uint32_t ttl = Be32(h + pos + 4);
    pos += 10;
    if (pos + rdlen > msg.size()) return false;
    if (type == 1 && rdlen == 4) {
      fn(ctx, question, IpAddress::FromV4(h + pos), ttl);
    } else if (type == 28 && rdlen == 16) {
      fn(ctx, question, IpAddress::FromV6(h + pos), ttl);
    }
    pos += rdlen;
  }
  return true;
}

}  // namespace netward::analyzers::detail
