// src/probe/probe_config.h: the probe's settings, read from TOML (docs/config.md lists every key).
// Load() validates everything at start: an unknown key, a wrong type or a value out of range is
// an InvalidArgument naming the file, the key and what is allowed, all mistakes at once.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/api_config.h"
#include "common/status.h"
#include "common/time.h"
#include "filter/filter_config.h"
#include "store/store.h"

namespace netward::probe {

struct ProbeConfig {
  std::string site;  // site code stamped on every record
  int workers = 1;   // analysis threads; flows are sharded by a symmetric hash

  // [capture]
  std::vector<std::string> interfaces;
  std::string bpf_filter;
  int buffer_mb = 64;
  int snaplen = 65535;
  bool promiscuous = true;

  // [flow]
  size_t max_flows = 1 << 20;  // per worker
  bool vlan_in_key = false;    // flows in different VLANs with the same addresses stay apart
  TimestampUs tcp_idle_timeout = 300 * kUsPerSecond;
  TimestampUs tcp_closed_timeout = 5 * kUsPerSecond;
  TimestampUs udp_idle_timeout = 60 * kUsPerSecond;
  TimestampUs other_idle_timeout = 30 * kUsPerSecond;
  TimestampUs active_timeout = 3600 * kUsPerSecond;
  size_t reassembly_flow_cap = 1 << 20;
  size_t reassembly_global_cap = size_t{512} << 20;  // per worker

  // [output]
  std::string json_dir;
  TimestampUs flush_interval = 1 * kUsPerSecond;
  bool fsync = false;

  // [store]: the tamper-evident store (docs/store.md). Records go to the store when store_dir is
  // set, to JSON files when json_dir is set, to both when both are.
  std::string store_dir;
  std::string store_signing_key;  // empty: STORE_DIR/keys/signing.key, created on first start
  TimestampUs store_sync_interval = 1 * kUsPerSecond;
  TimestampUs store_checkpoint_interval = 10 * kUsPerSecond;
  uint32_t store_retention_days = 180;  // every stream, unless [store.retention_days_by_stream]
  std::vector<std::pair<std::string, uint32_t>> store_retention_by_stream;  // stream -> days

  // [identity]: the identity index behind enrichment (identity/identity_index.h, docs/identity.md).
  TimestampUs identity_skew_tolerance = 2 * kUsPerSecond;
  TimestampUs identity_open_login_ttl = 24 * 3600 * kUsPerSecond;
  TimestampUs identity_open_nat_ttl = 24 * 3600 * kUsPerSecond;
  int64_t identity_max_login_intervals = int64_t{1} << 20;
  int64_t identity_max_nat_mappings = int64_t{1} << 22;

  // [static_bindings]: subscriber bindings from a CSV file (identity/static_bindings.h).
  std::string static_bindings_file;  // empty: none
  TimestampUs static_bindings_poll_interval = 2 * kUsPerSecond;

  // [radius]: the RADIUS accounting server (identity/radius_server.h), on when clients are set.
  // [radius.clients] maps a NAS address or network to its secret, [radius.client_secret_files]
  // to a 0600 file holding it (read here, at load).
  std::vector<std::string> radius_listen = {"0.0.0.0:1813"};
  std::vector<std::pair<std::string, std::string>> radius_clients;  // network -> secret

  // [nat.syslog], [nat.ipfix], [nat.conntrack]: NAT mapping sources (identity/
  // syslog_nat_collector.h, ipfix_collector.h, conntrack_source.h); each runs when its section
  // is present. An empty syslog listen address switches that transport off.
  bool nat_syslog = false;
  std::string nat_syslog_udp_listen = "0.0.0.0:514";
  std::string nat_syslog_tcp_listen = "0.0.0.0:514";
  int32_t nat_syslog_utc_offset_s = 0;  // zone of RFC 3164 timestamps ("+08:00")
  size_t nat_syslog_max_line_bytes = 8192;
  bool nat_ipfix = false;
  std::vector<std::string> nat_ipfix_listen = {"0.0.0.0:4739", "0.0.0.0:2055"};
  size_t nat_ipfix_max_templates = 4096;
  bool nat_conntrack = false;
  size_t nat_conntrack_max_open = 1 << 20;

  // [filter]: the content filter (filter/filter_config.h, docs/config.md); off unless present.
  filter::FilterConfig filter;

  // [api]: the site API for ICP applications (api/api_config.h, docs/api.md); served when present.
  bool api_enabled = false;
  api::ApiConfig api;
};

// Reads and validates `path`. For the probe daemon `require_interfaces` demands
// capture.interfaces and an output (output.json_dir or store.dir). Retention below 60 days is
// refused here (Order 82 art. 13), as the store itself would.
Result<ProbeConfig> LoadProbeConfig(const std::string& path, bool require_interfaces);
// Same from TOML text (tests); `name` is used in messages.
Result<ProbeConfig> ParseProbeConfig(const std::string& text, const std::string& name,
                                     bool require_interfaces);

// The store options the [store] section asks for (dir, site, key, intervals, retention per
// stream), for `netward probe` and `netward api`.
store::StoreOptions StoreOptionsFrom(const ProbeConfig& config);

}  // namespace netward::probe
