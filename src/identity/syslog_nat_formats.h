// src/identity/syslog_nat_formats.h: router NAT log formats -> `nat` records.
// Each format is one small parser over a header-parsed line (syslog_nat_header.h); the collector
// tries them in turn (ParseNatLine). Example lines for each are in docs/identity.md:
//   Cisco ASA / FTD  %ASA-6-305011 / 305012  Built / Teardown dynamic translation (per session)
//   Juniper SRX      RT_FLOW_SESSION_CREATE / CLOSE, structured-data (sd-syslog) with
//                    nat-source-address (per session)
//   Juniper MX CGNAT JSERVICES_NAT_PORT_BLOCK_ALLOC / ACTIVE / RELEASE (port block allocation)
// A port block is one record: inside_port 0, outside_port..outside_port_end, proto empty (all).
// A close/teardown/release sets end_ts = the line's time and ts = the start when the line
// says it (duration, elapsed time, allocation time), else ts = end_ts. Pure; thread-safe.
#pragma once

#include <array>
#include <string_view>

#include "identity/syslog_nat_header.h"
#include "record/schema.h"

namespace netward::identity {

enum class NatLineResult {
  kNotNat,     // no known format recognised the line
  kMapping,    // *out holds a mapping
  kNoMapping,  // a known message that carries no translation (e.g. SRX session without NAT)
  kMalformed,  // a known message whose fields did not parse
};

// Each parser leaves *out untouched unless it returns kMapping. `out->source` is "syslog".
NatLineResult ParseCiscoAsaNat(const SyslogMessage& msg, record::NatRecord* out);
NatLineResult ParseJuniperSrxSession(const SyslogMessage& msg, record::NatRecord* out);
NatLineResult ParseJuniperPortBlock(const SyslogMessage& msg, record::NatRecord* out);

// Tries every format; the first that is not kNotNat decides.
NatLineResult ParseNatLine(const SyslogMessage& msg, record::NatRecord* out);

}  // namespace netward::identity
