// `netward probe`: the live daemon.
#include <signal.h>

#include <atomic>
#include <iostream>

#include "api/api_runtime.h"
#include "cli/commands.h"
#include "common/logging.h"
#include "identity/conntrack_source.h"
#include "identity/identity_index.h"
#include "identity/ipfix_collector.h"
#include "identity/radius_server.h"
#include "identity/static_bindings.h"
#include "identity/syslog_nat_collector.h"
#include "probe/identity_router.h"
#include "probe/jsonl_sink.h"
#include "probe/pipeline.h"
#include "probe/probe_config.h"
#include "probe/probe_filter.h"
#include "probe/store_sink.h"
#include "store/store.h"

namespace netward::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

// SIGHUP: reload the content filter's rule bundle now ([filter]).
std::atomic<filter::BundleWatcher*> g_watcher{nullptr};
void OnHangup(int) {
  if (filter::BundleWatcher* w = g_watcher.load()) w->RequestReload();
}

struct ProbeOptions {
  std::string config_path;
  bool check_only = false;
};

void RunProbe(const ProbeOptions& opts) {
  auto loaded = probe::LoadProbeConfig(opts.config_path, /*require_interfaces=*/true);
  if (!loaded.ok()) {
    std::cerr << "netward probe: " << loaded.status().message() << "\n";
    SetExitCode(2);
    return;
  }
  const probe::ProbeConfig& config = *loaded;
  if (opts.check_only) {
    std::cout << opts.config_path << ": OK\n";
    return;
  }
  std::unique_ptr<record::RecordSink> json_sink, store_sink;
  store::Store* store_for_api = nullptr;  // [api] appends to the store itself (seq, errors)
  if (!config.json_dir.empty()) {
    auto opened = probe::JsonlDirSink::Open(config.json_dir, config.fsync);
    if (!opened.ok()) {
      std::cerr << "netward probe: " << opened.status().message() << "\n";
      SetExitCode(1);
      return;
    }
    json_sink = std::move(*opened);
  }
  if (!config.store_dir.empty()) {
    auto opened = store::Store::Open(probe::StoreOptionsFrom(config));
    if (!opened.ok()) {
      std::cerr << "netward probe: store " << config.store_dir << ": " << opened.status().message()
                << "\n";
      SetExitCode(1);
      return;
    }
    store_for_api = opened.value().get();  // owned by store_sink
    store_sink = std::make_unique<probe::StoreSink>(std::move(opened.value()));
  }
  probe::TeeSink tee;
  if (json_sink) tee.Add(json_sink.get());
  if (store_sink) tee.Add(store_sink.get());
  // Identity: sources (RADIUS server, NAT collectors, conntrack, static bindings) deliver to
  // `router`, which writes their records through `tee` and feeds `index`; the pipeline's batches
  // pass through it too, so sniffed login/nat records reach the index. Start sources after this
  // point with &router; stop them before close_sinks().
  identity::IndexOptions index_options;
  index_options.skew_tolerance = config.identity_skew_tolerance;
  index_options.open_login_ttl = config.identity_open_login_ttl;
  index_options.open_nat_ttl = config.identity_open_nat_ttl;
  index_options.max_login_intervals = static_cast<size_t>(config.identity_max_login_intervals);
  index_options.max_nat_mappings = static_cast<size_t>(config.identity_max_nat_mappings);
  identity::IdentityIndex index(index_options);
  probe::IdentityRouter router(config.site, &tee, &index);
  record::RecordSink* sink = &router;
  auto close_sinks = [&] {
    Status result = router.Flush();  // queued identity records reach the sinks first
    for (auto* s : {json_sink.get(), store_sink.get()}) {
      if (!s) continue;
      Status st = s->Close();
      if (!st.ok() && result.ok()) result = st;
    }
    return result;
  };

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  // [static_bindings]: a bad file stops the start (its line is named); later bad edits are
  // logged and the last good file stays in force.
  std::unique_ptr<identity::StaticBindingsSource> static_bindings;
  if (!config.static_bindings_file.empty()) {
    static_bindings = std::make_unique<identity::StaticBindingsSource>(
        identity::StaticBindingsOptions{config.static_bindings_file,
                                        config.static_bindings_poll_interval},
        &router);
    Status st = static_bindings->Start();
    if (!st.ok()) {
      std::cerr << "netward probe: static bindings: " << st.message() << "\n";
      (void)close_sinks();
      SetExitCode(1);
      return;
    }
  }

  // [radius]: the accounting server records into the router before it answers the NAS.
  std::unique_ptr<identity::RadiusServer> radius;
  if (!config.radius_clients.empty()) {
    identity::RadiusServerConfig rc;
    rc.listen = config.radius_listen;
    for (const auto& [network, secret] : config.radius_clients)
      rc.clients.push_back({network, secret});
    auto started = identity::RadiusServer::Start(rc, &router);
    if (!started.ok()) {
      std::cerr << "netward probe: radius: " << started.status().message() << "\n";
      if (static_bindings) static_bindings->Stop();
      (void)close_sinks();
      SetExitCode(1);
      return;
    }
    radius = std::move(*started);
    std::string where;
    for (const auto& a : radius->bound_addresses()) where += (where.empty() ? "" : ", ") + a;
    LogInfo("radius accounting server on " + where);
  }

  // [nat.syslog], [nat.ipfix], [nat.conntrack]: NAT mapping sources, each into the router.
  std::unique_ptr<identity::SyslogNatCollector> nat_syslog;
  std::unique_ptr<identity::IpfixCollector> nat_ipfix;
  std::unique_ptr<identity::ConntrackSource> nat_conntrack;
  std::unique_ptr<probe::ProbeFilter> content_filter;  // [filter], below
  std::unique_ptr<api::ApiRuntime> site_api;           // [api], below
  // Stops every service started so far (on a start-up failure, and at the end): the filter's
  // last maintenance record and the API's requests in progress go out before the sinks close.
  auto stop_services = [&] {
    if (static_bindings) static_bindings->Stop();
    if (radius) radius->Stop();
    if (nat_syslog) nat_syslog->Stop();
    if (nat_ipfix) nat_ipfix->Stop();
    if (nat_conntrack) nat_conntrack->Stop();
    if (content_filter) {
      g_watcher.store(nullptr);
      content_filter->watcher()->Stop();
    }
    if (site_api) site_api->Stop();
  };
  Status nat_started = [&]() -> Status {
    if (config.nat_syslog) {
      identity::SyslogNatOptions o;
      o.udp_listen = config.nat_syslog_udp_listen;
      o.tcp_listen = config.nat_syslog_tcp_listen;
      o.rfc3164_utc_offset_s = config.nat_syslog_utc_offset_s;
      o.max_line_bytes = config.nat_syslog_max_line_bytes;
      auto started = identity::SyslogNatCollector::Start(o, &router);
      if (!started.ok()) return started.status();
      nat_syslog = std::move(*started);
      LogInfo("syslog NAT collector on udp " + o.udp_listen + ", tcp " + o.tcp_listen);
    }
    if (config.nat_ipfix) {
      identity::IpfixCollectorOptions o;
      o.listen = config.nat_ipfix_listen;
      o.limits.max_templates = config.nat_ipfix_max_templates;
      auto started = identity::IpfixCollector::Start(o, &router);
      if (!started.ok()) return started.status();
      nat_ipfix = std::move(*started);
      std::string where;
      for (const auto& a : o.listen) where += (where.empty() ? "" : ", ") + a;
      LogInfo("IPFIX/NetFlow v9 NAT collector on udp " + where);
    }
    if (config.nat_conntrack) {
      identity::ConntrackOptions o;
      o.max_open = config.nat_conntrack_max_open;
      auto started = identity::ConntrackSource::Start(o, &router);
      if (!started.ok()) return started.status();
      nat_conntrack = std::move(*started);
      LogInfo("conntrack NAT events subscribed");
    }
    return Status::OK();
  }();
  if (!nat_started.ok()) {
    std::cerr << "netward probe: nat: " << nat_started.message() << "\n";
    stop_services();
    (void)close_sinks();
    SetExitCode(1);
    return;
  }

  // [filter]: the content filter. A bundle that does not load or verify stops the start; later
  // bad bundles are refused (maintenance record) and the last good rules stay in force.
  if (config.filter.enabled) {
    auto created = probe::ProbeFilter::Create(config.filter, &router, config.site,
                                              /*blocking=*/true);
    if (!created.ok()) {
      std::cerr << "netward probe: filter: " << created.status().message() << "\n";
      stop_services();
      (void)close_sinks();
      SetExitCode(1);
      return;
    }
    content_filter = std::move(*created);
    content_filter->watcher()->Start();
    g_watcher.store(content_filter->watcher());
    struct sigaction hup {};
    hup.sa_handler = OnHangup;
    sigemptyset(&hup.sa_mask);
    sigaction(SIGHUP, &hup, nullptr);
    LogInfo("content filter: rule bundle " + config.filter.bundle + " version " +
            content_filter->watcher()->version() +
            ", block = " + std::string(filter::BlockModeName(config.filter.block)));
  }

  // [api]: the site API (docs/api.md). Its records go to the same store and JSON files as the
  // probe's, each appended before the request is answered; it moderates with the [filter]
  // engine when there is one, else with api.rules.
  if (config.api_enabled) {
    api::ApiRuntimeDeps deps;
    deps.site = config.site;
    deps.store = store_for_api;
    deps.sink = json_sink.get();
    deps.engine = content_filter ? content_filter->runtime()->engine() : nullptr;
    auto api_started = api::ApiRuntime::Start(config.api, deps);
    if (!api_started.ok()) {
      std::cerr << "netward probe: api: " << api_started.status().message() << "\n";
      stop_services();
      (void)close_sinks();
      SetExitCode(1);
      return;
    }
    site_api = std::move(*api_started);
    LogInfo("site API on http://" + site_api->address() + " (docs/api.md)");
  }

  probe::Pipeline pipeline(config, sink);
  pipeline.set_enricher(&index);
  if (content_filter) pipeline.set_filter(content_filter->runtime());
  std::string ifaces;
  for (const auto& i : config.interfaces) ifaces += (ifaces.empty() ? "" : ", ") + i;
  const bool inline_mode = content_filter && content_filter->inline_blocker() != nullptr;
  auto started = [&] {
    const int queues = config.filter.nfqueues;
    const std::string queue_names = queues > 1
                                        ? std::to_string(config.filter.nfqueue) + "-" +
                                              std::to_string(config.filter.nfqueue + queues - 1)
                                        : std::to_string(config.filter.nfqueue);
    LogInfo(
        (inline_mode ? "probe inline on NFQUEUE " + queue_names : "probe capturing on " + ifaces) +
        " with " + std::to_string(inline_mode ? queues : config.workers) +
        " worker(s); records to " +
        (config.json_dir.empty() ? std::string() : config.json_dir + "/<stream>.jsonl") +
        (!config.json_dir.empty() && !config.store_dir.empty() ? " and " : "") +
        (config.store_dir.empty() ? std::string() : "the store in " + config.store_dir));
  };
  // Inline mode (docs/blocking.md): packets come from NFQUEUE and get verdicts; no capture.
  auto result = inline_mode ? pipeline.Inline(g_stop, started, content_filter->inline_blocker())
                            : pipeline.Live(g_stop, started);
  stop_services();
  Status closed = close_sinks();
  if (!result.ok()) {
    std::cerr << "netward probe: " << result.status().message() << "\n";
    SetExitCode(1);
    return;
  }
  if (!closed.ok()) {
    std::cerr << "netward probe: " << closed.message() << "\n";
    SetExitCode(1);
  }
  LogInfo("probe stopped; every record flushed");
  PrintSummary(*result, std::cerr);
}

}  // namespace

void RegisterProbe(CLI::App& app) {
  auto opts = std::make_shared<ProbeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "probe",
      "Capture live traffic on the configured interfaces and write records until stopped.");
  cmd->add_option("-c,--config", opts->config_path, "Probe config (TOML); see docs/config.md")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--check", opts->check_only, "Validate the config, print OK or every error, exit");
  cmd->footer(
      "Stops cleanly on SIGTERM or SIGINT: every flow is closed (close = eof) and every record is\n"
      "flushed before exit. Records are flushed to the files every output.flush_interval.\n"
      "Minimal config:\n"
      "  site = \"S0001\"\n"
      "  workers = 2\n"
      "  [capture]\n"
      "  interfaces = [\"eth1\"]\n"
      "  [output]\n"
      "  json_dir = \"/var/lib/netward/records\"    # JSON lines, and/or:\n"
      "  [store]\n"
      "  dir = \"/var/lib/netward/store\"           # tamper-evident store (docs/store.md)\n"
      "  retention_days = 180                       # >= 60 (Order 82 art. 13)");
  cmd->callback([opts] { RunProbe(*opts); });
}

}  // namespace netward::cli
