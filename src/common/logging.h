// src/common/logging.h: operator-facing diagnostics on stderr ("netward: warning: ...").
// Never used per packet: the packet path counts events instead of logging them.
// Thread-safe (each call writes one line with a single write()).
#pragma once

#include <string_view>

namespace netward {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

void SetLogLevel(LogLevel level);
void Log(LogLevel level, std::string_view message);
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

}  // namespace netward
