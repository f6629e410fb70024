// src/analyzers/mail_codec.h: small text decoders shared by the SMTP, POP3, IMAP and FTP
// analyzers (tlsmail's private helpers): base64 (SASL responses), RFC 2047 encoded words
// (Subject), case-insensitive ASCII compares. Pure functions, thread-safe, no global state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace netward::analyzers {

// Decodes standard base64 (whitespace ignored, '=' padding optional) and appends at most
// `max_out` bytes to `out`. Returns false (out holds what was decoded so far) on a character
// outside the alphabet.
bool Base64Decode(std::string_view in, std::string* out, size_t max_out = 4096);

// Appends `in` to `out`, replacing each RFC 2047 encoded word (=?charset?B|Q?text?=) whose
// charset is UTF-8, US-ASCII or ISO-8859-1 by its text as UTF-8; whitespace between two adjacent
// encoded words is dropped (RFC 2047 section 6.2). Other words are copied unchanged. Output is
// capped at `max_out` bytes.
void DecodeMimeWords(std::string_view in, std::string* out, size_t max_out = 4096);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);
// Strips leading and trailing spaces and tabs.
std::string_view TrimSpaces(std::string_view s);
// Splits "VERB rest" at the first space: *verb = "VERB", *rest = "rest" (leading spaces skipped).
void SplitVerb(std::string_view line, std::string_view* verb, std::string_view* rest);

}  // namespace netward::analyzers
