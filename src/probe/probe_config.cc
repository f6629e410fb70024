#include "probe/probe_config.h"

#include "common/config.h"

namespace netward::probe {
namespace {

Result<ProbeConfig> FromDocument(const ConfigDocument& doc, bool require_interfaces) {
  std::vector<std::string> errors;
  ProbeConfig c;
  ConfigSection root(&doc.root(), doc.name(), "", &errors);
  root.String("site", &c.site);
  int64_t workers = c.workers;
  root.Int("workers", &workers, 1, 256);
  c.workers = static_cast<int>(workers);

  ConfigSection cap = root.Section("capture");
  cap.StringList("interfaces", &c.interfaces);
  cap.String("bpf_filter", &c.bpf_filter);
  int64_t buffer_mb = c.buffer_mb, snaplen = c.snaplen;
  cap.Int("buffer_mb", &buffer_mb, 1, 65536);
  cap.Int("snaplen", &snaplen, 64, 262144);
  cap.Bool("promiscuous", &c.promiscuous);
  c.buffer_mb = static_cast<int>(buffer_mb);
  c.snaplen = static_cast<int>(snaplen);
  cap.RejectUnknownKeys();

  ConfigSection flow = root.Section("flow");
  int64_t max_flows = static_cast<int64_t>(c.max_flows);
  flow.Int("max_flows", &max_flows, 1024, int64_t{1} << 30);
  c.max_flows = static_cast<size_t>(max_flows);
  flow.Bool("vlan_in_key", &c.vlan_in_key);
  constexpr TimestampUs kSec = kUsPerSecond;
  flow.Duration("tcp_idle_timeout", &c.tcp_idle_timeout, 1 * kSec, 86400 * kSec);
  flow.Duration("tcp_closed_timeout", &c.tcp_closed_timeout, 0, 600 * kSec);
  flow.Duration("udp_idle_timeout", &c.udp_idle_timeout, 1 * kSec, 86400 * kSec);
  flow.Duration("other_idle_timeout", &c.other_idle_timeout, 1 * kSec, 86400 * kSec);
  flow.Duration("active_timeout", &c.active_timeout, 10 * kSec, 7 * 86400 * kSec);
  int64_t flow_cap_kb = static_cast<int64_t>(c.reassembly_flow_cap >> 10);
  int64_t global_cap_mb = static_cast<int64_t>(c.reassembly_global_cap >> 20);
  flow.Int("reassembly_flow_cap_kb", &flow_cap_kb, 4, 1 << 20);
  flow.Int("reassembly_global_cap_mb", &global_cap_mb, 1, 1 << 20);
  c.reassembly_flow_cap = static_cast<size_t>(flow_cap_kb) << 10;
  c.reassembly_global_cap = static_cast<size_t>(global_cap_mb) << 20;
  flow.RejectUnknownKeys();

  ConfigSection out = root.Section("output");
  out.String("json_dir", &c.json_dir);
  out.Duration("flush_interval", &c.flush_interval, 10000, 60 * kSec);
  out.Bool("fsync", &c.fsync);
  out.RejectUnknownKeys();
  root.RejectUnknownKeys();

  if (require_interfaces) {
    if (c.interfaces.empty()) {
      errors.push_back(doc.name() +
                       ": [capture] interfaces: required, e.g. interfaces = [\"eth1\"] (the "
                       "mirror port or gateway interface to capture on)");
    }
    if (c.json_dir.empty()) {
      errors.push_back(
          doc.name() +
          ": [output] json_dir: required, e.g. json_dir = \"/var/lib/netward/records\"");
    }
  }
  Status st = ConfigErrors(errors);
  if (!st.ok()) return st;
  return c;
}

}  // namespace

Result<ProbeConfig> LoadProbeConfig(const std::string& path, bool require_interfaces) {
  auto doc = ConfigDocument::ParseFile(path);
  if (!doc.ok()) return doc.status();
  return FromDocument(**doc, require_interfaces);
}

Result<ProbeConfig> ParseProbeConfig(const std::string& text, const std::string& name,
                                     bool require_interfaces) {
  auto doc = ConfigDocument::ParseString(text, name);
  if (!doc.ok()) return doc.status();
  return FromDocument(**doc, require_interfaces);
}

}  // namespace netward::probe
