// src/record/schema.h: THE schema. Every record stream and every field is declared here, once.
// The declarations drive the C++ structs (below), the JSON-lines encoder (json_encoder.h) and
// the field list in docs/records.md. Adding a field is one edit to one X-macro list.
//
// Field kinds and their JSON form:
//   Time   int64 microseconds since the epoch, UTC   -> "2026-11-22T10:04:05.123456Z"
//   String std::string (bytes as seen on the wire)   -> JSON string (json_encoder.h: escaping)
//   Ip     IpAddress                                 -> "192.0.2.1" / "2001:db8::1"
//   U16/U32/U64 unsigned integers                    -> number
//   StringList std::vector<std::string>              -> array of strings
//   U32List    std::vector<uint32_t>                 -> array of numbers
// Every record also carries `site` (the site code from the config), added by the encoder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/time.h"

namespace netward::record {

// One session (flow): who talked to whom, how much, and the best name known for the server.
// close: fin | rst | timeout | eof (the capture ended) | evicted (flow table full).
// nat_ip/nat_port, account and calling_id come from identity and NAT enrichment (issue 4).
#define NW_SESSION_FIELDS(X)                                                                       \
  X(Time, ts, "first packet of the flow")                                                          \
  X(Time, end_ts, "last packet of the flow (or of this snapshot)")                                 \
  X(String, proto, "tcp, udp, icmp, icmp6 or the IP protocol number")                              \
  X(Ip, src_ip, "client (the side that opened the flow)")                                          \
  X(U16, src_port, "client port")                                                                  \
  X(Ip, nat_ip, "public address the flow was translated to, unset if no NAT")                      \
  X(U16, nat_port, "public port after NAT, 0 if none")                                             \
  X(Ip, dst_ip, "server")                                                                          \
  X(U16, dst_port, "server port")                                                                  \
  X(U16, vlan, "outer 802.1Q VLAN id, 0 if untagged")                                              \
  X(String, mac, "client MAC address (aa:bb:cc:dd:ee:ff), empty if not Ethernet")                  \
  X(String, account,                                                                               \
    "subscriber account (RADIUS/PPPoE user name or static binding), empty if unknown")             \
  X(String, calling_id, "calling number / Calling-Station-Id of the subscriber")                   \
  X(String, app,                                                                                   \
    "detected application protocol (http, tls, quic, dns, smtp, pop3, imap, ftp, radius, dhcp, "   \
    "dhcpv6), empty if unknown")                                                                   \
  X(String, host,                                                                                  \
    "best name for the server: HTTP Host, TLS SNI, or the DNS name the client resolved to dst_ip") \
  X(String, url, "first HTTP request of the flow as http://host/uri")                              \
  X(U64, bytes_up, "IP bytes client to server")                                                    \
  X(U64, bytes_down, "IP bytes server to client")                                                  \
  X(U64, pkts_up, "packets client to server")                                                      \
  X(U64, pkts_down, "packets server to client")                                                    \
  X(String, close,                                                                                 \
    "fin, rst, timeout, eof (capture ended or probe stopped) or evicted (flow table full)")

// Subscriber identity and NAT enrichment (issue 4) of the client side of dns, http, tls and mail
// records, as the session record has them: filled by the probe from the identity index.
#define NW_IDENTITY_FIELDS(X)                                                         \
  X(Ip, nat_ip, "public address the client was translated to, unset if no NAT known") \
  X(U16, nat_port, "public port after NAT, 0 if none")                                \
  X(String, mac, "client MAC address (aa:bb:cc:dd:ee:ff), empty if unknown")          \
  X(String, account, "subscriber account of the client, empty if unknown")            \
  X(String, calling_id, "calling number / Calling-Station-Id of the subscriber")

// One DNS transaction (query and its answer, or a query alone). proto: udp | tcp.
#define NW_DNS_FIELDS(X)                                                              \
  X(Time, ts, "time of the query (of the response if no query was seen)")             \
  X(Ip, src_ip, "client")                                                             \
  X(U16, src_port, "client port")                                                     \
  X(Ip, dst_ip, "DNS server")                                                         \
  X(U16, dst_port, "server port")                                                     \
  X(String, proto, "udp or tcp")                                                      \
  X(U16, trans_id, "DNS transaction id")                                              \
  X(String, query, "first question name, as on the wire")                             \
  X(String, qtype, "question type name (A, AAAA, MX, TYPE65534 ...)")                 \
  X(String, rcode, "response code name (NOERROR, NXDOMAIN ...), empty if unanswered") \
  X(StringList, answers, "answer section in text form (addresses, names, TXT ...)")   \
  X(U32List, ttls, "TTL of each answer, seconds")                                     \
  NW_IDENTITY_FIELDS(X)

// One HTTP request/response pair. Body lengths are after transfer- and content-decoding.
#define NW_HTTP_FIELDS(X)                                                          \
  X(Time, ts, "time of the request")                                               \
  X(Ip, src_ip, "client")                                                          \
  X(U16, src_port, "client port")                                                  \
  X(Ip, dst_ip, "server")                                                          \
  X(U16, dst_port, "server port")                                                  \
  X(String, method, "request method")                                              \
  X(String, host, "Host header")                                                   \
  X(String, uri, "request target as sent")                                         \
  X(String, version, "HTTP version of the request (1.0, 1.1, 0.9)")                \
  X(U16, status, "response status code, 0 if no response")                         \
  X(String, user_agent, "User-Agent header")                                       \
  X(String, referrer, "Referer header")                                            \
  X(String, content_type, "Content-Type of the response (else of the request)")    \
  X(U64, req_body_len, "request body bytes after transfer and content decoding")   \
  X(U64, resp_body_len, "response body bytes after transfer and content decoding") \
  NW_IDENTITY_FIELDS(X)

// One TLS handshake. cert_* come from the server's first certificate (TLS 1.2 and below).
#define NW_TLS_FIELDS(X)                                                              \
  X(Time, ts, "time of the ClientHello")                                              \
  X(Ip, src_ip, "client")                                                             \
  X(U16, src_port, "client port")                                                     \
  X(Ip, dst_ip, "server")                                                             \
  X(U16, dst_port, "server port")                                                     \
  X(String, transport, "tcp, or quic for TLS inside QUIC")                            \
  X(String, version, "negotiated version (TLSv12, TLSv13 ...)")                       \
  X(String, sni, "server_name from the ClientHello")                                  \
  X(StringList, alpn, "ALPN protocols offered by the client")                         \
  X(String, ja3, "JA3 client fingerprint (MD5 hex)")                                  \
  X(String, ja4, "JA4 client fingerprint")                                            \
  X(String, cert_subject, "server certificate subject (RFC 2253), TLS 1.2 and below") \
  X(String, cert_issuer, "server certificate issuer (RFC 2253)")                      \
  X(Time, cert_not_before, "certificate validity start")                              \
  X(Time, cert_not_after, "certificate validity end")                                 \
  NW_IDENTITY_FIELDS(X)

// One mail transaction (SMTP) or login (POP3/IMAP). proto: smtp | pop3 | imap.
#define NW_MAIL_FIELDS(X)                                                          \
  X(Time, ts, "time the transaction (or login) began")                             \
  X(Ip, src_ip, "client")                                                          \
  X(U16, src_port, "client port")                                                  \
  X(Ip, dst_ip, "server")                                                          \
  X(U16, dst_port, "server port")                                                  \
  X(String, proto, "smtp, pop3 or imap")                                           \
  X(String, helo, "HELO/EHLO argument")                                            \
  X(String, mail_from, "envelope sender (MAIL FROM)")                              \
  X(StringList, rcpt_to, "envelope recipients (RCPT TO)")                          \
  X(String, header_from, "From: header of the message")                            \
  X(String, subject, "Subject: header, MIME encoded-words decoded")                \
  X(String, message_id, "Message-ID: header")                                      \
  X(String, auth_user,                                                             \
    "user name from SMTP AUTH, POP3 USER/APOP or IMAP LOGIN (never the password)") \
  NW_IDENTITY_FIELDS(X)

// One FTP command that moves or names a file (RETR, STOR, STOU, APPE, DELE, RNFR, RNTO, ...).
#define NW_FTP_FIELDS(X)                                                     \
  X(Time, ts, "time of the command")                                         \
  X(Ip, src_ip, "client")                                                    \
  X(U16, src_port, "client port")                                            \
  X(Ip, dst_ip, "server")                                                    \
  X(U16, dst_port, "server port")                                            \
  X(String, user, "user name given with USER")                               \
  X(String, command, "RETR, STOR, STOU, APPE, DELE, RNFR, RNTO, MKD or RMD") \
  X(String, arg, "the file or directory name")                               \
  X(U16, reply_code, "final reply code from the server, 0 if none")          \
  X(String, reply_msg, "final reply text")

// One subscriber identity event (issue 4): a RADIUS accounting message, a DHCP lease or
// release, a PPPoE login or a static binding. Ties an address (or IPv6 prefix) to an account
// for a time.
#define NW_LOGIN_FIELDS(X)                                                                       \
  X(Time, ts, "time of the event")                                                               \
  X(String, event,                                                                               \
    "start, stop, interim, lease, release or bind; accept or reject for a sniffed RADIUS "       \
    "Access-Accept/Reject")                                                                      \
  X(String, account, "subscriber account (RADIUS User-Name, PPPoE user, static binding)")        \
  X(String, calling_id, "calling number / Calling-Station-Id (often the line or the MAC)")       \
  X(Ip, ip, "address assigned to the subscriber (Framed-IP-Address, DHCP yiaddr)")               \
  X(String, ipv6_prefix,                                                                         \
    "delegated or framed IPv6 prefix (2001:db8:1::/56), several separated by commas, empty if "  \
    "none")                                                                                      \
  X(String, mac, "subscriber MAC address (aa:bb:cc:dd:ee:ff) or DHCPv6 DUID in hex")             \
  X(String, hostname, "client host name, DHCP option 12 or 81; empty if none")                   \
  X(Ip, nas_ip, "NAS-IP-Address (BRAS, access server or DHCP relay), unset if none")             \
  X(U32, nas_port, "NAS-Port, 0 if none")                                                        \
  X(String, session_id, "Acct-Session-Id (or DHCP transaction id), empty if none")               \
  X(String, source, "radius, dhcp, dhcpv6, pppoe, static or portal")                             \
  X(U64, bytes_in, "bytes from the subscriber (Acct-Input-Octets with Gigawords), 0 if none")    \
  X(U64, bytes_out, "bytes to the subscriber (Acct-Output-Octets with Gigawords), 0 if none")    \
  X(U32, duration_s, "session or lease time so far, seconds (Acct-Session-Time, lease time)")    \
  X(String, terminate_cause, "Acct-Terminate-Cause name on stop (User-Request ...), else empty") \
  X(StringList, vendor_attrs,                                                                    \
    "RADIUS Vendor-Specific attributes kept raw: <vendor-id>:<type>:<hex value>")

// One NAT mapping (issue 4): inside address and port translated to outside ones, towards a
// remote peer, from ts to end_ts. A port-block allocation has remote_ip unset, remote_port 0
// and inside_port 0, and covers outside_port..outside_port_end (docs/identity.md).
#define NW_NAT_FIELDS(X)                                                        \
  X(Time, ts, "start of the mapping")                                           \
  X(Time, end_ts, "end of the mapping, empty if still open")                    \
  X(String, proto, "tcp, udp, icmp or the IP protocol number")                  \
  X(Ip, inside_ip, "private (subscriber side) address")                         \
  X(U16, inside_port, "private port (ICMP id), 0 for a port block")             \
  X(Ip, outside_ip, "public address after translation")                         \
  X(U16, outside_port, "public port (first port of a port block)")              \
  X(U16, outside_port_end, "last port of a port block, 0 for a single mapping") \
  X(Ip, remote_ip, "remote peer address, unset if not logged (port blocks)")    \
  X(U16, remote_port, "remote peer port, 0 if not logged")                      \
  X(String, source, "where the mapping came from: conntrack, syslog, ipfix, nf9 ...")

// One entry of the system maintenance log (Order 82 art. 7.3): who did what to netward itself.
#define NW_MAINTENANCE_FIELDS(X)                                                 \
  X(Time, ts, "time of the action")                                              \
  X(String, component, "store, probe, api, center ...")                          \
  X(String, action,                                                              \
    "start, stop, purge, config_change, rule_change, login, search, disk_full, " \
    "disk_recovered ...")                                                        \
  X(String, actor, "user or process that acted")                                 \
  X(String, object, "what was acted on (stream, file, rule, record range ...)")  \
  X(String, detail, "human-readable detail")

// One hit of the content filter (issue 5) or another detector: which rule matched what, where,
// what was done about it, and who the client was. Written by the probe (traffic), the site API
// (moderation) and the guards. action is what the rule asks; taken is what was actually done.
#define NW_ALERT_FIELDS(X)                                                                  \
  X(Time, ts, "time of the match")                                                          \
  X(String, source, "who raised it: filter (probe traffic), api (site API), guard_web ...") \
  X(String, rule_id, "id of the rule that matched")                                         \
  X(String, category, "rule category (e.g. gambling, fraud, porn, terror)")                 \
  X(String, severity, "info, low, medium, high or critical")                                \
  X(String, action, "what the rule asks: log, alert, block or review")                      \
  X(String, taken,                                                                          \
    "what was done: logged, alerted, tcp_reset, block_page, dns_nxdomain, dns_sinkhole, "   \
    "nfqueue_drop, rejected (API), held_for_review (API); several joined by '+'")           \
  X(String, scope, "where it matched: url, host, dns, sni, http_header, http_body, ...")    \
  X(String, excerpt, "normalized text around the match (at most 64 characters each side)")  \
  X(String, bundle_version, "version of the rule bundle that matched")                      \
  X(String, proto, "tcp or udp for traffic, empty for the API")                             \
  X(Ip, src_ip, "client")                                                                   \
  X(U16, src_port, "client port")                                                           \
  X(Ip, dst_ip, "server")                                                                   \
  X(U16, dst_port, "server port")                                                           \
  X(String, host, "server name (HTTP Host, SNI, DNS query) if known")                       \
  X(String, url, "http://host/uri of the request, if HTTP")                                 \
  NW_IDENTITY_FIELDS(X)

// One post published through an ICP's application (Order 82 art. 9.2, 9.4), recorded by the
// site API (docs/api.md) together with the moderation verdict given for it.
#define NW_POST_FIELDS(X)                                                             \
  X(Time, ts, "time of publication (as the application gave it, else time received)") \
  X(String, app, "application that recorded it (the API key's name)")                 \
  X(String, post_id, "the application's id of the post, empty if none")               \
  X(String, account, "account of the author in the application")                      \
  X(Ip, src_ip, "address the author published from")                                  \
  X(U16, src_port, "source port the author published from, 0 if unknown")             \
  X(String, url, "URL or board where it was published")                               \
  X(String, title, "title, empty if none")                                            \
  X(String, content, "the text as published")                                         \
  X(String, verdict, "moderation verdict: allow, review or block")                    \
  X(StringList, rule_ids, "ids of the rules that matched")

// One user registration at an ICP's application (Order 82 art. 8.1, 10.1), recorded by the site
// API. id_number and phone are stored encrypted (AES-256-GCM, "enc1:" + base64) and shown
// masked unless revealed by an authorized caller (docs/api.md).
#define NW_REGISTRATION_FIELDS(X)                                                           \
  X(Time, ts, "time of registration (as the application gave it, else time received)")      \
  X(String, app, "application that recorded it (the API key's name)")                       \
  X(String, account, "account registered")                                                  \
  X(String, name, "real name given")                                                        \
  X(String, id_type, "identity document type: resident_id, passport, other ...")            \
  X(String, id_number, "identity document number, encrypted at rest (enc1:...)")            \
  X(String, id_number_masked, "identity number masked for display (1101**********123X)")    \
  X(String, phone, "mobile phone number, encrypted at rest (enc1:...)")                     \
  X(String, phone_masked, "phone number masked for display (138****0000)")                  \
  X(Ip, src_ip, "address the user registered from")                                         \
  X(U16, src_port, "source port, 0 if unknown")                                             \
  X(String, verdict, "moderation verdict of the registration fields: allow, review, block") \
  X(StringList, rule_ids, "ids of the rules that matched")

// The list of streams: X(StreamName, snake_name, FIELDS macro).
#define NW_STREAMS(X)                                \
  X(Session, session, NW_SESSION_FIELDS)             \
  X(Dns, dns, NW_DNS_FIELDS)                         \
  X(Http, http, NW_HTTP_FIELDS)                      \
  X(Tls, tls, NW_TLS_FIELDS)                         \
  X(Mail, mail, NW_MAIL_FIELDS)                      \
  X(Ftp, ftp, NW_FTP_FIELDS)                         \
  X(Login, login, NW_LOGIN_FIELDS)                   \
  X(Nat, nat, NW_NAT_FIELDS)                         \
  X(Maintenance, maintenance, NW_MAINTENANCE_FIELDS) \
  X(Alert, alert, NW_ALERT_FIELDS)                   \
  X(Post, post, NW_POST_FIELDS)                      \
  X(Registration, registration, NW_REGISTRATION_FIELDS)

namespace field_type {
using Time = TimestampUs;
using String = std::string;
using Ip = IpAddress;
using U16 = uint16_t;
using U32 = uint32_t;
using U64 = uint64_t;
using StringList = std::vector<std::string>;
using U32List = std::vector<uint32_t>;
}  // namespace field_type

enum class StreamId : uint8_t {
#define NW_STREAM_ENUM(Name, name, FIELDS) k##Name,
  NW_STREAMS(NW_STREAM_ENUM)
#undef NW_STREAM_ENUM
};

constexpr size_t kStreamCount = 0
#define NW_STREAM_COUNT(Name, name, FIELDS) +1
    NW_STREAMS(NW_STREAM_COUNT)
#undef NW_STREAM_COUNT
    ;

// "session", "dns", ... ; the file stem of `replay --json DIR/<stream>.jsonl`.
std::string_view StreamName(StreamId id);
// Inverse of StreamName; false if `name` is not a stream.
bool StreamFromName(std::string_view name, StreamId* id);
// Every stream name in order, joined by ", " (for error messages).
std::string StreamNameList();

// The structs: SessionRecord, DnsRecord, ... Each has kStream and ForEachField(f), which calls
// f(std::string_view field_name, FieldRef&) in declaration order.
#define NW_FIELD_MEMBER(Type, name, doc) field_type::Type name{};
#define NW_FIELD_VISIT(Type, name, doc) f(std::string_view(#name), name);
#define NW_STREAM_STRUCT(Name, sname, FIELDS)              \
  struct Name##Record {                                    \
    static constexpr StreamId kStream = StreamId::k##Name; \
    FIELDS(NW_FIELD_MEMBER)                                \
    template <typename F>                                  \
    void ForEachField(F&& f) {                             \
      FIELDS(NW_FIELD_VISIT)                               \
    }                                                      \
    template <typename F>                                  \
    void ForEachField(F&& f) const {                       \
      FIELDS(NW_FIELD_VISIT)                               \
    }                                                      \
  };
NW_STREAMS(NW_STREAM_STRUCT)
#undef NW_STREAM_STRUCT
#undef NW_FIELD_VISIT
#undef NW_FIELD_MEMBER

}  // namespace netward::record
