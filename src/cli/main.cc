// src/cli/main.cc: the `netward` binary. One subcommand per file (replay_command.cc, ...);
// this file only builds the command tree and dispatches.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "common/malloc_tuning.h"

int main(int argc, char** argv) {
  netward::TuneMalloc();  // keep freed memory for reuse (common/malloc_tuning.h)
  CLI::App app{
      "netward: the internet security protection technical measures (MPS Order 82) for a site's\n"
      "egress: records who went where (sessions, DNS, HTTP, TLS, mail, FTP) as JSON lines.\n"
      "Run `netward COMMAND --help` for each command's options; docs/ has the details."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("netward ") + NW_VERSION);
  app.footer(
      "Examples:\n"
      "  netward replay capture.pcap --json out/     # records of a capture file into out/*.jsonl\n"
      "  netward probe --config /etc/netward/probe.toml   # the live daemon\n"
      "  netward probe --config probe.toml --check   # validate a config and exit");

  netward::cli::RegisterReplay(app);
  netward::cli::RegisterProbe(app);
  netward::cli::RegisterSchema(app);
  netward::cli::RegisterKeygen(app);
  netward::cli::RegisterStoreCommands(app);
  netward::cli::RegisterTrace(app);
  netward::cli::RegisterRules(app);
  netward::cli::RegisterApi(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and --version exit 0; any usage mistake exits 2 (CLI11's own codes vary by error).
    return app.exit(e) == 0 ? 0 : 2;
  }
  return netward::cli::ExitCode();
}
