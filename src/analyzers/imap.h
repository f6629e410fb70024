// src/analyzers/imap.h: IMAP logins -> one `mail` record (proto "imap") per LOGIN or
// AUTHENTICATE PLAIN, with auth_user, emitted at the server's tagged answer (OK, NO or BAD).
// LOGIN arguments may be atoms, quoted strings or literals ({n}); passwords are never kept.
// Literals in either direction are skipped by length. After STARTTLS is accepted the flow is
// encrypted and parsing stops. Lines over 8 KiB are cut and flagged. Event: imap.line_too_long.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A new analyzer for one IMAP flow. Never null. One thread per object.
std::unique_ptr<Analyzer> NewImapAnalyzer();

// kToClient: a "* OK" greeting line that names IMAP (conservative). kToServer: false.
bool LooksLikeImap(Direction dir, std::span<const uint8_t> first_bytes);

inline constexpr std::array<std::string_view, 1> kImapEventNames = {"imap.line_too_long"};

}  // namespace netward::analyzers
