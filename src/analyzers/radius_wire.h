// src/analyzers/radius_wire.h: the RADIUS wire format (RFC 2865/2866/2869, 3162, 4818, 6911),
// shared by the sniffing analyzer (radius.h) and the accounting server (identity/radius_server.h).
// ParseRadius() checks the header and the framing of every attribute and hands out views into the
// datagram (no copy); ExtractRadiusFields() pulls out what a `login` record needs. Authenticator
// arithmetic (MD5, HMAC-MD5) is here too, so both users compute it the same way.
// Limits: a packet is at most 4096 bytes (RFC 2865 3), at most 256 attributes are walked, at most
// 16 vendor attributes are kept (each cut to 64 value bytes). All functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/time.h"
#include "record/schema.h"

namespace netward::analyzers::radius {

enum Code : uint8_t {
  kAccessRequest = 1,
  kAccessAccept = 2,
  kAccessReject = 3,
  kAccountingRequest = 4,
  kAccountingResponse = 5,
  kAccessChallenge = 11,
  kStatusServer = 12,
  kStatusClient = 13,
};

// Attribute types netward reads.
enum Attr : uint8_t {
  kUserName = 1,
  kNasIpAddress = 4,
  kNasPort = 5,
  kFramedIpAddress = 8,
  kVendorSpecific = 26,
  kCallingStationId = 31,
  kProxyState = 33,
  kAcctStatusType = 40,
  kAcctDelayTime = 41,
  kAcctInputOctets = 42,
  kAcctOutputOctets = 43,
  kAcctSessionId = 44,
  kAcctSessionTime = 46,
  kAcctTerminateCause = 49,
  kAcctInputGigawords = 52,
  kAcctOutputGigawords = 53,
  kEventTimestamp = 55,
  kMessageAuthenticator = 80,
  kNasIpv6Address = 95,
  kFramedIpv6Prefix = 97,
  kDelegatedIpv6Prefix = 123,
  kFramedIpv6Address = 168,
};

inline constexpr size_t kHeaderSize = 20;
inline constexpr size_t kMaxPacketSize = 4096;
inline constexpr size_t kMaxAttributes = 256;
inline constexpr size_t kMaxVendorAttrs = 16;
inline constexpr size_t kMaxVendorValueBytes = 64;

enum class ParseError : uint8_t {
  kOk,
  kTruncated,     // shorter than the header or than its Length field
  kBadLength,     // Length < 20 or > 4096
  kBadAttribute,  // an attribute's length is < 2 or runs past the packet
  kTooManyAttributes,
};

// "radius.truncated_packet", "radius.bad_length", "radius.bad_attribute",
// "radius.too_many_attributes"; "" for kOk.
std::string_view ParseErrorEvent(ParseError e);

struct Attribute {
  uint8_t type = 0;
  size_t offset = 0;               // of the type byte, within Packet::bytes
  std::span<const uint8_t> value;  // without type and length
};

// One parsed packet: views into the datagram, valid while it is. Bytes past Length (padding,
// RFC 2865 3) are not part of `bytes`.
struct Packet {
  uint8_t code = 0;
  uint8_t id = 0;
  std::span<const uint8_t> bytes;  // the whole packet, Length bytes
  std::span<const uint8_t> authenticator() const { return bytes.subspan(4, 16); }
  std::vector<Attribute> attributes;  // in wire order; the vector is reused between parses
};

// Parses `datagram` into `out` (its attribute vector keeps its capacity). Returns kOk or the
// first framing error; on error `out` is left partly filled and must not be used.
ParseError ParseRadius(std::span<const uint8_t> datagram, Packet* out);

// True if `datagram` parses and has a code that a client sends (dir to server: 1, 4, 12) or a
// server sends (to client: 2, 3, 5, 11). Allocates nothing.
bool LooksLikeRadiusPacket(bool to_server, std::span<const uint8_t> datagram);

// What a `login` record takes from a packet. Strings are copied (the record outlives the packet).
struct RadiusFields {
  std::string user_name;
  std::string calling_id;
  std::string session_id;
  std::string ipv6_prefixes;  // "2001:db8::/56,2001:db8:1::/64": delegated, framed, address/128
  std::vector<std::string> vendor_attrs;  // "<vendor-id>:<type>:<hex>" (docs/identity.md)
  IpAddress framed_ip;                    // unspecified if absent
  IpAddress nas_ip;                       // NAS-IP-Address, else NAS-IPv6-Address
  uint32_t nas_port = 0;
  uint32_t status_type = 0;  // Acct-Status-Type, 0 if absent
  uint32_t session_time = 0;
  uint32_t terminate_cause = 0;
  uint32_t delay_time = 0;       // Acct-Delay-Time, seconds
  uint32_t event_timestamp = 0;  // Event-Timestamp, seconds since the epoch, 0 if absent
  uint64_t input_octets = 0;     // with Gigawords
  uint64_t output_octets = 0;
  bool has_framed_ip = false;
  bool has_message_authenticator = false;
  size_t message_authenticator_offset = 0;  // of the attribute's value in Packet::bytes
  size_t malformed = 0;  // attributes of a known type with a wrong value length (skipped)

  void Clear();
};

// Reads the attributes of a parsed packet into `out` (cleared first).
void ExtractRadiusFields(const Packet& packet, RadiusFields* out);

// "start", "stop", "interim" for Acct-Status-Type 1, 2, 3; "" otherwise (7/8 Accounting-On/Off).
std::string_view AcctStatusEvent(uint32_t status_type);

// The RFC 2866/3580 name of an Acct-Terminate-Cause ("User-Request", "Idle-Timeout", ...), or
// "Cause-<n>" for values without a name; "" for 0.
std::string TerminateCauseName(uint32_t cause);

// "aa:bb:cc:dd:ee:ff" if `calling_id` is a MAC address written with ':', '-', '.' or no
// separators (any case); "" otherwise.
std::string MacFromCallingId(std::string_view calling_id);

// When the event happened: Event-Timestamp if present, else `received` minus Acct-Delay-Time.
TimestampUs RadiusEventTime(const RadiusFields& f, TimestampUs received);

// Fills the fields of `rec` that a RADIUS packet gives (account, calling_id, mac, ip, ipv6_prefix,
// nas_ip, nas_port, session_id, bytes, duration, terminate_cause, vendor_attrs; source "radius").
// ts and event are left to the caller.
void FillLoginRecord(const RadiusFields& f, record::LoginRecord* rec);

// ---- Authenticators (RFC 2865 3, RFC 2866 3, RFC 3579 3.2) ----

using Digest = std::array<uint8_t, 16>;

// MD5(Code+Identifier+Length+16 zero octets+Attributes+secret) with the Message-Authenticator
// value (if any, at `ma_offset`, 0 if none) taken as it is: the Request Authenticator an
// Accounting-Request must carry.
Digest AccountingRequestAuthenticator(std::span<const uint8_t> packet, std::string_view secret);

// MD5(Code+Identifier+Length+request_authenticator+Attributes+secret) of a response.
Digest ResponseAuthenticator(std::span<const uint8_t> response,
                             std::span<const uint8_t> request_authenticator,
                             std::string_view secret);

// HMAC-MD5(secret, packet) with the Message-Authenticator value at `ma_offset` zeroed and, when
// `zero_authenticator` (Accounting-Request, as FreeRADIUS does), the Authenticator field zeroed.
Digest MessageAuthenticator(std::span<const uint8_t> packet, size_t ma_offset,
                            bool zero_authenticator, std::string_view secret);

// Constant-time comparison of two 16-byte values.
bool DigestEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace netward::analyzers::radius
