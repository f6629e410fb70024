// src/cli/commands.h: each subcommand registers itself on the CLI11 app and runs from its
// callback; the exit status is kept here for main() to return.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "probe/pipeline.h"

namespace netward::cli {

void RegisterReplay(CLI::App& app);
void RegisterProbe(CLI::App& app);
void RegisterSchema(CLI::App& app);
void RegisterKeygen(CLI::App& app);
void RegisterStoreCommands(CLI::App& app);
void RegisterTrace(CLI::App& app);
void RegisterRules(CLI::App& app);
void RegisterApi(CLI::App& app);

// A time on the command line, as `netward query --from` takes it: "2026-11-22T10:00:00Z",
// "2026-11-22" (midnight UTC), "now", or "-2h" / "-30m" / "-7d" (before now). False if none.
bool ParseTimeArg(const std::string& text, TimestampUs* out);

// 0 success, 1 a run-time failure (unreadable file, write error), 2 bad usage or configuration.
int ExitCode();
void SetExitCode(int code);

// Prints the end-of-run summary (packets, bytes, records per stream, skipped packets by reason,
// analyzer events, throughput) to `out`.
void PrintSummary(const probe::RunSummary& summary, std::ostream& out);

}  // namespace netward::cli
