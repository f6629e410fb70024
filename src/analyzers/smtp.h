// src/analyzers/smtp.h: SMTP commands and replies -> one `mail` record per transaction
// (docs/analyzers/smtp.md). Handles pipelining (commands queue, replies matched in order),
// HELO/EHLO, MAIL FROM, RCPT TO, DATA (headers From/Subject/Message-ID, body to the content
// hook as "smtp.body"), BDAT (RFC 3030), AUTH PLAIN/LOGIN (user only, never the password), RSET,
// QUIT and STARTTLS (the rest of the flow goes to an owned TLS analyzer, so a `tls` record
// appears). Lines over 8 KiB are cut and flagged; parsing resumes at the next LF.
// Events: smtp.line_too_long, smtp.bad_reply, smtp.reply_without_command, smtp.bad_bdat,
// smtp.command_out_of_sequence (and the tls.* events after STARTTLS).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A new analyzer for one SMTP flow. Never null. One thread per object.
std::unique_ptr<Analyzer> NewSmtpAnalyzer();

// kToClient: a "220 " / "220-" greeting that names (E)SMTP; kToServer: "EHLO " / "HELO ".
bool LooksLikeSmtp(Direction dir, std::span<const uint8_t> first_bytes);

inline constexpr std::array<std::string_view, 5> kSmtpEventNames = {
    "smtp.line_too_long", "smtp.bad_reply", "smtp.reply_without_command", "smtp.bad_bdat",
    "smtp.command_out_of_sequence"};

}  // namespace netward::analyzers
