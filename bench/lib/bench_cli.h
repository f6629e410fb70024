// bench/lib/bench_cli.h: how the benchmark programs end a command-line parse (CLI11).
#pragma once

#include <CLI/CLI.hpp>

namespace netward::bench {

// Parses argv into `app`. Returns -1 to go on; otherwise the status to exit with, after CLI11
// printed the help (0) or what was wrong (2, as netward's own commands exit on a usage mistake).
inline int ParseArgs(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return -1;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
}

}  // namespace netward::bench
