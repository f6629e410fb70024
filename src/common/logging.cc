#include "common/logging.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace netward {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
}

void SetLogLevel(LogLevel level) { g_level.store(level); }

void Log(LogLevel level, std::string_view message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  const char* tag = "";
  switch (level) {
    case LogLevel::kDebug:
      tag = "debug: ";
      break;
    case LogLevel::kInfo:
      tag = "";
      break;
    case LogLevel::kWarning:
      tag = "warning: ";
      break;
    case LogLevel::kError:
      tag = "error: ";
      break;
  }
  std::string line = "netward: ";
  line += tag;
  line += message;
  line += '\n';
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace netward
