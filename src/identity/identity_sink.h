// src/identity/identity_sink.h: where identity sources deliver what they learn.
// Sources that are not flows of captured traffic (the RADIUS accounting server, the syslog and
// IPFIX NAT collectors, conntrack events, static bindings) hand each `login` or `nat` record to
// an IdentitySink. The probe's sink writes the record to its output (JSON lines or the store) and
// feeds the identity index (trace and enrichment). Sniffed sources (RADIUS, DHCP, PPPoE analyzers)
// append records to the analyzer's batch instead; the probe routes those the same way.
// Implementations must be thread-safe: sources call from their own threads.
#pragma once

#include "record/schema.h"

namespace netward::identity {

class IdentitySink {
 public:
  virtual ~IdentitySink() = default;
  // `record.ts` is set by the source (UTC microseconds); `site` is stamped by the sink.
  virtual void OnLogin(const record::LoginRecord& record) = 0;
  virtual void OnNat(const record::NatRecord& record) = 0;
};

}  // namespace netward::identity
