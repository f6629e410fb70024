#include "analyzers/dhcp.h"

#include <cstdio>
#include <string>

#include "analyzers/dhcp_transactions.h"
#include "analyzers/link_text.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

using detail::DhcpClientInfo;
using detail::DhcpTransactions;

// BOOTP fixed header (RFC 2131 section 2), then the magic cookie and the options.
constexpr size_t kOffXid = 4;
constexpr size_t kOffCiaddr = 12;
constexpr size_t kOffYiaddr = 16;
constexpr size_t kOffGiaddr = 24;
constexpr size_t kOffChaddr = 28;
constexpr size_t kOffSname = 44;
constexpr size_t kSnameLen = 64;
constexpr size_t kOffFile = 108;
constexpr size_t kFileLen = 128;
constexpr size_t kOffCookie = 236;
constexpr size_t kOffOptions = 240;
constexpr uint8_t kCookie[4] = {0x63, 0x82, 0x53, 0x63};

enum MessageType : uint8_t {
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
};

enum Option : uint8_t {
  kOptPad = 0,
  kOptHostName = 12,
  kOptRequestedIp = 50,
  kOptLeaseTime = 51,
  kOptOverload = 52,
  kOptMessageType = 53,
  kOptServerId = 54,
  kOptAgentInfo = 82,
  kOptClientFqdn = 81,
  kOptEnd = 255,
};

uint32_t Get32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

bool IsZero4(const uint8_t* p) { return (p[0] | p[1] | p[2] | p[3]) == 0; }

// What one message says, as views into the datagram.
struct Message {
  uint8_t op = 0;
  uint8_t type = 0;  // option 53, 0 if absent
  uint32_t xid = 0;
  const uint8_t* ciaddr = nullptr;
  const uint8_t* yiaddr = nullptr;
  const uint8_t* giaddr = nullptr;
  std::span<const uint8_t> chaddr;
  bool has_lease = false;
  uint32_t lease = 0;
  uint8_t overload = 0;
  const uint8_t* requested_ip = nullptr;
  const uint8_t* server_id = nullptr;
  std::span<const uint8_t> host_name;
  std::span<const uint8_t> fqdn;  // option 81 value
  std::span<const uint8_t> circuit_id, remote_id, subscriber_id;
  bool bad_option = false;
};

void ParseAgentInfo(std::span<const uint8_t> v, Message* m) {
  size_t i = 0;
  while (i + 2 <= v.size()) {
    uint8_t code = v[i], len = v[i + 1];
    if (i + 2 + len > v.size()) {
      m->bad_option = true;
      return;
    }
    auto value = v.subspan(i + 2, len);
    if (code == 1) m->circuit_id = value;
    if (code == 2) m->remote_id = value;
    if (code == 6) m->subscriber_id = value;
    i += 2 + len;
  }
}

// One options area (the options field, or file/sname when overloaded). Stops at END or at an
// option running past the area (flagged).
void ParseOptions(std::span<const uint8_t> area, Message* m) {
  size_t i = 0;
  while (i < area.size()) {
    uint8_t code = area[i];
    if (code == kOptPad) {
      ++i;
      continue;
    }
    if (code == kOptEnd) return;
    if (i + 2 > area.size() || i + 2 + area[i + 1] > area.size()) {
      m->bad_option = true;
      return;
    }
    auto v = area.subspan(i + 2, area[i + 1]);
    switch (code) {
      case kOptMessageType:
        if (v.size() == 1) m->type = v[0];
        break;
      case kOptLeaseTime:
        if (v.size() == 4) m->has_lease = true, m->lease = Get32(v.data());
        break;
      case kOptOverload:
        if (v.size() == 1) m->overload = v[0];
        break;
      case kOptRequestedIp:
        if (v.size() == 4) m->requested_ip = v.data();
        break;
      case kOptServerId:
        if (v.size() == 4) m->server_id = v.data();
        break;
      case kOptHostName:
        m->host_name = v;
        break;
      case kOptClientFqdn:
        m->fqdn = v;
        break;
      case kOptAgentInfo:
        ParseAgentInfo(v, m);
        break;
      default:
        break;
    }
    i += 2 + v.size();
  }
}

// Option 81 (RFC 4702): flags, two obsolete rcodes, then the name: DNS wire labels when the E
// flag (0x04) is set, else ASCII. A malformed wire name yields what was decoded before the fault.
std::string FqdnName(std::span<const uint8_t> v) {
  if (v.size() <= 3) return {};
  auto name = v.subspan(3);
  if (!(v[0] & 0x04)) return std::string(name.begin(), name.end());
  std::string out;
  size_t i = 0;
  while (i < name.size() && name[i] != 0) {
    size_t len = name[i];
    if (len > 63 || i + 1 + len > name.size()) break;
    if (!out.empty()) out += '.';
    out.append(name.begin() + static_cast<long>(i) + 1,
               name.begin() + static_cast<long>(i + 1 + len));
    i += 1 + len;
  }
  return out;
}

std::string ClientHostName(const Message& m) {
  if (!m.host_name.empty()) return std::string(m.host_name.begin(), m.host_name.end());
  return FqdnName(m.fqdn);
}

std::string CallingId(const Message& m) {
  if (!m.circuit_id.empty()) return detail::PrintableOrHex(m.circuit_id);
  if (!m.remote_id.empty()) return detail::PrintableOrHex(m.remote_id);
  return detail::PrintableOrHex(m.subscriber_id);
}

// Parses the whole datagram; false (and an event) if it is not a DHCP message.
bool Parse(AnalyzerContext& ctx, std::span<const uint8_t> d, Message* m) {
  if (d.size() < kOffOptions) {
    ctx.Event("dhcp.truncated_message");
    return false;
  }
  if (d[kOffCookie] != kCookie[0] || d[kOffCookie + 1] != kCookie[1] ||
      d[kOffCookie + 2] != kCookie[2] || d[kOffCookie + 3] != kCookie[3]) {
    ctx.Event("dhcp.bad_magic_cookie");
    return false;
  }
  m->op = d[0];
  m->xid = Get32(d.data() + kOffXid);
  m->ciaddr = d.data() + kOffCiaddr;
  m->yiaddr = d.data() + kOffYiaddr;
  m->giaddr = d.data() + kOffGiaddr;
  size_t hlen = d[2] <= 16 ? d[2] : 16;
  m->chaddr = d.subspan(kOffChaddr, hlen);
  ParseOptions(d.subspan(kOffOptions), m);
  // RFC 2132 9.3: the file field, then sname, may carry more options.
  if (m->overload & 1) ParseOptions(d.subspan(kOffFile, kFileLen), m);
  if (m->overload & 2) ParseOptions(d.subspan(kOffSname, kSnameLen), m);
  if (m->bad_option) ctx.Event("dhcp.bad_option");
  if (m->type == 0) {
    ctx.Event("dhcp.no_message_type");  // plain BOOTP: assigns nothing we log
    return false;
  }
  return true;
}

std::string ClientId(const Message& m) { return std::string(m.chaddr.begin(), m.chaddr.end()); }

std::string MacText(const Message& m) {
  if (m.chaddr.size() == 6) return detail::FormatMac(m.chaddr.data());
  return detail::HexLower(m.chaddr);
}

class DhcpAnalyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override {
    if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "dhcp";
    Message m;
    if (!Parse(ctx, data, &m)) return;
    if (m.op == 1) {
      OnClientMessage(ctx, m);
    } else if (m.op == 2 && m.type == kAck) {
      OnAck(ctx, dir, m);
    }
  }

 private:
  void OnClientMessage(AnalyzerContext& ctx, const Message& m) {
    DhcpClientInfo info{ClientHostName(m), CallingId(m)};
    if (!info.hostname.empty() || !info.calling_id.empty()) {
      if (!DhcpTransactions::Shared().Remember(m.xid, ClientId(m), info, ctx.now)) {
        ctx.Event("dhcp.transaction_table_full");
      }
    }
    if (m.type == kRelease) {
      Emit(ctx, m, "release", m.ciaddr, info, "");
    } else if (m.type == kDecline && m.requested_ip) {
      Emit(ctx, m, "release", m.requested_ip, info, "decline");
    }
  }

  void OnAck(AnalyzerContext& ctx, Direction dir, const Message& m) {
    if (IsZero4(m.yiaddr)) return;  // ACK to an INFORM: configuration only, no address assigned
    DhcpClientInfo info{ClientHostName(m), CallingId(m)};
    DhcpClientInfo asked;
    if (DhcpTransactions::Shared().Lookup(m.xid, ClientId(m), ctx.now, &asked)) {
      if (info.hostname.empty()) info.hostname = std::move(asked.hostname);
      if (info.calling_id.empty()) info.calling_id = std::move(asked.calling_id);
    }
    const uint8_t* nas = nullptr;
    if (!IsZero4(m.giaddr)) {
      nas = m.giaddr;
    } else if (m.server_id) {
      nas = m.server_id;
    }
    record::LoginRecord r;
    Fill(ctx, m, "lease", m.yiaddr, info, "", &r);
    if (nas) {
      r.nas_ip = IpAddress::FromV4(nas);
    } else if (ctx.flow) {
      r.nas_ip = dir == Direction::kToServer ? ctx.flow->client_ip : ctx.flow->server_ip;
    }
    if (m.has_lease) r.duration_s = m.lease;
    ctx.out->Add(r);
  }

  void Emit(AnalyzerContext& ctx, const Message& m, const char* event, const uint8_t* ip,
            const DhcpClientInfo& info, const char* cause) {
    record::LoginRecord r;
    Fill(ctx, m, event, ip, info, cause, &r);
    if (m.server_id) r.nas_ip = IpAddress::FromV4(m.server_id);
    ctx.out->Add(r);
  }

  static void Fill(AnalyzerContext& ctx, const Message& m, const char* event, const uint8_t* ip,
                   const DhcpClientInfo& info, const char* cause, record::LoginRecord* r) {
    r->ts = ctx.now;
    r->event = event;
    r->source = "dhcp";
    r->mac = MacText(m);
    if (!IsZero4(ip)) r->ip = IpAddress::FromV4(ip);
    r->hostname = info.hostname;
    r->calling_id = info.calling_id;
    char xid[9];
    std::snprintf(xid, sizeof(xid), "%08x", m.xid);
    r->session_id = xid;
    r->terminate_cause = cause;
  }
};

}  // namespace

std::unique_ptr<Analyzer> NewDhcpAnalyzer() { return std::make_unique<DhcpAnalyzer>(); }

bool LooksLikeDhcp(Direction dir, std::span<const uint8_t> d) {
  (void)dir;
  return d.size() >= kOffOptions && (d[0] == 1 || d[0] == 2) && d[kOffCookie] == kCookie[0] &&
         d[kOffCookie + 1] == kCookie[1] && d[kOffCookie + 2] == kCookie[2] &&
         d[kOffCookie + 3] == kCookie[3];
}

}  // namespace netward::analyzers
