#include "probe/probe_config.h"

#include <toml++/toml.h>

#include "common/config.h"
#include "identity/radius_server.h"
#include "identity/syslog_nat_header.h"
#include "record/schema.h"
#include "store/store.h"

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

  ConfigSection store = root.Section("store");
  store.String("dir", &c.store_dir);
  store.String("signing_key", &c.store_signing_key);
  store.Duration("sync_interval", &c.store_sync_interval, 10000, 60 * kSec);
  store.Duration("checkpoint_interval", &c.store_checkpoint_interval, 1 * kSec, 3600 * kSec);
  // Retention below 60 days is refused with the rule it breaks, not just a range.
  auto retention = [&](ConfigSection& section, const std::string& key, const std::string& path,
                       uint32_t* out) {
    int64_t days = *out;
    section.Int(key, &days, 1, 36500);
    if (days < store::kMinRetentionDays) {
      errors.push_back(doc.name() + ": " + path + ": " + std::to_string(days) +
                       " days is below the legal minimum of 60 (Order 82 art. 13 requires "
                       "records to be kept at least 60 days; the Cybersecurity Law asks 180 for "
                       "network logs)");
      return;
    }
    *out = static_cast<uint32_t>(days);
  };
  retention(store, "retention_days", "store.retention_days", &c.store_retention_days);
  if (const toml::table* t =
          toml::node_view<const toml::node>(doc.root())["store"]["retention_days_by_stream"]
              .as_table()) {
    ConfigSection by = store.Section("retention_days_by_stream");
    for (const auto& [key, value] : *t) {
      const std::string name(key.str());
      record::StreamId id;
      if (!record::StreamFromName(name, &id)) {
        errors.push_back(doc.name() + ": store.retention_days_by_stream." + name +
                         ": no such stream (streams: " + record::StreamNameList() + ")");
        continue;
      }
      uint32_t days = c.store_retention_days;
      retention(by, name, "store.retention_days_by_stream." + name, &days);
      c.store_retention_by_stream.emplace_back(name, days);
    }
    by.RejectUnknownKeys();
  }
  store.RejectUnknownKeys();

  ConfigSection ident = root.Section("identity");
  ident.Duration("skew_tolerance", &c.identity_skew_tolerance, 0, 3600 * kSec);
  ident.Duration("open_login_ttl", &c.identity_open_login_ttl, 60 * kSec, 365 * 86400 * kSec);
  ident.Duration("open_nat_ttl", &c.identity_open_nat_ttl, 1 * kSec, 30 * 86400 * kSec);
  ident.Int("max_login_intervals", &c.identity_max_login_intervals, 1024, int64_t{1} << 30);
  ident.Int("max_nat_mappings", &c.identity_max_nat_mappings, 1024, int64_t{1} << 32);
  ident.RejectUnknownKeys();

  ConfigSection bindings = root.Section("static_bindings");
  bindings.String("file", &c.static_bindings_file);
  bindings.Duration("poll_interval", &c.static_bindings_poll_interval, 100000, 3600 * kSec);
  bindings.RejectUnknownKeys();

  ConfigSection radius = root.Section("radius");
  radius.StringList("listen", &c.radius_listen);
  for (const char* key : {"clients", "client_secret_files"}) {
    const toml::table* t = toml::node_view<const toml::node>(doc.root())["radius"][key].as_table();
    if (!t) continue;
    ConfigSection sub = radius.Section(key);
    for (const auto& [k, v] : *t) {
      const std::string where =
          doc.name() + ": radius." + key + ".\"" + std::string(k.str()) + "\"";
      std::string value;
      sub.String(std::string(k.str()), &value);
      if (value.empty()) {
        errors.push_back(where + ": a non-empty string is required");
        continue;
      }
      if (std::string_view(key) == "client_secret_files") {
        auto secret = identity::ReadSecretFile(value);
        if (!secret.ok()) {
          errors.push_back(where + ": " + secret.status().message());
          continue;
        }
        value = std::move(*secret);
      }
      c.radius_clients.emplace_back(std::string(k.str()), std::move(value));
    }
    sub.RejectUnknownKeys();
  }
  radius.RejectUnknownKeys();

  ConfigSection nat = root.Section("nat");
  const auto nat_node = toml::node_view<const toml::node>(doc.root())["nat"];
  c.nat_syslog = nat_node["syslog"].is_table();
  ConfigSection nat_syslog = nat.Section("syslog");
  nat_syslog.String("udp_listen", &c.nat_syslog_udp_listen);
  nat_syslog.String("tcp_listen", &c.nat_syslog_tcp_listen);
  std::string offset;
  nat_syslog.String("rfc3164_utc_offset", &offset);
  if (!identity::ParseUtcOffset(offset, &c.nat_syslog_utc_offset_s)) {
    errors.push_back(doc.name() + ": nat.syslog.rfc3164_utc_offset: \"" + offset +
                     "\" is not a UTC offset, e.g. \"+08:00\", \"-05:00\" or \"UTC\"");
  }
  int64_t max_line = static_cast<int64_t>(c.nat_syslog_max_line_bytes);
  nat_syslog.Int("max_line_bytes", &max_line, 256, 65536);
  c.nat_syslog_max_line_bytes = static_cast<size_t>(max_line);
  nat_syslog.RejectUnknownKeys();
  c.nat_ipfix = nat_node["ipfix"].is_table();
  ConfigSection nat_ipfix = nat.Section("ipfix");
  nat_ipfix.StringList("listen", &c.nat_ipfix_listen);
  int64_t max_templates = static_cast<int64_t>(c.nat_ipfix_max_templates);
  nat_ipfix.Int("max_templates", &max_templates, 16, 1 << 20);
  c.nat_ipfix_max_templates = static_cast<size_t>(max_templates);
  nat_ipfix.RejectUnknownKeys();
  c.nat_conntrack = nat_node["conntrack"].is_table();
  ConfigSection nat_conntrack = nat.Section("conntrack");
  int64_t max_open = static_cast<int64_t>(c.nat_conntrack_max_open);
  nat_conntrack.Int("max_open", &max_open, 1024, int64_t{1} << 26);
  c.nat_conntrack_max_open = static_cast<size_t>(max_open);
  nat_conntrack.RejectUnknownKeys();
  nat.RejectUnknownKeys();
  ConfigSection filter_section = root.Section("filter");
  filter::ReadFilterConfig(filter_section,
                           toml::node_view<const toml::node>(doc.root())["filter"].is_table(),
                           doc.name(), &c.filter, &errors);
  c.api_enabled = api::ReadApiConfig(doc, &root, &errors, &c.api);
  root.RejectUnknownKeys();

  // Inline mode takes its packets from NFQUEUE, not from capture interfaces.
  const bool inline_mode = c.filter.block == filter::BlockMode::kInline;
  if (require_interfaces) {
    if (c.interfaces.empty() && !inline_mode) {
      errors.push_back(doc.name() +
                       ": [capture] interfaces: required, e.g. interfaces = [\"eth1\"] (the "
                       "mirror port or gateway interface to capture on)");
    }
    if (c.json_dir.empty() && c.store_dir.empty()) {
      errors.push_back(doc.name() +
                       ": an output is required: [output] json_dir = \"/var/lib/netward/records\" "
                       "(JSON lines) and/or [store] dir = \"/var/lib/netward/store\" (the "
                       "tamper-evident store)");
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

store::StoreOptions StoreOptionsFrom(const ProbeConfig& config) {
  store::StoreOptions o;
  o.dir = config.store_dir;
  o.site = config.site;
  o.signing_key_path = config.store_signing_key;
  o.sync_interval_us = config.store_sync_interval;
  o.checkpoint_interval_us = config.store_checkpoint_interval;
  o.retention_days.fill(config.store_retention_days);
  for (const auto& [name, days] : config.store_retention_by_stream) {
    record::StreamId id;
    if (record::StreamFromName(name, &id)) o.retention_days[static_cast<size_t>(id)] = days;
  }
  return o;
}

}  // namespace netward::probe
