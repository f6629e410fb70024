// tests/fuzz/fuzz_config.cc: the probe's TOML configuration reader on arbitrary text. Every input
// must end in a config or in an InvalidArgument naming the file: never a crash, a hang or an
// exception escaping (a hostile or garbled config is an operator error, not a fatal one).
#include <cstdint>
#include <string>

#include "probe/probe_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  for (bool probe : {false, true}) {
    auto config = netward::probe::ParseProbeConfig(text, "fuzz.toml", probe);
    if (!config.ok() && config.status().message().find("fuzz.toml") == std::string::npos) {
      __builtin_trap();  // every error must name the file
    }
  }
  return 0;
}
