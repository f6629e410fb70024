#include "analyzers/dns_wire.h"

#include <cstdio>

#include "common/ip_address.h"

namespace netward::analyzers::detail {

DnsNameError ReadDnsName(std::span<const uint8_t> msg, size_t* pos, std::string* out) {
  out->clear();
  size_t p = *pos;
  bool jumped = false;
  int depth = 0;
  size_t wire_len = 1;  // the terminating root label
  while (true) {
    if (p >= msg.size()) return DnsNameError::kTruncated;
    const uint8_t len = msg[p];
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= msg.size()) return DnsNameError::kTruncated;
      if (!jumped) {
        *pos = p + 2;
        jumped = true;
      }
      if (++depth > kDnsMaxPointerDepth) return DnsNameError::kCompressionLoop;
      p = (static_cast<size_t>(len & 0x3F) << 8) | msg[p + 1];
      continue;
    }
    if (len & 0xC0) return DnsNameError::kBadLabel;  // 0x40/0x80: extended/obsolete labels
    if (len == 0) {
      if (!jumped) *pos = p + 1;
      return DnsNameError::kOk;
    }
    wire_len += 1 + len;
    if (wire_len > kDnsMaxNameLength) return DnsNameError::kTooLong;
    if (p + 1 + len > msg.size()) return DnsNameError::kTruncated;
    if (!out->empty()) out->push_back('.');
    for (size_t i = p + 1; i < p + 1 + len; ++i) {  // Zeek lowercases names: so do we
      char c = static_cast<char>(msg[i]);
      out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    }
    p += 1 + len;
  }
}

std::string_view DnsNameErrorEvent(DnsNameError e) {
  switch (e) {
    case DnsNameError::kOk:
      return "";
    case DnsNameError::kTruncated:
      return "dns.truncated_message";
    case DnsNameError::kBadLabel:
      return "dns.bad_label";
    case DnsNameError::kCompressionLoop:
      return "dns.compression_loop";
    case DnsNameError::kTooLong:
      return "dns.name_too_long";
  }
  return "";
}

namespace {

void AppendNumber(uint64_t v, std::string* out) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  out->append(buf, static_cast<size_t>(n));
}

std::string_view TypeName(uint16_t type) {
  switch (type) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 5:
      return "CNAME";
    case 6:
      return "SOA";
    case 12:
      return "PTR";
    case 13:
      return "HINFO";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 17:
      return "RP";
    case 18:
      return "AFSDB";
    case 24:
      return "SIG";
    case 25:
      return "KEY";
    case 28:
      return "AAAA";
    case 29:
      return "LOC";
    case 33:
      return "SRV";
    case 35:
      return "NAPTR";
    case 36:
      return "KX";
    case 37:
      return "CERT";
    case 38:
      return "A6";
    case 39:
      return "DNAME";
    case 41:
      return "OPT";
    case 42:
      return "APL";
    case 43:
      return "DS";
    case 44:
      return "SSHFP";
    case 45:
      return "IPSECKEY";
    case 46:
      return "RRSIG";
    case 47:
      return "NSEC";
    case 48:
      return "DNSKEY";
    case 49:
      return "DHCID";
    case 50:
      return "NSEC3";
    case 51:
      return "NSEC3PARAM";
    case 52:
      return "TLSA";
    case 55:
      return "HIP";
    case 59:
      return "CDS";
    case 60:
      return "CDNSKEY";
    case 61:
      return "OPENPGPKEY";
    case 64:
      return "SVCB";
    case 65:
      return "HTTPS";
    case 99:
      return "SPF";
    case 249:
      return "TKEY";
    case 250:
      return "TSIG";
    case 251:
      return "IXFR";
    case 252:
      return "AXFR";
    case 255:
      return "ANY";  // Zeek writes "*"
    case 256:
      return "URI";
    case 257:
      return "CAA";
    case 32768:
      return "TA";
    case 32769:
      return "DLV";
  }
  return {};
}

uint16_t Get16(std::span<const uint8_t> m, size_t off) {
  return static_cast<uint16_t>((m[off] << 8) | m[off + 1]);
}

}  // namespace

void AppendDnsTypeName(uint16_t type, std::string* out) {
  std::string_view name = TypeName(type);
  if (!name.empty()) {
    out->append(name);
  } else {
    out->append("TYPE");
    AppendNumber(type, out);
  }
}

void AppendDnsRcodeName(uint16_t rcode, std::string* out) {
  static constexpr std::string_view kNames[] = {
      "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
  };
  if (rcode < std::size(kNames)) {
    out->append(kNames[rcode]);
  } else {
    AppendNumber(rcode, out);
  }
}

DnsNameError FormatDnsRdata(std::span<const uint8_t> msg, uint16_t type, size_t off, uint16_t rdlen,
                            std::string_view owner, std::string* out) {
  out->clear();
  const size_t end = off + rdlen;
  if (end > msg.size()) return DnsNameError::kTruncated;
  std::string name;  // only for types that print a name besides their prefix
  size_t p = off;
  switch (type) {
    case 1:     // A
    case 28: {  // AAAA
      if (rdlen != (type == 1 ? 4 : 16)) return DnsNameError::kTruncated;
      IpAddress a =
          type == 1 ? IpAddress::FromV4(msg.data() + off) : IpAddress::FromV6(msg.data() + off);
      char buf[kMaxIpTextLength];
      out->append(buf, a.Format(buf));
      return DnsNameError::kOk;
    }
    case 2:
    case 5:
    case 12:
    case 39:  // NS, CNAME, PTR, DNAME: the target name
      return ReadDnsName(msg, &p, out);
    case 6:  // SOA: Zeek logs the primary name server (mname)
      return ReadDnsName(msg, &p, out);
    case 15:  // MX: preference, exchange
      if (rdlen < 3) return DnsNameError::kTruncated;
      p += 2;
      return ReadDnsName(msg, &p, out);
    case 33:  // SRV: priority, weight, port, target
      if (rdlen < 7) return DnsNameError::kTruncated;
      p += 6;
      return ReadDnsName(msg, &p, out);
    case 16:    // TXT
    case 99: {  // SPF: one or more <len><text> strings, "TXT <len> <text>" each, space-joined
      std::string_view prefix = type == 16 ? "TXT " : "SPF ";
      while (p < end) {
        size_t n = msg[p];
        if (p + 1 + n > end) return DnsNameError::kTruncated;
        if (p != off) out->push_back(' ');
        out->append(prefix);
        AppendNumber(n, out);
        out->push_back(' ');
        out->append(reinterpret_cast<const char*>(msg.data() + p + 1), n);
        p += 1 + n;
      }
      return DnsNameError::kOk;
    }
    case 46: {  // RRSIG: "RRSIG <type covered> <signer>"
      if (rdlen < 19) return DnsNameError::kTruncated;
      uint16_t covered = Get16(msg, off);
      p = off + 18;
      DnsNameError e = ReadDnsName(msg, &p, &name);
      if (e != DnsNameError::kOk) return e;
      out->append("RRSIG ");
      AppendNumber(covered, out);
      out->push_back(' ');
      out->append(name.empty() ? std::string_view("<Root>") : std::string_view(name));
      return DnsNameError::kOk;
    }
    case 48:  // DNSKEY: "DNSKEY <algorithm>"
      if (rdlen < 4) return DnsNameError::kTruncated;
      out->append("DNSKEY ");
      AppendNumber(msg[off + 3], out);
      return DnsNameError::kOk;
    case 43:  // DS: "DS <algorithm> <digest type>"
      if (rdlen < 4) return DnsNameError::kTruncated;
      out->append("DS ");
      AppendNumber(msg[off + 2], out);
      out->push_back(' ');
      AppendNumber(msg[off + 3], out);
      return DnsNameError::kOk;
    case 47: {  // NSEC: "NSEC <owner> <next name>"
      DnsNameError e = ReadDnsName(msg, &p, &name);
      if (e != DnsNameError::kOk) return e;
      out->append("NSEC ");
      out->append(owner);
      out->push_back(' ');
      out->append(name);
      return DnsNameError::kOk;
    }
    case 50:  // NSEC3
      out->append("NSEC3");
      return DnsNameError::kOk;
    case 44: {  // SSHFP: "SSHFP: <fingerprint hex>"
      if (rdlen < 2) return DnsNameError::kTruncated;
      static constexpr char kHex[] = "0123456789abcdef";
      out->append("SSHFP: ");
      for (size_t i = off + 2; i < end; ++i) {
        out->push_back(kHex[msg[i] >> 4]);
        out->push_back(kHex[msg[i] & 15]);
      }
      return DnsNameError::kOk;
    }
    case 257: {  // CAA: "CAA <flags> <tag> <value>"
      if (rdlen < 2 || 2u + msg[off + 1] > rdlen) return DnsNameError::kTruncated;
      size_t tag_len = msg[off + 1];
      out->append("CAA ");
      AppendNumber(msg[off], out);
      out->push_back(' ');
      out->append(reinterpret_cast<const char*>(msg.data() + off + 2), tag_len);
      out->push_back(' ');
      out->append(reinterpret_cast<const char*>(msg.data() + off + 2 + tag_len),
                  rdlen - 2 - tag_len);
      return DnsNameError::kOk;
    }
    default:
      out->append("<unknown type=");
      AppendNumber(type, out);
      out->push_back('>');
      return DnsNameError::kOk;
  }
}

}  // namespace netward::analyzers::detail
