// `netward replay`: process capture files as fast as possible.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "probe/jsonl_sink.h"
#include "probe/pipeline.h"
#include "probe/probe_config.h"
#include "probe/probe_filter.h"
#include "probe/store_sink.h"

namespace netward::cli {
namespace {

struct ReplayOptions {
  std::vector<std::string> files;
  std::string json_dir;
  std::string store_dir;
  std::string config_path;
  std::string site;
  std::string rules;   // --rules: content filter bundle
  std::string pubkey;  // --pubkey: its signer's public key
  int workers = 0;     // 0: from the config, else 1
  bool quiet = false;
};

void PrintProgress(const probe::Progress& p) {
  double pct = p.file_bytes_total ? 100.0 * static_cast<double>(p.file_bytes_done) /
                                        static_cast<double>(p.file_bytes_total)
                                  : 0;
  double gbps = p.seconds > 0 ? static_cast<double>(p.bytes) * 8 / p.seconds / 1e9 : 0;
  std::fprintf(stderr, "\r  %5.1f%%  %llu packets  %.2f GB  %.2f Gbit/s  %.1f s   ", pct,
               static_cast<unsigned long long>(p.packets), static_cast<double>(p.bytes) / 1e9, gbps,
               p.seconds);
  std::fflush(stderr);
}

void RunReplay(const ReplayOptions& opts) {
  probe::ProbeConfig config;
  if (!opts.config_path.empty()) {
    auto loaded = probe::LoadProbeConfig(opts.config_path, /*require_interfaces=*/false);
    if (!loaded.ok()) {
      std::cerr << "netward replay: " << loaded.status().message() << "\n";
      SetExitCode(2);
      return;
    }
    config = *loaded;
  }
  if (opts.workers > 0) config.workers = opts.workers;
  if (!opts.site.empty()) config.site = opts.site;
  if (!opts.json_dir.empty()) config.json_dir = opts.json_dir;

  std::unique_ptr<record::RecordSink> sink;
  std::unique_ptr<record::RecordSink> json_sink, store_sink;
  probe::TeeSink tee;
  if (!opts.store_dir.empty()) {
    store::StoreOptions so;
    so.dir = opts.store_dir;
    so.site = config.site;
    auto opened = store::Store::Open(so);
    if (!opened.ok()) {
      std::cerr << "netward replay: " << opened.status().message() << "\n";
      SetExitCode(opened.status().code() == Status::Code::kInvalidArgument ? 2 : 1);
      return;
    }
    store_sink = std::make_unique<probe::StoreSink>(std::move(opened.value()));
  }
  if (!config.json_dir.empty()) {
    auto opened = probe::JsonlDirSink::Open(config.json_dir, config.fsync);
    if (!opened.ok()) {
      std::cerr << "netward replay: " << opened.status().message() << "\n";
      SetExitCode(1);
      return;
    }
    json_sink = std::move(*opened);
  }
  if (json_sink && store_sink) {
    tee.Add(json_sink.get());
    tee.Add(store_sink.get());
  }
  record::RecordSink* chosen = json_sink && store_sink ? static_cast<record::RecordSink*>(&tee)
                               : json_sink             ? json_sink.get()
                               : store_sink            ? store_sink.get()
                                                       : nullptr;
  if (!chosen) {
    sink = std::make_unique<probe::NullSink>();
    chosen = sink.get();
  }

  probe::Pipeline pipeline(config, chosen);
  // Content filter: --rules/--pubkey, else the config's [filter]. Nothing is blocked in a
  // replay: block rules alert (taken "alerted").
  std::unique_ptr<probe::ProbeFilter> content_filter;
  if (!opts.rules.empty() || !opts.pubkey.empty() || config.filter.enabled) {
    filter::FilterConfig fc = config.filter;
    fc.enabled = true;
    if (!opts.rules.empty()) fc.bundle = opts.rules;
    if (!opts.pubkey.empty()) fc.pubkey = opts.pubkey;
    if (fc.bundle.empty() || fc.pubkey.empty()) {
      std::cerr << "netward replay: --rules BUNDLE and --pubkey FILE go together (bundles are "
                   "verified: an unsigned bundle is refused)\n";
      (void)chosen->Close();
      SetExitCode(2);
      return;
    }
    auto created = probe::ProbeFilter::Create(fc, chosen, config.site, /*blocking=*/false);
    if (!created.ok()) {
      std::cerr << "netward replay: rules: " << created.status().message() << "\n";
      (void)chosen->Close();
      SetExitCode(2);
      return;
    }
    content_filter = std::move(*created);
    pipeline.set_filter(content_filter->runtime());
  }
  bool show_progress = !opts.quiet && ::isatty(STDERR_FILENO);
  probe::ProgressCallback progress;
  if (show_progress) progress = PrintProgress;
  auto result = pipeline.Replay(opts.files, progress);
  if (show_progress) std::fprintf(stderr, "\n");
  Status closed = chosen->Close();
  if (json_sink && store_sink) {
    Status a = json_sink->Close(), b = store_sink->Close();
    closed = !a.ok() ? a : b;
  }
  if (!result.ok()) {
    std::cerr << "netward replay: " << result.status().message() << "\n";
    SetExitCode(1);
    return;
  }
  if (!closed.ok()) {
    std::cerr << "netward replay: " << closed.message() << "\n";
    SetExitCode(1);
  }
  if (!opts.quiet) {
    PrintSummary(*result, std::cout);
    if (!config.json_dir.empty())
      std::cout << "records written to " << config.json_dir << "/<stream>.jsonl\n";
    if (!opts.store_dir.empty())
      std::cout << "records stored in " << opts.store_dir << " (netward query/verify --store)\n";
  }
  if (!result->stopped_by.ok()) {
    std::cerr
        << "netward replay: " << result->stopped_by.message()
        << "\nnetward replay: stopped there; the records of the packets before it were written\n";
    SetExitCode(1);
  }
}

}  // namespace

void RegisterReplay(CLI::App& app) {
  auto opts = std::make_shared<ReplayOptions>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Process capture files (pcap or pcapng) as fast as possible and write records.");
  cmd->add_option("files", opts->files,
                  "Capture files, processed in order as one stream of packets")
      ->required();
  cmd->add_option("--json", opts->json_dir,
                  "Write records as JSON lines to DIR/<stream>.jsonl (session, dns, http, tls, "
                  "mail, ftp); appends if the files exist");
  cmd->add_option("--store", opts->store_dir,
                  "Append records to the tamper-evident store in DIR (created if missing; see "
                  "docs/store.md)");
  cmd->add_option("-w,--workers", opts->workers,
                  "Analysis threads; flows are sharded by a symmetric hash (default 1, or the "
                  "config's `workers`)")
      ->check(CLI::Range(1, 256));
  cmd->add_option(
         "-c,--config", opts->config_path,
         "Probe config (TOML) for site code, flow timeouts and limits; [capture] is ignored")
      ->check(CLI::ExistingFile);
  cmd->add_option("--site", opts->site, "Site code stamped on every record (overrides the config)");
  cmd->add_option("--rules", opts->rules,
                  "Content filter: check the traffic against this signed rule bundle (a "
                  "directory or a .toml/.json file, docs/rules.md) and write `alert` records; "
                  "overrides the config's [filter] bundle. Nothing is blocked in a replay")
      ->check(CLI::ExistingPath);
  cmd->add_option("--pubkey", opts->pubkey,
                  "Public key file of the bundle's signer (netward keygen); required with --rules")
      ->check(CLI::ExistingFile);
  cmd->add_flag("-q,--quiet", opts->quiet, "No progress line and no summary");
  cmd->footer(
      "A progress line is shown when stderr is a terminal; the summary (packets, bytes, records\n"
      "per stream, skipped packets by reason, Gbit/s) goes to stdout at the end.\n"
      "Exit status: 0 done, 1 a file could not be read or records could not be written,\n"
      "2 bad options or configuration.\n"
      "Example: netward replay traffic.pcap --json /tmp/records && head /tmp/records/http.jsonl");
  cmd->callback([opts] { RunReplay(*opts); });
}

}  // namespace netward::cli
