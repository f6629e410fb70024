// src/probe/probe_config.h: the probe's settings, read from TOML (docs/config.md lists every key).
// Load() validates everything at start: an unknown key, a wrong type or a value out of range is
// an InvalidArgument naming the file, the key and what is allowed, all mistakes at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"

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
};

// Reads and validates `path`. For the probe daemon `require_interfaces` demands
// capture.interfaces and output.json_dir.
Result<ProbeConfig> LoadProbeConfig(const std::string& path, bool require_interfaces);
// Same from TOML text (tests); `name` is used in messages.
Result<ProbeConfig> ParseProbeConfig(const std::string& text, const std::string& name,
                                     bool require_interfaces);

}  // namespace netward::probe
