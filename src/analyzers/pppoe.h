// src/analyzers/pppoe.h: PPPoE discovery and PPP control -> `login` records, source "pppoe"
// (docs/identity.md). Not a flow analyzer: the capture decoder hands over the frames that carry
// no IP (capture/decoder.h, DecodeResult::kPppoeControl) and the probe's worker feeds them here.
//   Discovery (ethertype 0x8863): PADS opens a session (client MAC = its destination, session
//     id); PADT ends it. PADI/PADO/PADR are parsed for their code only.
//   Session (0x8864) with a PPP control protocol: PAP Authenticate-Request (0xc023) and CHAP
//     Response (0xc223) give the user name; PAP Ack / CHAP Success confirm it, Nak / Failure
//     count pppoe.auth_failure; IPCP (0x8021) Configure-Ack sent toward the client gives its
//     address; LCP (0xc021) Terminate-Request/Ack ends the session.
//   A session becomes a `start` (account, mac = client MAC, ip, session_id = session id as 4 hex
//   digits) once IPCP assigned an address (PPP runs IPCP only after authentication succeeded);
//   PADT or LCP Terminate after a start -> `stop` with duration_s and terminate_cause "padt" or
//   "lcp_terminate".
// Sessions are keyed by (client MAC, session id); a session first seen mid-way (no PADS) is
// picked up from its PAP/CHAP exchange, which tells who the client is. Bounds: kMaxSessions
// (the oldest evicted, pppoe.session_table_full), user name 253 bytes (longer is cut,
// pppoe.name_too_long). Events: pppoe.truncated_control, pppoe.bad_version, pppoe.auth_failure,
// pppoe.session_table_full, pppoe.name_too_long. One tracker per thread; not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "analyzers/analyzer.h"
#include "record/record_batch.h"

namespace netward::analyzers {

// One PPPoE frame as the decoder found it: `body` starts at the PPPoE header (ver/type, code,
// session id, length) and is valid only during Process().
struct PppoeFrame {
  TimestampUs ts = 0;
  uint16_t ethertype = 0;  // 0x8863 discovery or 0x8864 session
  const uint8_t* src_mac = nullptr;
  const uint8_t* dst_mac = nullptr;
  std::span<const uint8_t> body;
};

class PppoeTracker {
 public:
  static constexpr size_t kMaxSessions = 65536;
  static constexpr size_t kMaxName = 253;

  // Appends the records the frame completes to `out`; `events` may be null.
  void Process(const PppoeFrame& frame, record::RecordBatch* out, EventCounter* events);

  size_t sessions() const { return sessions_.size(); }

 private:
  struct Session {
    uint8_t client_mac[6] = {};
    uint16_t id = 0;
    std::string account;
    bool started = false;
    TimestampUs start_ts = 0;
    IpAddress ip;
    uint64_t seq = 0;
  };
  Session* Find(const uint8_t* mac, uint16_t id);
  Session* Open(const uint8_t* client_mac, uint16_t id, EventCounter* events);
  void Control(const PppoeFrame& f, uint16_t id, uint16_t proto, std::span<const uint8_t> p,
               record::RecordBatch* out, EventCounter* events);
  void Stop(Session* s, TimestampUs ts, const char* cause, record::RecordBatch* out);

  std::unordered_map<uint64_t, Session> sessions_;  // key: client MAC << 16 | session id
  uint64_t next_seq_ = 0;
};

inline constexpr std::array<std::string_view, 5> kPppoeEvents = {
    "pppoe.truncated_control",  "pppoe.bad_version",   "pppoe.auth_failure",
    "pppoe.session_table_full", "pppoe.name_too_long",
};

}  // namespace netward::analyzers
