#include "analyzers/radius_wire.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace netward::analyzers::radius {
namespace {

uint16_t Get16(std::span<const uint8_t> m, size_t off) {
  return static_cast<uint16_t>((m[off] << 8) | m[off + 1]);
}
uint32_t Get32(std::span<const uint8_t> m, size_t off) {
  return (static_cast<uint32_t>(m[off]) << 24) | (static_cast<uint32_t>(m[off + 1]) << 16) |
         (static_cast<uint32_t>(m[off + 2]) << 8) | m[off + 3];
}

void AppendHex(std::span<const uint8_t> bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (uint8_t b : bytes) {
    out->push_back(kHex[b >> 4]);
    out->push_back(kHex[b & 0xF]);
  }
}

// Checks the header; returns the packet length or an error.
ParseError CheckHeader(std::span<const uint8_t> d, size_t* length) {
  if (d.size() < kHeaderSize) return ParseError::kTruncated;
  const size_t len = Get16(d, 2);
  if (len < kHeaderSize || len > kMaxPacketSize) return ParseError::kBadLength;
  if (len > d.size()) return ParseError::kTruncated;
  *length = len;
  return ParseError::kOk;
}

// Walks the attributes of d[20, len) calling f(type, offset, value) for each; stops at the first
// framing error.
template <typename F>
ParseError WalkAttributes(std::span<const uint8_t> d, size_t len, F&& f) {
  size_t pos = kHeaderSize;
  size_t n = 0;
  while (pos < len) {
    if (pos + 2 > len) return ParseError::kBadAttribute;
    const size_t alen = d[pos + 1];
    if (alen < 2 || pos + alen > len) return ParseError::kBadAttribute;
    if (++n > kMaxAttributes) return ParseError::kTooManyAttributes;
    f(d[pos], pos, d.subspan(pos + 2, alen - 2));
    pos += alen;
  }
  return ParseError::kOk;
}

// RFC 3162 2.3 prefix: reserved, prefix-length, prefix (0..16 bytes, rest zero). Appends
// "addr/len" to `out` (comma-separated); false if malformed.
bool AppendPrefix(std::span<const uint8_t> v, std::string* out) {
  if (v.size() < 2 || v.size() > 18) return false;
  const unsigned plen = v[1];
  if (plen > 128) return false;  // fewer prefix bytes than the length needs: the rest are zero
  uint8_t addr[16] = {};
  std::memcpy(addr, v.data() + 2, v.size() - 2);
  if (!out->empty()) out->push_back(',');
  *out += IpAddress::FromV6(addr).ToString();
  *out += '/';
  *out += std::to_string(plen);
  return true;
}

void AppendVendor(std::span<const uint8_t> v, std::vector<std::string>* out) {
  if (v.size() < 4) return;
  const uint32_t vendor = Get32(v, 0);
  std::span<const uint8_t> data = v.subspan(4);
  // RFC 2865 5.26's suggested format: sub-attributes type, length, value that fill the data.
  bool well_formed = !data.empty();
  for (size_t p = 0; p < data.size() && well_formed;) {
    if (p + 2 > data.size() || data[p + 1] < 2 || p + data[p + 1] > data.size()) {
      well_formed = false;
      break;
    }
    p += data[p + 1];
  }
  auto add = [&](std::string type, std::span<const uint8_t> value) {
    if (out->size() >= kMaxVendorAttrs) return;
    std::string s = std::to_string(vendor) + ":" + type + ":";
    AppendHex(value.first(std::min(value.size(), kMaxVendorValueBytes)), &s);
    out->push_back(std::move(s));
  };
  if (!well_formed) {
    add("", data);
    return;
  }
  for (size_t p = 0; p < data.size(); p += data[p + 1]) {
    add(std::to_string(data[p]), data.subspan(p + 2, data[p + 1] - 2));
  }
}

class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }
  ~Md5() { EVP_MD_CTX_free(ctx_); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void Update(const void* p, size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  Digest Final() {
    Digest d{};
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, d.data(), &n);
    return d;
  }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

std::string_view ParseErrorEvent(ParseError e) {
  switch (e) {
    case ParseError::kOk:
      return "";
    case ParseError::kTruncated:
      return "radius.truncated_packet";
    case ParseError::kBadLength:
      return "radius.bad_length";
    case ParseError::kBadAttribute:
      return "radius.bad_attribute";
    case ParseError::kTooManyAttributes:
      return "radius.too_many_attributes";
  }
  return "";
}

ParseError ParseRadius(std::span<const uint8_t> datagram, Packet* out) {
  size_t len = 0;
  if (ParseError e = CheckHeader(datagram, &len); e != ParseError::kOk) return e;
  out->code = datagram[0];
  out->id = datagram[1];
  out->bytes = datagram.first(len);
  out->attributes.clear();
  return WalkAttributes(datagram, len, [&](uint8_t type, size_t off, std::span<const uint8_t> v) {
    out->attributes.push_back(Attribute{type, off, v});
  });
}

bool LooksLikeRadiusPacket(bool to_server, std::span<const uint8_t> datagram) {
  size_t len = 0;
  if (CheckHeader(datagram, &len) != ParseError::kOk) return false;
  const uint8_t code = datagram[0];
  const bool request =
      code == kAccessRequest || code == kAccountingRequest || code == kStatusServer;
  const bool response = code == kAccessAccept || code == kAccessReject ||
                        code == kAccountingResponse || code == kAccessChallenge;
  if (to_server ? !request : !response) return false;
  return WalkAttributes(datagram, len, [](uint8_t, size_t, std::span<const uint8_t>) {}) ==
         ParseError::kOk;
}

void RadiusFields::Clear() { *this = RadiusFields(); }

void ExtractRadiusFields(const Packet& packet, RadiusFields* out) {
  out->Clear();
  std::string delegated, framed, address;
  uint32_t in_giga = 0, out_giga = 0, in_low = 0, out_low = 0;
  IpAddress nas_v6;
  bool has_nas_v4 = false;
  for (const Attribute& a : packet.attributes) {
    const auto& v = a.value;
    auto u32 = [&](uint32_t* dst) {
      if (v.size() == 4) {
        *dst = Get32(v, 0);
      } else {
        ++out->malformed;
      }
    };
    switch (a.type) {
      case kUserName:
        out->user_name.assign(v.begin(), v.end());
        break;
      case kCallingStationId:
        out->calling_id.assign(v.begin(), v.end());
        break;
      case kAcctSessionId:
        out->session_id.assign(v.begin(), v.end());
        break;
      case kFramedIpAddress:
        if (v.size() == 4) {
          out->framed_ip = IpAddress::FromV4(v.data());
          out->has_framed_ip = true;
        } else {
          ++out->malformed;
        }
        break;
      case kNasIpAddress:
        if (v.size() == 4) {
          out->nas_ip = IpAddress::FromV4(v.data());
          has_nas_v4 = true;
        } else {
          ++out->malformed;
        }
        break;
      case kNasIpv6Address:
        if (v.size() == 16) {
          nas_v6 = IpAddress::FromV6(v.data());
        } else {
          ++out->malformed;
        }
        break;
      case kNasPort:
        u32(&out->nas_port);
        break;
      case kAcctStatusType:
        u32(&out->status_type);
        break;
      case kAcctSessionTime:
        u32(&out->session_time);
        break;
      case kAcctTerminateCause:
        u32(&out->terminate_cause);
        break;
      case kAcctDelayTime:
        u32(&out->delay_time);
        break;
      case kEventTimestamp:
        u32(&out->event_timestamp);
        break;
      case kAcctInputOctets:
        u32(&in_low);
        break;
      case kAcctOutputOctets:
        u32(&out_low);
        break;
      case kAcctInputGigawords:
        u32(&in_giga);
        break;
      case kAcctOutputGigawords:
        u32(&out_giga);
        break;
      case kDelegatedIpv6Prefix:
        if (!AppendPrefix(v, &delegated)) ++out->malformed;
        break;
      case kFramedIpv6Prefix:
        if (!AppendPrefix(v, &framed)) ++out->malformed;
        break;
      case kFramedIpv6Address:
        if (v.size() == 16) {
          if (!address.empty()) address += ',';
          address += IpAddress::FromV6(v.data()).ToString() + "/128";
        } else {
          ++out->malformed;
        }
        break;
      case kVendorSpecific:
        AppendVendor(v, &out->vendor_attrs);
        break;
      case kMessageAuthenticator:
        if (v.size() == 16) {
          out->has_message_authenticator = true;
          out->message_authenticator_offset = a.offset + 2;
        } else {
          ++out->malformed;
        }
        break;
      default:
        break;
    }
  }
  if (!has_nas_v4) out->nas_ip = nas_v6;
  out->input_octets = (static_cast<uint64_t>(in_giga) << 32) | in_low;
  out->output_octets = (static_cast<uint64_t>(out_giga) << 32) | out_low;
  for (const std::string* s : {&delegated, &framed, &address}) {
    if (s->empty()) continue;
    if (!out->ipv6_prefixes.empty()) out->ipv6_prefixes += ',';
    out->ipv6_prefixes += *s;
  }
}

std::string_view AcctStatusEvent(uint32_t status_type) {
  switch (status_type) {
    case 1:
      return "start";
    case 2:
      return "stop";
    case 3:
      return "interim";
    default:
      return "";
  }
}

std::string TerminateCauseName(uint32_t cause) {
  static constexpr std::string_view kNames[] = {
      "",
      "User-Request",
      "Lost-Carrier",
      "Lost-Service",
      "Idle-Timeout",
      "Session-Timeout",
      "Admin-Reset",
      "Admin-Reboot",
      "Port-Error",
      "NAS-Error",
      "NAS-Request",
      "NAS-Reboot",
      "Port-Unneeded",
      "Port-Preempted",
      "Port-Suspended",
      "Service-Unavailable",
      "Callback",
      "User-Error",
      "Host-Request",
      "Supplicant-Restart",              // RFC 3580
      "Reauthentication-Failure",        // RFC 3580
      "Port-Reinitialized",              // RFC 3580
      "Port-Administratively-Disabled",  // RFC 3580
  };
  if (cause < std::size(kNames)) return std::string(kNames[cause]);
  return "Cause-" + std::to_string(cause);
}

std::string MacFromCallingId(std::string_view id) {
  std::string hex;
  for (char c : id) {
    if (c == ':' || c == '-' || c == '.') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (hex.size() > 12) return "";
  }
  if (hex.size() != 12) return "";
  // Separators must sit on byte (xx:xx, xx-xx) or 16-bit (xxxx.xxxx) boundaries.
  size_t digits = 0;
  for (char c : id) {
    if (c == ':' || c == '-' || c == '.') {
      if (digits == 0 || digits % 2 != 0) return "";
    } else {
      ++digits;
    }
  }
  std::string mac;
  for (size_t i = 0; i < 12; i += 2) {
    if (i) mac.push_back(':');
    mac += hex.substr(i, 2);
  }
  return mac;
}

TimestampUs RadiusEventTime(const RadiusFields& f, TimestampUs received) {
  if (f.event_timestamp) return static_cast<TimestampUs>(f.event_timestamp) * 1000000;
  return received - static_cast<TimestampUs>(f.delay_time) * 1000000;
}

void FillLoginRecord(const RadiusFields& f, record::LoginRecord* rec) {
  rec->account = f.user_name;
  rec->calling_id = f.calling_id;
  rec->mac = MacFromCallingId(f.calling_id);
  rec->ip = f.has_framed_ip ? f.framed_ip : IpAddress();
  rec->ipv6_prefix = f.ipv6_prefixes;
  rec->nas_ip = f.nas_ip;
  rec->nas_port = f.nas_port;
  rec->session_id = f.session_id;
  rec->source = "radius";
  rec->bytes_in = f.input_octets;
  rec->bytes_out = f.output_octets;
  rec->duration_s = f.session_time;
  rec->terminate_cause = TerminateCauseName(f.terminate_cause);
  rec->vendor_attrs = f.vendor_attrs;
}

Digest AccountingRequestAuthenticator(std::span<const uint8_t> packet, std::string_view secret) {
  static constexpr uint8_t kZero[16] = {};
  Md5 md5;
  md5.Update(packet.data(), 4);
  md5.Update(kZero, 16);
  md5.Update(packet.data() + kHeaderSize, packet.size() - kHeaderSize);
  md5.Update(secret.data(), secret.size());
  return md5.Final();
}

Digest ResponseAuthenticator(std::span<const uint8_t> response,
                             std::span<const uint8_t> request_authenticator,
                             std::string_view secret) {
  Md5 md5;
  md5.Update(response.data(), 4);
  md5.Update(request_authenticator.data(), 16);
  md5.Update(response.data() + kHeaderSize, response.size() - kHeaderSize);
  md5.Update(secret.data(), secret.size());
  return md5.Final();
}

Digest MessageAuthenticator(std::span<const uint8_t> packet, size_t ma_offset,
                            bool zero_authenticator, std::string_view secret) {
  std::vector<uint8_t> copy(packet.begin(), packet.end());
  if (zero_authenticator) std::memset(copy.data() + 4, 0, 16);
  if (ma_offset + 16 <= copy.size()) std::memset(copy.data() + ma_offset, 0, 16);
  Digest d{};
  unsigned int n = 0;
  HMAC(EVP_md5(), secret.data(), static_cast<int>(secret.size()), copy.data(), copy.size(),
       d.data(), &n);
  return d;
}

bool DigestEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != 16 || b.size() != 16) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < 16; ++i) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace netward::analyzers::radius
