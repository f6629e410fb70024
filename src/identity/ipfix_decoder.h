// src/identity/ipfix_decoder.h: IPFIX (RFC 7011) and NetFlow v9 (RFC 3954) messages carrying
// NAT events (RFC 8158 information elements) -> `nat` records. Used by the IPFIX collector
// (ipfix_collector.h), the fuzz target and tests. Field mapping and times: docs/identity.md.
//
// Templates are kept per (exporter address, version, observation domain / source id, template
// id); a new definition replaces the old one; IPFIX withdrawals (field count 0; template id 2 or
// 3 withdraws all of a domain) remove them. Options templates are remembered only so that their
// data sets are skipped quietly. Data sets whose template is unknown are counted and dropped
// (UDP exporters resend templates periodically). Enterprise-specific fields are skipped.
// NAT events: session/BIB/address-binding create (1, 4, 6, 8, 10, 14) open a mapping; the
// matching deletes (2, 5, 7, 9, 11, 15) close one (end_ts set); port block allocation (16) and
// de-allocation (17) give one record per block (inside_port 0, outside_port..outside_port_end).
// A record without natEvent but with a post-NAT source address is taken as a flow with NAT.
// Limits: max_templates per decoder (further templates refused, counted), max_fields per
// template (longer ones refused). Malformed input never crashes. Not thread-safe: one decoder
// per receiving thread.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/ip_address.h"
#include "record/schema.h"

namespace netward::identity {

// Counters, documented in docs/identity.md ("IPFIX and NetFlow v9").
struct IpfixStats {
  uint64_t messages = 0;           // NetFlow v9 / IPFIX messages decoded
  uint64_t bad_messages = 0;       // unknown version, short or inconsistent header
  uint64_t bad_sets = 0;           // set / flowset length out of bounds, bad template records
  uint64_t templates = 0;          // template records learnt (incl. redefinitions)
  uint64_t options_templates = 0;  // options template records (their data is skipped)
  uint64_t withdrawals = 0;        // template withdrawal records
  uint64_t template_limit = 0;     // templates refused: the cache is full or too many fields
  uint64_t missing_template = 0;   // data sets whose template is not known (yet)
  uint64_t data_records = 0;       // data records decoded (options data excluded)
  uint64_t nat_records = 0;        // nat records produced
  uint64_t non_nat_records = 0;    // data records with no NAT information
  uint64_t nat_other_events = 0;   // natEvent without a mapping (exhaustion, quota ...)
  uint64_t incomplete_nat = 0;     // NAT event lacking the inside or outside address
};

struct IpfixLimits {
  size_t max_templates = 4096;
  size_t max_fields = 128;
};

class IpfixDecoder {
 public:
  explicit IpfixDecoder(IpfixLimits limits = {}) : limits_(limits) {}

  // Decodes one NetFlow v9 or IPFIX message (one UDP datagram) sent by `exporter`, appending a
  // nat record per NAT event to *out (source "ipfix" or "nf9"). Anomalies are counted in stats().
  void Decode(const IpAddress& exporter, std::span<const uint8_t> message,
              std::vector<record::NatRecord>* out);

  const IpfixStats& stats() const { return stats_; }
  size_t template_count() const { return templates_.size(); }

 private:
  struct Key {
    IpAddress exporter;
    uint32_t domain;
    uint16_t template_id;
    uint8_t version;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Field {
    uint16_t id;      // information element id; 0 for enterprise-specific (skipped)
    uint16_t length;  // 65535: variable length (IPFIX)
  };
  struct Template {
    bool options = false;
    std::vector<Field> fields;
    size_t min_length = 0;  // bytes of one record, counting a variable field as 1
  };
  struct Context {
    IpAddress exporter;
    uint32_t domain;
    uint8_t version;
    TimestampUs export_time;
    int64_t boot_ms;  // NetFlow v9: export time minus sysUptime, ms (FIRST/LAST_SWITCHED); -1
  };

  void DecodeTemplates(const Context& ctx, std::span<const uint8_t> set, bool options);
  void WithdrawDomain(const Context& ctx);
  void DecodeData(const Context& ctx, const Template& t, std::span<const uint8_t> set,
                  std::vector<record::NatRecord>* out);
  bool DecodeRecord(const Context& ctx, const Template& t, std::span<const uint8_t> rec,
                    size_t* used, std::vector<record::NatRecord>* out);

  IpfixLimits limits_;
  IpfixStats stats_;
  std::unordered_map<Key, Template, KeyHash> templates_;
};

}  // namespace netward::identity
