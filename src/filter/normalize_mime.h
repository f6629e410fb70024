// src/filter/normalize_mime.h: MIME content-transfer-encoding decoding, step 1 of the normalizer
// (normalizer.h). Lenient, as mail clients are: bad characters are skipped, never an error.
#pragma once

#include <string>
#include <string_view>

namespace netward::filter {

enum class TransferEncoding { kNone, kBase64, kQuotedPrintable };

// "base64" / "quoted-printable" (case-insensitive, surrounding blanks ignored); else kNone
// ("7bit", "8bit", "binary" and unknown names leave the bytes as they are).
TransferEncoding ParseTransferEncoding(std::string_view name);

// Appends the bytes that `in` encodes to *out. Characters outside the base64 alphabet (line
// breaks, blanks, garbage) are skipped; decoding stops at the first '='. A trailing group of
// 2 or 3 characters yields its 1 or 2 bytes; a lone trailing character is dropped.
void DecodeBase64(std::string_view in, std::string* out);

// Appends the decoded bytes to *out: "=XX" (hex, either case) is a byte, "=" at a line end is a
// soft break (removed with its CRLF or LF), any other "=" is kept as it is.
void DecodeQuotedPrintable(std::string_view in, std::string* out);

}  // namespace netward::filter
