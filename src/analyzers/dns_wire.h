// src/analyzers/dns_wire.h: private helpers of the DNS analyzer (dns.cc): RFC 1035 wire-format
// names with compression, type/rcode names and answer rdata in Zeek's dns.log text form.
// Pure functions over a message span; they never read outside it and allocate only when the
// output string must grow. Not part of the analyzer API: include only from dns*.cc and tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace netward::analyzers::detail {

enum class DnsNameError : uint8_t { kOk, kTruncated, kBadLabel, kCompressionLoop, kTooLong };

inline constexpr int kDnsMaxPointerDepth = 16;
inline constexpr size_t kDnsMaxNameLength = 255;

// Reads the name starting at msg[*pos] into *out as dotted text ("" for the root), ASCII
// letters lowercased as Zeek does (dns.log shows names lowercased whatever the wire case). On kOk
// *pos is just past the name's bytes in place (a pointer counts 2 bytes). On an error *out holds
// the labels read so far and *pos is unspecified.
DnsNameError ReadDnsName(std::span<const uint8_t> msg, size_t* pos, std::string* out);

// The event counted for `e` ("dns.bad_label", ...); "" for kOk.
std::string_view DnsNameErrorEvent(DnsNameError e);

// "A", "AAAA", ..., "TYPE<n>" for types without a name.
void AppendDnsTypeName(uint16_t type, std::string* out);
// "NOERROR", "NXDOMAIN", ..., or the number for codes without a name.
void AppendDnsRcodeName(uint16_t rcode, std::string* out);

// Formats one answer's rdata (msg[rdata_off, rdata_off + rdlen)) as Zeek writes it in
// dns.log `answers`: addresses for A/AAAA, the target name for CNAME/NS/PTR/MX/SRV/SOA,
// "TXT <len> <text>" per string for TXT, "<unknown type=N>" for types Zeek leaves alone.
// `owner` is the record's name (NSEC prints it). Returns kTruncated if rdata is malformed and
// a name error if a name inside rdata is bad; *out is then unspecified.
DnsNameError FormatDnsRdata(std::span<const uint8_t> msg, uint16_t type, size_t rdata_off,
                            uint16_t rdlen, std::string_view owner, std::string* out);

}  // namespace netward::analyzers::detail
