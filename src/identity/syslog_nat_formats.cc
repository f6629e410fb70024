#include "identity/syslog_nat_formats.h"

#include <charconv>
#include <cstdint>
#include <optional>

#include "common/ip_proto.h"

namespace netward::identity {
namespace {

constexpr std::string_view kSource = "syslog";
constexpr int64_t kMaxDurationS = 400LL * 86400;  // longer "durations" are taken as garbage

std::string_view NextToken(std::string_view* rest) {
  size_t i = 0;
  while (i < rest->size() && (*rest)[i] == ' ') ++i;
  size_t j = i;
  while (j < rest->size() && (*rest)[j] != ' ') ++j;
  std::string_view tok = rest->substr(i, j - i);
  *rest = rest->substr(j);
  return tok;
}

template <typename T>
bool ParseUint(std::string_view s, T max, T* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > static_cast<uint64_t>(max)) {
    return false;
  }
  *out = static_cast<T>(v);
  return true;
}

bool ParsePort(std::string_view s, uint16_t* port) { return ParseUint<uint16_t>(s, 65535, port); }

// "ADDR/PORT" (also "ADDR/PORT(user)"): IPv4 or IPv6 text, port after the last '/'.
bool ParseAddrSlashPort(std::string_view s, IpAddress* ip, uint16_t* port) {
  if (size_t paren = s.find('('); paren != s.npos) s = s.substr(0, paren);
  const size_t slash = s.rfind('/');
  if (slash == s.npos) return false;
  std::optional<IpAddress> a = IpAddress::Parse(s.substr(0, slash));
  if (!a || !ParsePort(s.substr(slash + 1), port)) return false;
  *ip = *a;
  return true;
}

// "H:MM:SS" (hours unbounded) -> seconds.
bool ParseHms(std::string_view s, int64_t* seconds) {
  const size_t c1 = s.find(':');
  const size_t c2 = s.rfind(':');
  if (c1 == s.npos || c1 == c2) return false;
  uint32_t h = 0, m = 0, sec = 0;
  if (!ParseUint<uint32_t>(s.substr(0, c1), 1000000, &h) ||
      !ParseUint<uint32_t>(s.substr(c1 + 1, c2 - c1 - 1), 59, &m) ||
      !ParseUint<uint32_t>(s.substr(c2 + 1), 60, &sec)) {
    return false;
  }
  *seconds = int64_t{h} * 3600 + m * 60 + sec;
  return true;
}

std::string_view LowerProto(std::string_view p) {
  if (p == "TCP" || p == "tcp") return "tcp";
  if (p == "UDP" || p == "udp") return "udp";
  if (p == "ICMP" || p == "icmp") return "icmp";
  if (p == "ICMPv6" || p == "ICMP6" || p == "icmp6") return "icmp6";
  return {};
}

// Sets ts/end_ts for a closing message at `end` that lasted `duration_s` (< 0: unknown).
void SetClosed(record::NatRecord* r, TimestampUs end, int64_t duration_s) {
  r->end_ts = end;
  r->ts = duration_s >= 0 && duration_s <= kMaxDurationS ? end - duration_s * kUsPerSecond : end;
}

}  // namespace

// %ASA-6-305011: Built dynamic TCP translation from inside:10.1.1.10/51234 to
//   outside:203.0.113.5/40001
// %ASA-6-305012: Teardown dynamic UDP translation from inside:10.1.1.10/51234 to
//   outside:203.0.113.5/40001 duration 0:02:10
NatLineResult ParseCiscoAsaNat(const SyslogMessage& msg, record::NatRecord* out) {
  std::string_view text = msg.content;
  size_t at = text.find("%ASA-");
  if (at == text.npos) at = text.find("%FTD-");
  if (at == text.npos) return NatLineResult::kNotNat;
  text = text.substr(at + 5);
  // "6-305011:"
  const size_t colon = text.find(':');
  if (colon == text.npos || colon < 3) return NatLineResult::kNotNat;
  std::string_view id = text.substr(2, colon - 2);
  const bool built = id == "305011";
  if (!built && id != "305012") return NatLineResult::kNotNat;
  std::string_view rest = text.substr(colon + 1);
  std::string_view verb = NextToken(&rest);
  std::string_view kind = NextToken(&rest);
  std::string_view proto = NextToken(&rest);
  if (verb != (built ? "Built" : "Teardown") || (kind != "dynamic" && kind != "static") ||
      NextToken(&rest) != "translation" || NextToken(&rest) != "from") {
    return NatLineResult::kMalformed;
  }
  std::string_view inside = NextToken(&rest);
  std::string_view tok = NextToken(&rest);
  if (!tok.empty() && tok.front() == '(') tok = NextToken(&rest);  // identity-firewall user
  if (tok != "to") return NatLineResult::kMalformed;
  std::string_view outside = NextToken(&rest);
  const size_t ic = inside.find(':');
  const size_t oc = outside.find(':');
  record::NatRecord r;
  if (ic == inside.npos || oc == outside.npos ||
      !ParseAddrSlashPort(inside.substr(ic + 1), &r.inside_ip, &r.inside_port) ||
      !ParseAddrSlashPort(outside.substr(oc + 1), &r.outside_ip, &r.outside_port)) {
    return NatLineResult::kMalformed;
  }
  std::string_view p = LowerProto(proto);
  r.proto = p.empty() ? std::string(proto) : std::string(p);
  if (built) {
    r.ts = msg.ts;
  } else {
    int64_t duration = -1;
    if (NextToken(&rest) == "duration" && !ParseHms(NextToken(&rest), &duration)) duration = -1;
    SetClosed(&r, msg.ts, duration);
  }
  r.source = kSource;
  *out = std::move(r);
  return NatLineResult::kMapping;
}

// RFC 5424 with structured data (Junos "set security log format sd-syslog"), MSGID
// RT_FLOW_SESSION_CREATE or RT_FLOW_SESSION_CLOSE; the mapping is source-address/port ->
// nat-source-address/port towards destination-address/port. Sessions whose source is not
// translated are kNoMapping.
NatLineResult ParseJuniperSrxSession(const SyslogMessage& msg, record::NatRecord* out) {
  std::string_view id = msg.msg_id;
  if (id.empty()) {
    // Some relays turn the header into RFC 3164; the SD then follows the tag in the content.
    size_t at = msg.content.find("RT_FLOW_SESSION_");
    if (at == msg.content.npos) return NatLineResult::kNotNat;
    std::string_view rest = msg.content.substr(at);
    id = NextToken(&rest);
    if (!id.empty() && id.back() == ':') id.remove_suffix(1);
  }
  const bool create = id == "RT_FLOW_SESSION_CREATE";
  if (!create && id != "RT_FLOW_SESSION_CLOSE") return NatLineResult::kNotNat;
  std::string_view sd = msg.structured_data.empty() ? msg.content : msg.structured_data;
  std::string_view src, sport, dst, dport, nsrc, nsport, proto;
  if (!FindSdParam(sd, "source-address", &src) || !FindSdParam(sd, "source-port", &sport) ||
      !FindSdParam(sd, "nat-source-address", &nsrc) ||
      !FindSdParam(sd, "nat-source-port", &nsport) || !FindSdParam(sd, "protocol-id", &proto)) {
    return NatLineResult::kMalformed;
  }
  record::NatRecord r;
  std::optional<IpAddress> in = IpAddress::Parse(src);
  std::optional<IpAddress> outside = IpAddress::Parse(nsrc);
  unsigned proto_num = 0;
  if (!in || !outside || !ParsePort(sport, &r.inside_port) || !ParsePort(nsport, &r.outside_port) ||
      !ParseUint<unsigned>(proto, 255, &proto_num)) {
    return NatLineResult::kMalformed;
  }
  r.inside_ip = *in;
  r.outside_ip = *outside;
  if (r.inside_ip == r.outside_ip && r.inside_port == r.outside_port) {
    return NatLineResult::kNoMapping;
  }
  // The remote as seen from outside: after destination NAT if any, else the destination.
  std::string_view remote, rport;
  if (!FindSdParam(sd, "nat-destination-address", &remote) ||
      !FindSdParam(sd, "nat-destination-port", &rport)) {
    FindSdParam(sd, "destination-address", &remote);
    FindSdParam(sd, "destination-port", &rport);
  }
  (void)dst;
  (void)dport;
  if (std::optional<IpAddress> rem = IpAddress::Parse(remote)) r.remote_ip = *rem;
  if (!ParsePort(rport, &r.remote_port)) r.remote_port = 0;
  char buf[4];
  r.proto = std::string(IpProtoName(proto_num, buf));
  if (create) {
    r.ts = msg.ts;
  } else {
    std::string_view elapsed;
    int64_t duration = -1;
    if (FindSdParam(sd, "elapsed-time", &elapsed) &&
        !ParseUint<int64_t>(elapsed, kMaxDurationS, &duration)) {
      duration = -1;
    }
    SetClosed(&r, msg.ts, duration);
  }
  r.source = kSource;
  *out = std::move(r);
  return NatLineResult::kMapping;
}

// JSERVICES_NAT_PORT_BLOCK_ALLOC: 100.64.1.10 -> 203.0.113.1:2048-2303 0x6540a1b5
// (ACTIVE: an interim reminder; RELEASE: the block is freed). The hex word is the allocation
// time (seconds since the epoch): it becomes ts of ACTIVE and RELEASE when it is plausible.
NatLineResult ParseJuniperPortBlock(const SyslogMessage& msg, record::NatRecord* out) {
  constexpr std::string_view kTag = "JSERVICES_NAT_PORT_BLOCK_";
  const size_t at = msg.content.find(kTag);
  if (at == msg.content.npos) return NatLineResult::kNotNat;
  std::string_view rest = msg.content.substr(at + kTag.size());
  std::string_view what = NextToken(&rest);
  if (!what.empty() && what.back() == ':') what.remove_suffix(1);
  const bool alloc = what == "ALLOC";
  const bool active = what == "ACTIVE";
  if (!alloc && !active && what != "RELEASE") return NatLineResult::kNotNat;
  std::string_view inside = NextToken(&rest);
  if (NextToken(&rest) != "->") return NatLineResult::kMalformed;
  std::string_view block = NextToken(&rest);  // ADDR:FIRST-LAST
  std::string_view stamp = NextToken(&rest);
  const size_t colon = block.rfind(':');
  if (colon == block.npos) return NatLineResult::kMalformed;
  std::string_view ports = block.substr(colon + 1);
  const size_t dash = ports.find('-');
  record::NatRecord r;
  std::optional<IpAddress> in = IpAddress::Parse(inside);
  std::optional<IpAddress> pub = IpAddress::Parse(block.substr(0, colon));
  if (!in || !pub || dash == ports.npos || !ParsePort(ports.substr(0, dash), &r.outside_port) ||
      !ParsePort(ports.substr(dash + 1), &r.outside_port_end) ||
      r.outside_port_end < r.outside_port) {
    return NatLineResult::kMalformed;
  }
  r.inside_ip = *in;
  r.outside_ip = *pub;
  TimestampUs alloc_ts = -1;
  uint32_t secs = 0;
  if (stamp.size() > 2 && stamp.substr(0, 2) == "0x") {
    std::string_view hex = stamp.substr(2);
    auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), secs, 16);
    if (ec == std::errc() && p == hex.data() + hex.size()) {
      alloc_ts = int64_t{secs} * kUsPerSecond;
    }
  }
  const bool plausible = alloc_ts > 0 &&
                         alloc_ts <= msg.ts + 300 * kUsPerSecond &&  // 5 min of skew
                         msg.ts - alloc_ts <= kMaxDurationS * kUsPerSecond;
  if (alloc) {
    r.ts = msg.ts;
  } else if (active) {
    r.ts = plausible ? alloc_ts : msg.ts;
  } else {
    r.end_ts = msg.ts;
    r.ts = plausible && alloc_ts <= msg.ts ? alloc_ts : msg.ts;
  }
  r.source = kSource;
  *out = std::move(r);
  return NatLineResult::kMapping;
}

NatLineResult ParseNatLine(const SyslogMessage& msg, record::NatRecord* out) {
  for (auto* parse : {&ParseCiscoAsaNat, &ParseJuniperSrxSession, &ParseJuniperPortBlock}) {
    NatLineResult r = parse(msg, out);
    if (r != NatLineResult::kNotNat) return r;
  }
  return NatLineResult::kNotNat;
}

}  // namespace netward::identity
