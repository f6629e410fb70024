// src/filter/dns_blocker.cc: the forged DNS answer and its UDP datagram.
#include "filter/dns_blocker.h"

#include <array>

namespace netward::filter {
namespace {

constexpr size_t kHeader = 12;
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint16_t kClassIn = 1;
constexpr uint8_t kRcodeNxdomain = 3;

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
void Append16(std::vector<uint8_t>* out, uint16_t v) {
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v));
}

Status Bad(const char* why) { return Status::InvalidArgument("dns query", why); }

}  // namespace

const char* DnsForgedName(DnsForged forged) {
  return forged == DnsForged::kSinkhole ? "dns_sinkhole" : "dns_nxdomain";
}

Result<DnsForged> ForgeDnsAnswer(std::span<const uint8_t> query, const DnsAnswerOptions& options,
                                 std::vector<uint8_t>* out) {
  if (query.size() < kHeader) return Bad("shorter than a DNS header");
  const uint8_t* q = query.data();
  const uint8_t flags_hi = q[2];
  if (flags_hi & 0x80) return Bad("QR set: a response, not a query");
  if (((flags_hi >> 3) & 0x0f) != 0) return Bad("opcode is not QUERY");
  if (Get16(q + 4) == 0) return Bad("no question");

  // The first question: uncompressed labels, then type and class.
  size_t pos = kHeader;
  size_t name_len = 1;  // the root label's zero byte counts (RFC 1035: 255 octets in all)
  for (;;) {
    if (pos >= query.size()) return Bad("question cut short");
    uint8_t len = q[pos];
    if (len == 0) {
      ++pos;
      break;
    }
    if ((len & 0xc0) != 0) return Bad("compressed or extended label in the question");
    name_len += len + 1;
    if (name_len > 255) return Bad("name longer than 255 bytes");
    pos += 1 + len;
  }
  if (pos + 4 > query.size()) return Bad("question cut short");
  const uint16_t qtype = Get16(q + pos);
  const uint16_t qclass = Get16(q + pos + 2);
  const size_t question_end = pos + 4;

  const IpAddress* address = nullptr;
  if (qclass == kClassIn && qtype == kTypeA && options.sinkhole_v4) {
    address = &*options.sinkhole_v4;
  } else if (qclass == kClassIn && qtype == kTypeAaaa && options.sinkhole_v6) {
    address = &*options.sinkhole_v6;
  }
  const bool sinkhole = options.sinkhole_v4.has_value() || options.sinkhole_v6.has_value();
  // Sinkhole mode answers A/AAAA with the address; A/AAAA of a family without an address get
  // NXDOMAIN, every other type an empty NOERROR answer. Without a sinkhole: NXDOMAIN.
  const bool is_address_query = qclass == kClassIn && (qtype == kTypeA || qtype == kTypeAaaa);
  const bool nxdomain = !sinkhole || (address == nullptr && is_address_query);

  out->clear();
  out->reserve(question_end + 28);
  out->push_back(q[0]);  // id
  out->push_back(q[1]);
  out->push_back(static_cast<uint8_t>(0x80 | (flags_hi & 0x01)));  // QR, opcode 0, RD copied
  out->push_back(static_cast<uint8_t>(0x80 | (nxdomain ? kRcodeNxdomain : 0)));  // RA, rcode
  Append16(out, 1);                                                              // qdcount
  Append16(out, address != nullptr ? 1 : 0);                                     // ancount
  Append16(out, 0);                                                              // nscount
  Append16(out, 0);                                                              // arcount
  out->insert(out->end(), q + kHeader, q + question_end);
  if (address != nullptr) {
    Append16(out, 0xc000 | kHeader);  // the question's name
    Append16(out, qtype);
    Append16(out, kClassIn);
    Append16(out, static_cast<uint16_t>(options.ttl >> 16));
    Append16(out, static_cast<uint16_t>(options.ttl));
    if (qtype == kTypeA) {
      Append16(out, 4);
      out->insert(out->end(), address->bytes + 12, address->bytes + 16);
    } else {
      Append16(out, 16);
      out->insert(out->end(), address->bytes, address->bytes + 16);
    }
  }
  return nxdomain ? DnsForged::kNxdomain : DnsForged::kSinkhole;
}

Result<std::string> DnsBlocker::Block(const BlockRequest& request) {
  if (request.kind != BlockRequest::Kind::kDns) {
    return Status::InvalidArgument("dns block", "not a DNS request");
  }
  std::vector<uint8_t> answer;
  auto forged = ForgeDnsAnswer(
      {reinterpret_cast<const uint8_t*>(request.dns_query.data()), request.dns_query.size()},
      options_, &answer);
  if (!forged.ok()) return forged.status();
  FrameL2 l2;
  l2.dst_mac = request.client_mac;
  l2.src_mac = request.server_mac;
  l2.vlan = request.vlan;
  ForgedPacket p;
  p.src_ip = request.server_ip;
  p.dst_ip = request.client_ip;
  p.src_port = request.server_port;
  p.dst_port = request.client_port;
  p.payload = answer;
  std::array<uint8_t, 2048> frame;
  size_t n = BuildUdpFrame(l2, p, frame);
  if (n == 0) return Status::InvalidArgument("dns block", "answer does not fit in one frame");
  Status sent = injector_->Send({frame.data(), n});
  if (!sent.ok()) return sent;
  return std::string(DnsForgedName(*forged));
}

}  // namespace netward::filter
