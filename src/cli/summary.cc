#include <cstdio>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "record/schema.h"

namespace netward::cli {
namespace {
int g_exit_code = 0;

std::string HumanBytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  std::ostringstream os;
  os << std::fixed << std::setprecision(u == 0 ? 0 : 2) << bytes << " " << units[u];
  return os.str();
}
}  // namespace

int ExitCode() { return g_exit_code; }
void SetExitCode(int code) { g_exit_code = code; }

void PrintSummary(const probe::RunSummary& s, std::ostream& out) {
  double secs = s.seconds > 0 ? s.seconds : 1e-9;
  out << "packets      " << s.packets << " (" << s.decoded << " IP packets decoded)\n";
  out << "bytes        " << HumanBytes(static_cast<double>(s.bytes)) << "\n";
  out << "flows        " << s.flows << "\n";
  out << "time         " << std::fixed << std::setprecision(3) << s.seconds << " s, "
      << std::setprecision(3) << (static_cast<double>(s.bytes) * 8 / secs / 1e9) << " Gbit/s, "
      << std::setprecision(0) << (static_cast<double>(s.packets) / secs) << " packets/s\n";
  if (s.kernel_drops) out << "kernel drops " << s.kernel_drops << "\n";
  out << "records\n";
  for (size_t i = 0; i < record::kStreamCount; ++i) {
    out << "  " << std::left << std::setw(10)
        << record::StreamName(static_cast<record::StreamId>(i)) << std::right << s.records[i]
        << "\n";
  }
  if (!s.skipped.empty()) {
    out << "decode anomalies and skipped packets (docs/decoding.md)\n";
    for (const auto& [name, n] : s.skipped) {
      out << "  " << std::left << std::setw(32) << name << std::right << n << "\n";
    }
  }
  if (!s.events.empty()) {
    out << "analyzer events (docs/events.md)\n";
    for (const auto& [name, n] : s.events) {
      out << "  " << std::left << std::setw(32) << name << std::right << n << "\n";
    }
  }
  out.flush();
}

}  // namespace netward::cli
