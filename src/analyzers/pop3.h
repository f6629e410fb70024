// src/analyzers/pop3.h: POP3 logins -> one `mail` record (proto "pop3") per USER+PASS, APOP or
// AUTH PLAIN attempt, with auth_user, emitted when the server answers (+OK or -ERR alike; the
// schema has no result field). Never records a password. Multi-line answers (RETR, TOP, LIST,
// UIDL, CAPA) are skipped up to their "." line. After STLS is accepted the flow is encrypted and
// parsing stops. Lines over 8 KiB are cut and flagged. Events: pop3.line_too_long, pop3.bad_reply.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A new analyzer for one POP3 flow. Never null. One thread per object.
std::unique_ptr<Analyzer> NewPop3Analyzer();

// kToClient: a "+OK " greeting line that names POP3 (conservative). kToServer: false.
bool LooksLikePop3(Direction dir, std::span<const uint8_t> first_bytes);

inline constexpr std::array<std::string_view, 2> kPop3EventNames = {"pop3.line_too_long",
                                                                    "pop3.bad_reply"};

}  // namespace netward::analyzers
