#include "analyzers/registry.h"

#include "analyzers/dhcp.h"
#include "analyzers/dhcpv6.h"
#include "analyzers/dns.h"
#include "analyzers/ftp.h"
#include "analyzers/http.h"
#include "analyzers/imap.h"
#include "analyzers/pop3.h"
#include "analyzers/quic.h"
#include "analyzers/radius.h"
#include "analyzers/smtp.h"
#include "analyzers/tls.h"

namespace netward::analyzers {
namespace {

struct PortEntry {
  uint8_t ip_proto;
  uint16_t port;
  AppProtocol proto;
};

// The well-known ports. Content detection (below) can override these.
constexpr PortEntry kPortTable[] = {
    {17, 53, AppProtocol::kDns},
    {6, 53, AppProtocol::kDns},
    {17, 5353, AppProtocol::kDns},
    {17, 5355, AppProtocol::kDns},
    {6, 80, AppProtocol::kHttp},
    {6, 8080, AppProtocol::kHttp},
    {6, 8000, AppProtocol::kHttp},
    {6, 8008, AppProtocol::kHttp},
    {6, 8888, AppProtocol::kHttp},
    {6, 3128, AppProtocol::kHttp},
    {6, 81, AppProtocol::kHttp},
    {6, 443, AppProtocol::kTls},
    {6, 8443, AppProtocol::kTls},
    {6, 465, AppProtocol::kTls},
    {6, 993, AppProtocol::kTls},
    {6, 995, AppProtocol::kTls},
    {6, 636, AppProtocol::kTls},
    {6, 853, AppProtocol::kTls},
    {6, 5223, AppProtocol::kTls},
    {6, 25, AppProtocol::kSmtp},
    {6, 587, AppProtocol::kSmtp},
    {6, 2525, AppProtocol::kSmtp},
    {6, 110, AppProtocol::kPop3},
    {6, 143, AppProtocol::kImap},
    {6, 21, AppProtocol::kFtp},
    {17, 443, AppProtocol::kQuic},
    // RADIUS: authentication and accounting, and their pre-RFC 2865 ports.
    {17, 1812, AppProtocol::kRadius},
    {17, 1813, AppProtocol::kRadius},
    {17, 1645, AppProtocol::kRadius},
    {17, 1646, AppProtocol::kRadius},
    // DHCP: a server's reply to a broadcast opens its own flow, whose server port is 68 (546).
    {17, 67, AppProtocol::kDhcp},
    {17, 68, AppProtocol::kDhcp},
    {17, 546, AppProtocol::kDhcpv6},
    {17, 547, AppProtocol::kDhcpv6},
};

}  // namespace

std::string_view AppProtocolName(AppProtocol proto) {
  switch (proto) {
    case AppProtocol::kNone:
      return "";
    case AppProtocol::kDns:
      return "dns";
    case AppProtocol::kHttp:
      return "http";
    case AppProtocol::kTls:
      return "tls";
    case AppProtocol::kSmtp:
      return "smtp";
    case AppProtocol::kPop3:
      return "pop3";
    case AppProtocol::kImap:
      return "imap";
    case AppProtocol::kFtp:
      return "ftp";
    case AppProtocol::kQuic:
      return "quic";
    case AppProtocol::kRadius:
      return "radius";
    case AppProtocol::kDhcp:
      return "dhcp";
    case AppProtocol::kDhcpv6:
      return "dhcpv6";
  }
  return "";
}

AppProtocol DetectByPort(uint8_t ip_proto, uint16_t server_port) {
  for (const auto& e : kPortTable) {
    if (e.ip_proto == ip_proto && e.port == server_port) return e.proto;
  }
  return AppProtocol::kNone;
}

AppProtocol Detect(uint8_t ip_proto, uint16_t server_port, Direction dir,
                   std::span<const uint8_t> first_payload) {
  AppProtocol by_port = DetectByPort(ip_proto, server_port);
  if (ip_proto == 17) {
    if (by_port == AppProtocol::kDns || by_port == AppProtocol::kQuic) return by_port;
    if (by_port == AppProtocol::kDhcp) {
      return LooksLikeDhcp(dir, first_payload) ? AppProtocol::kDhcp : AppProtocol::kNone;
    }
    if (by_port == AppProtocol::kDhcpv6) {
      return LooksLikeDhcpv6(dir, first_payload) ? AppProtocol::kDhcpv6 : AppProtocol::kNone;
    }
    if (by_port == AppProtocol::kRadius) {
      return LooksLikeRadius(dir, first_payload) ? AppProtocol::kRadius : AppProtocol::kNone;
    }
    if (LooksLikeQuic(dir, first_payload)) return AppProtocol::kQuic;
    return LooksLikeDns(dir, first_payload) && (server_port == 53 || server_port == 5353)
               ? AppProtocol::kDns
               : AppProtocol::kNone;
  }
  if (ip_proto != 6) return AppProtocol::kNone;
  // Strong signatures first: they are unambiguous whatever the port.
  if (LooksLikeTls(dir, first_payload)) return AppProtocol::kTls;
  if (LooksLikeHttp(dir, first_payload)) return AppProtocol::kHttp;
  // Banner protocols share "220 "; the port decides between them when it can.
  switch (by_port) {
    case AppProtocol::kSmtp:
    case AppProtocol::kFtp:
    case AppProtocol::kPop3:
    case AppProtocol::kImap:
    case AppProtocol::kDns:
      return by_port;
    default:
      break;
  }
  if (LooksLikeSmtp(dir, first_payload)) return AppProtocol::kSmtp;
  if (LooksLikeFtp(dir, first_payload)) return AppProtocol::kFtp;
  // A well-known HTTP/TLS port whose first bytes we could not confirm (e.g. one byte segments):
  // trust the port; the analyzer copes with what it cannot parse.
  return by_port;
}

std::unique_ptr<Analyzer> CreateAnalyzer(AppProtocol proto) {
  switch (proto) {
    case AppProtocol::kNone:
      return nullptr;
    case AppProtocol::kDns:
      return NewDnsAnalyzer();
    case AppProtocol::kHttp:
      return NewHttpAnalyzer();
    case AppProtocol::kTls:
      return NewTlsAnalyzer();
    case AppProtocol::kSmtp:
      return NewSmtpAnalyzer();
    case AppProtocol::kPop3:
      return NewPop3Analyzer();
    case AppProtocol::kImap:
      return NewImapAnalyzer();
    case AppProtocol::kFtp:
      return NewFtpAnalyzer();
    case AppProtocol::kQuic:
      return NewQuicAnalyzer();
    case AppProtocol::kRadius:
      return NewRadiusAnalyzer();
    case AppProtocol::kDhcp:
      return NewDhcpAnalyzer();
    case AppProtocol::kDhcpv6:
      return NewDhcpv6Analyzer();
  }
  return nullptr;
}

}  // namespace netward::analyzers
