#include "analyzers/dhcpv6.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "analyzers/dhcp_transactions.h"
#include "analyzers/link_text.h"
#include "record/schema.h"

namespace netward::analyzers {
namespace {

using detail::DhcpClientInfo;
using detail::DhcpTransactions;

enum MessageType : uint8_t {
  kSolicit = 1,
  kAdvertise = 2,
  kRequest = 3,
  kConfirm = 4,
  kRenew = 5,
  kRebind = 6,
  kReply = 7,
  kRelease = 8,
  kDecline = 9,
  kReconfigure = 10,
  kInformationRequest = 11,
  kRelayForw = 12,
  kRelayRepl = 13,
};

enum Option : uint16_t {
  kOptClientId = 1,
  kOptIaNa = 3,
  kOptIaAddr = 5,
  kOptRelayMsg = 9,
  kOptInterfaceId = 18,
  kOptIaPd = 25,
  kOptIaPrefix = 26,
  kOptRemoteId = 37,
  kOptClientFqdn = 39,
};

constexpr int kMaxRelayDepth = 8;
constexpr size_t kMaxBindings = 16;
constexpr size_t kRelayHeader = 34;  // type, hop count, link-address, peer-address

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Get32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

struct Binding {
  bool prefix = false;
  uint8_t prefix_len = 0;
  uint32_t valid = 0;
  const uint8_t* addr = nullptr;  // 16 bytes
};

// What one (unwrapped) message says, as views into the datagram.
struct Message {
  uint8_t type = 0;
  uint32_t xid = 0;
  std::span<const uint8_t> duid;
  std::span<const uint8_t> fqdn;          // option 39 value
  std::span<const uint8_t> interface_id;  // innermost relay
  std::span<const uint8_t> remote_id;     // innermost relay, without the enterprise number
  const uint8_t* link_address = nullptr;  // innermost relay with a non-zero link-address
  Binding bindings[kMaxBindings];
  size_t binding_count = 0;
  bool bad_option = false;
  bool too_many = false;
  bool too_deep = false;
};

// Calls f(code, value) for each option of `area`; flags an option running past the end.
template <typename F>
void ForEachOption(std::span<const uint8_t> area, Message* m, F&& f) {
  size_t i = 0;
  while (i + 4 <= area.size()) {
    uint16_t code = Get16(area.data() + i);
    size_t len = Get16(area.data() + i + 2);
    if (i + 4 + len > area.size()) {
      m->bad_option = true;
      return;
    }
    f(code, area.subspan(i + 4, len));
    i += 4 + len;
  }
  if (i != area.size()) m->bad_option = true;
}

void AddBinding(Message* m, const Binding& b) {
  if (m->binding_count == kMaxBindings) {
    m->too_many = true;
    return;
  }
  m->bindings[m->binding_count++] = b;
}

// IA_NA / IA_PD: IAID, T1, T2 (12 bytes), then IAADDR / IAPREFIX sub-options.
void ParseIa(uint16_t code, std::span<const uint8_t> v, Message* m) {
  if (v.size() < 12) {
    m->bad_option = true;
    return;
  }
  ForEachOption(v.subspan(12), m, [&](uint16_t sub, std::span<const uint8_t> s) {
    if (code == kOptIaNa && sub == kOptIaAddr) {
      if (s.size() < 24) {
        m->bad_option = true;
        return;
      }
      Binding b;
      b.addr = s.data();
      b.valid = Get32(s.data() + 20);
      AddBinding(m, b);
    } else if (code == kOptIaPd && sub == kOptIaPrefix) {
      if (s.size() < 25 || s[8] > 128) {
        m->bad_option = true;
        return;
      }
      Binding b;
      b.prefix = true;
      b.valid = Get32(s.data() + 4);
      b.prefix_len = s[8];
      b.addr = s.data() + 9;
      AddBinding(m, b);
    }
  });
}

void ParseMessage(std::span<const uint8_t> d, int depth, Message* m) {
  uint8_t type = d[0];
  if (type == kRelayForw || type == kRelayRepl) {
    if (d.size() < kRelayHeader) {
      m->bad_option = true;
      return;
    }
    static constexpr uint8_t kZero[16] = {};
    if (std::memcmp(d.data() + 2, kZero, 16) != 0) m->link_address = d.data() + 2;
    std::span<const uint8_t> inner;
    ForEachOption(d.subspan(kRelayHeader), m, [&](uint16_t code, std::span<const uint8_t> v) {
      if (code == kOptRelayMsg) inner = v;
      if (code == kOptInterfaceId) m->interface_id = v;
      if (code == kOptRemoteId && v.size() > 4) m->remote_id = v.subspan(4);
    });
    if (inner.size() < 4) {
      if (!inner.empty()) m->bad_option = true;
      return;
    }
    if (depth + 1 >= kMaxRelayDepth) {
      m->too_deep = true;
      return;
    }
    ParseMessage(inner, depth + 1, m);
    return;
  }
  m->type = type;
  m->xid = (static_cast<uint32_t>(d[1]) << 16) | (static_cast<uint32_t>(d[2]) << 8) | d[3];
  ForEachOption(d.subspan(4), m, [&](uint16_t code, std::span<const uint8_t> v) {
    switch (code) {
      case kOptClientId:
        m->duid = v;
        break;
      case kOptIaNa:
      case kOptIaPd:
        ParseIa(code, v, m);
        break;
      case kOptClientFqdn:
        m->fqdn = v;
        break;
      default:
        break;
    }
  });
}

// Option 39 (RFC 4704): flags, then the name in DNS wire format (possibly partial, no root).
std::string FqdnName(std::span<const uint8_t> v) {
  std::string out;
  size_t i = 1;
  while (i < v.size() && v[i] != 0) {
    size_t len = v[i];
    if (len > 63 || i + 1 + len > v.size()) break;
    if (!out.empty()) out += '.';
    out.append(v.begin() + static_cast<long>(i) + 1, v.begin() + static_cast<long>(i + 1 + len));
    i += 1 + len;
  }
  return out;
}

// DUID-LLT (type 1: type, hw type, time, address) or DUID-LL (type 3: type, hw type, address)
// with hardware type 1 (Ethernet) and a 6-byte address: the MAC. Anything else: the DUID in hex.
std::string DuidText(std::span<const uint8_t> duid) {
  if (duid.size() == 14 && Get16(duid.data()) == 1 && Get16(duid.data() + 2) == 1) {
    return detail::FormatMac(duid.data() + 8);
  }
  if (duid.size() == 10 && Get16(duid.data()) == 3 && Get16(duid.data() + 2) == 1) {
    return detail::FormatMac(duid.data() + 4);
  }
  return detail::HexLower(duid);
}

class Dhcpv6Analyzer final : public Analyzer {
 public:
  void Deliver(AnalyzerContext& ctx, Direction dir, std::span<const uint8_t> data) override {
    if (ctx.hints && ctx.hints->app.empty()) ctx.hints->app = "dhcpv6";
    if (data.size() < 4) {
      ctx.Event("dhcpv6.truncated_message");
      return;
    }
    Message m;
    ParseMessage(data, 0, &m);
    if (m.bad_option) ctx.Event("dhcpv6.bad_option");
    if (m.too_deep) ctx.Event("dhcpv6.relay_too_deep");
    if (m.too_many) ctx.Event("dhcpv6.too_many_bindings");
    if (m.type == 0) return;

    std::string client_id(m.duid.begin(), m.duid.end());
    DhcpClientInfo info{FqdnName(m.fqdn), CallingId(m)};
    switch (m.type) {
      case kSolicit:
      case kRequest:
      case kRenew:
      case kRebind:
      case kRelease:
      case kDecline:
      case kConfirm:
      case kInformationRequest:
        if (!info.hostname.empty() || !info.calling_id.empty()) {
          if (!DhcpTransactions::Shared().Remember(m.xid | 0x80000000u, client_id, info, ctx.now)) {
            ctx.Event("dhcpv6.transaction_table_full");
          }
        }
        if (m.type == kRelease || m.type == kDecline) {
          const char* cause = m.type == kDecline ? "decline" : "";
          for (size_t i = 0; i < m.binding_count; ++i) {
            Emit(ctx, dir, m, info, m.bindings[i], "release", cause);
          }
        }
        break;
      case kReply: {
        DhcpClientInfo asked;
        // The high bit keeps DHCPv6's 24-bit ids apart from DHCPv4's in the shared table.
        if (DhcpTransactions::Shared().Lookup(m.xid | 0x80000000u, client_id, ctx.now, &asked)) {
          if (info.hostname.empty()) info.hostname = std::move(asked.hostname);
          if (info.calling_id.empty()) info.calling_id = std::move(asked.calling_id);
        }
        for (size_t i = 0; i < m.binding_count; ++i) {
          const Binding& b = m.bindings[i];
          Emit(ctx, dir, m, info, b, b.valid ? "lease" : "release", "");
        }
        break;
      }
      default:
        break;  // ADVERTISE, RECONFIGURE: nothing assigned
    }
  }

 private:
  static std::string CallingId(const Message& m) {
    if (!m.interface_id.empty()) return detail::PrintableOrHex(m.interface_id);
    return detail::PrintableOrHex(m.remote_id);
  }

  static void Emit(AnalyzerContext& ctx, Direction dir, const Message& m,
                   const DhcpClientInfo& info, const Binding& b, const char* event,
                   const char* cause) {
    record::LoginRecord r;
    r.ts = ctx.now;
    r.event = event;
    r.source = "dhcpv6";
    r.mac = DuidText(m.duid);
    r.hostname = info.hostname;
    r.calling_id = info.calling_id;
    if (b.prefix) {
      // Only the prefix bits count: clear the rest so the text is canonical.
      uint8_t p[16];
      std::memcpy(p, b.addr, 16);
      for (int bit = b.prefix_len; bit < 128; ++bit) p[bit / 8] &= ~(0x80 >> (bit % 8));
      r.ipv6_prefix = IpAddress::FromV6(p).ToString() + "/" + std::to_string(b.prefix_len);
    } else {
      r.ip = IpAddress::FromV6(b.addr);
    }
    r.duration_s = b.valid;
    if (m.link_address) {
      r.nas_ip = IpAddress::FromV6(m.link_address);
    } else if (ctx.flow) {
      r.nas_ip = dir == Direction::kToServer ? ctx.flow->client_ip : ctx.flow->server_ip;
    }
    char xid[7];
    std::snprintf(xid, sizeof(xid), "%06x", m.xid & 0xffffff);
    r.session_id = xid;
    r.terminate_cause = cause;
    ctx.out->Add(r);
  }
};

}  // namespace

std::unique_ptr<Analyzer> NewDhcpv6Analyzer() { return std::make_unique<Dhcpv6Analyzer>(); }

bool LooksLikeDhcpv6(Direction dir, std::span<const uint8_t> d) {
  (void)dir;
  if (d.size() < 4 || d[0] < kSolicit || d[0] > kRelayRepl) return false;
  return d[0] < kRelayForw || d.size() >= kRelayHeader;
}

}  // namespace netward::analyzers
