// `netward probe`: the live daemon.
#include <signal.h>

#include <atomic>
#include <iostream>

#include "cli/commands.h"
#include "common/logging.h"
#include "probe/jsonl_sink.h"
#include "probe/pipeline.h"
#include "probe/probe_config.h"

namespace netward::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

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
  auto opened = probe::JsonlDirSink::Open(config.json_dir, config.fsync);
  if (!opened.ok()) {
    std::cerr << "netward probe: " << opened.status().message() << "\n";
    SetExitCode(1);
    return;
  }
  std::unique_ptr<probe::JsonlDirSink> sink = std::move(*opened);

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  probe::Pipeline pipeline(config, sink.get());
  std::string ifaces;
  for (const auto& i : config.interfaces) ifaces += (ifaces.empty() ? "" : ", ") + i;
  auto result = pipeline.Live(g_stop, [&] {
    LogInfo("probe capturing on " + ifaces + " with " + std::to_string(config.workers) +
            " worker(s); records to " + config.json_dir + "/<stream>.jsonl");
  });
  Status closed = sink->Close();
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
      "  json_dir = \"/var/lib/netward/records\"");
  cmd->callback([opts] { RunProbe(*opts); });
}

}  // namespace netward::cli
