// src/store/base64.h: standard base64 (RFC 4648 section 4, with '=' padding), as the C2SP
// signed-note and tlog-checkpoint formats and their key files use it (docs/tamper-evidence.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace netward::store {

std::string Base64Encode(std::string_view bytes);

// Decodes padded standard base64. nullopt for a length that is not a multiple of 4, a character
// outside the alphabet (no whitespace is skipped), or misplaced '='. Like Go's
// base64.StdEncoding, unused bits of the last character need not be zero.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace netward::store
