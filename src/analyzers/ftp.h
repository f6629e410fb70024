// src/analyzers/ftp.h: the FTP control connection -> one `ftp` record per command that moves or
// changes a file (RETR STOR STOU APPE DELE RNFR RNTO MKD RMD), with the user, the argument and
// the final reply (docs/analyzers/ftp.md). USER is remembered; PASS is never recorded. Multi-line
// replies ("150-" ... "150 ") are joined to their final line; 1xx replies are not final.
// After AUTH TLS/SSL is accepted (234), the rest of the flow goes to an owned TLS analyzer.
// Lines over 8 KiB are cut and flagged. Events: ftp.line_too_long, ftp.bad_reply.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A new analyzer for one FTP control connection. Never null. One thread per object.
std::unique_ptr<Analyzer> NewFtpAnalyzer();

// kToClient: a "220 " / "220-" greeting that names FTP. kToServer: always false (the server
// speaks first in FTP, and USER/PASS are shared with POP3).
bool LooksLikeFtp(Direction dir, std::span<const uint8_t> first_bytes);

inline constexpr std::array<std::string_view, 2> kFtpEventNames = {"ftp.line_too_long",
                                                                   "ftp.bad_reply"};

}  // namespace netward::analyzers
