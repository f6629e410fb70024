// src/identity/syslog_nat_header.h: the syslog header in front of a router's NAT log line.
// Used by the syslog NAT collector (syslog_nat_collector.h) before the format parsers
// (syslog_nat_formats.h). RFC 5424 ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG") and
// RFC 3164 ("<PRI>Mmm dd hh:mm:ss HOST TAG: MSG") are recognised; anything else is kept whole
// as the message with the receive time. Clock handling is documented in docs/identity.md.
// Pure functions; allocate nothing; the views point into the line passed in.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/time.h"

namespace netward::identity {

struct SyslogClock {
  // RFC 3164 timestamps carry no zone and no year: they are read in this fixed UTC offset
  // (seconds east of UTC, e.g. 8 * 3600 for "+08:00"), and the year is the one that puts the
  // time nearest to `now`, so a December line received on 1 January keeps last year.
  int32_t rfc3164_utc_offset_s = 0;
  // Receive time (UTC): the year reference for RFC 3164 and the time of a line without one.
  TimestampUs now = 0;
};

struct SyslogMessage {
  int priority = -1;                 // PRI (facility * 8 + severity), -1 if the line had none
  bool rfc5424 = false;              // version "1" after the PRI
  bool ts_from_receive = true;       // no usable timestamp in the header: ts is SyslogClock::now
  TimestampUs ts = 0;                // UTC microseconds
  std::string_view hostname;         // may be empty (RFC 3164 senders that omit it, e.g. Cisco ASA)
  std::string_view app_name;         // RFC 5424 APP-NAME, or the RFC 3164 TAG without "[pid]:"
  std::string_view msg_id;           // RFC 5424 MSGID ("RT_FLOW_SESSION_CREATE"), empty for 3164
  std::string_view structured_data;  // RFC 5424 SD elements "[id k="v" ...]...", empty if "-"
  std::string_view msg;              // the free text after the header (RFC 3164: after TAG)
  std::string_view content;          // RFC 3164: everything after the timestamp (host, tag, msg)
};

// Parses the header of one syslog line (no trailing newline). Never fails: a line without a
// recognisable header becomes msg = content = the line, ts = clock.now, ts_from_receive = true.
SyslogMessage ParseSyslogHeader(std::string_view line, const SyslogClock& clock);

// Looks up `key` in RFC 5424 structured data (any element) and returns its value with escapes
// (\" \\ \]) left in place (NAT fields never contain them). False if absent or malformed.
bool FindSdParam(std::string_view structured_data, std::string_view key, std::string_view* value);

// "+08:00", "-05:30", "UTC", "Z" or "" -> seconds east of UTC. False on anything else.
bool ParseUtcOffset(std::string_view text, int32_t* offset_s);

}  // namespace netward::identity
