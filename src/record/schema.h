// src/record/schema.h: THE schema. Every record stream and every field is declared here, once.
// The declarations drive the C++ structs (below), the JSON-lines encoder (json_encoder.h) and
// the field list in docs/records.md. Adding a field is one edit to one X-macro list.
//
// Field kinds and their JSON form:
//   Time   int64 microseconds since the epoch, UTC   -> "2026-11-22T10:04:05.123456Z"
//   String std::string (bytes as seen on the wire)   -> JSON string (see json_encoder.h on escaping)
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
#define NW_SESSION_FIELDS(X)                                                                    \
  X(Time, ts) X(Time, end_ts) X(String, proto) X(Ip, src_ip) X(U16, src_port) X(Ip, dst_ip)     \
  X(U16, dst_port) X(U16, vlan) X(String, mac) X(String, app) X(String, host) X(String, url)    \
  X(U64, bytes_up) X(U64, bytes_down) X(U64, pkts_up) X(U64, pkts_down) X(String, close)

// One DNS transaction (query and its answer, or a query alone). proto: udp | tcp.
#define NW_DNS_FIELDS(X)                                                                        \
  X(Time, ts) X(Ip, src_ip) X(U16, src_port) X(Ip, dst_ip) X(U16, dst_port) X(String, proto)    \
  X(U16, trans_id) X(String, query) X(String, qtype) X(String, rcode)                           \
  X(StringList, answers) X(U32List, ttls)

// One HTTP request/response pair. Body lengths are after transfer- and content-decoding.
#define NW_HTTP_FIELDS(X)                                                                       \
  X(Time, ts) X(Ip, src_ip) X(U16, src_port) X(Ip, dst_ip) X(U16, dst_port) X(String, method)   \
  X(String, host) X(String, uri) X(String, version) X(U16, status) X(String, user_agent)        \
  X(String, referrer) X(String, content_type) X(U64, req_body_len) X(U64, resp_body_len)

// One TLS handshake. cert_* come from the server's first certificate (TLS 1.2 and below).
#define NW_TLS_FIELDS(X)                                                                        \
  X(Time, ts) X(Ip, src_ip) X(U16, src_port) X(Ip, dst_ip) X(U16, dst_port) X(String, version)  \
  X(String, sni) X(StringList, alpn) X(String, ja3) X(String, ja4) X(String, cert_subject)      \
  X(String, cert_issuer) X(Time, cert_not_before) X(Time, cert_not_after)

// One mail transaction (SMTP) or login (POP3/IMAP). proto: smtp | pop3 | imap.
#define NW_MAIL_FIELDS(X)                                                                       \
  X(Time, ts) X(Ip, src_ip) X(U16, src_port) X(Ip, dst_ip) X(U16, dst_port) X(String, proto)    \
  X(String, helo) X(String, mail_from) X(StringList, rcpt_to) X(String, header_from)            \
  X(String, subject) X(String, message_id) X(String, auth_user)

// One FTP command that moves or names a file (RETR, STOR, STOU, APPE, DELE, RNFR, RNTO, ...).
#define NW_FTP_FIELDS(X)                                                                        \
  X(Time, ts) X(Ip, src_ip) X(U16, src_port) X(Ip, dst_ip) X(U16, dst_port) X(String, user)     \
  X(String, command) X(String, arg) X(U16, reply_code) X(String, reply_msg)

// The list of streams: X(StreamName, snake_name, FIELDS macro).
#define NW_STREAMS(X)                          \
  X(Session, session, NW_SESSION_FIELDS)       \
  X(Dns, dns, NW_DNS_FIELDS)                   \
  X(Http, http, NW_HTTP_FIELDS)                \
  X(Tls, tls, NW_TLS_FIELDS)                   \
  X(Mail, mail, NW_MAIL_FIELDS)                \
  X(Ftp, ftp, NW_FTP_FIELDS)

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

// The structs: SessionRecord, DnsRecord, ... Each has kStream and ForEachField(f), which calls
// f(std::string_view field_name, FieldRef&) in declaration order.
#define NW_FIELD_MEMBER(Type, name) field_type::Type name{};
#define NW_FIELD_VISIT(Type, name) f(std::string_view(#name), name);
#define NW_STREAM_STRUCT(Name, sname, FIELDS)                            \
  struct Name##Record {                                                  \
    static constexpr StreamId kStream = StreamId::k##Name;               \
    FIELDS(NW_FIELD_MEMBER)                                              \
    template <typename F>                                                \
    void ForEachField(F&& f) {                                           \
      FIELDS(NW_FIELD_VISIT)                                             \
    }                                                                    \
    template <typename F>                                                \
    void ForEachField(F&& f) const {                                     \
      FIELDS(NW_FIELD_VISIT)                                             \
    }                                                                    \
  };
NW_STREAMS(NW_STREAM_STRUCT)
#undef NW_STREAM_STRUCT
#undef NW_FIELD_VISIT
#undef NW_FIELD_MEMBER

}  // namespace netward::record
