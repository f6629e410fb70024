// src/common/time.h: timestamps inside netward are int64 microseconds since the Unix epoch, UTC.
// They become ISO-8601 text ("2026-11-22T10:04:05.123456Z") only at the edges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netward {

using TimestampUs = int64_t;

constexpr TimestampUs kUsPerSecond = 1000000;

// Writes exactly 27 characters ("YYYY-MM-DDThh:mm:ss.uuuuuuZ") to `out`, which must hold 27.
// Valid for years 0000-9999; values outside are clamped to that range. Allocates nothing.
void FormatIso8601(TimestampUs ts, char* out);
std::string FormatIso8601(TimestampUs ts);
constexpr int kIso8601Length = 27;

// Parses "YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm]"; nullopt on anything else.
std::optional<TimestampUs> ParseIso8601(std::string_view text);

// Wall clock now, microseconds since the epoch.
TimestampUs NowUs();

}  // namespace netward
