// src/filter/charset.h: finding the charset of a body and decoding it to UTF-8, step 3 of the
// normalizer (normalizer.h, docs/normalization.md). Decoding never fails on bad bytes: each
// invalid byte becomes U+FFFD. Thread-safe; each thread keeps its own iconv and uchardet handles.
#pragma once

#include <string>
#include <string_view>

namespace netward::filter {

// The iconv name for a charset label (case-insensitive, quotes and blanks ignored), with the
// WHATWG-style widening: gb2312/gbk/cp936/... -> "GB18030" (a superset), big5/cp950/... ->
// "BIG5-HKSCS", iso-8859-1/latin1/us-ascii -> "WINDOWS-1252", utf8 -> "UTF-8". Other labels made
// of [A-Za-z0-9._:-] are passed on upper-cased (iconv may still not know them). "" for an empty
// or malformed label.
std::string CanonicalCharset(std::string_view label);

// The charset label in a Content-Type value ("text/html; charset=\"GBK\"" -> "GBK"). A value
// with no '=', ';' or '/' is taken as a bare label. "" if there is none.
std::string_view CharsetFromContentType(std::string_view content_type);

// The charset named by the first <meta charset=...> or <meta http-equiv content="...;
// charset=..."> in the first 4 KiB of `html` (what browsers prescan); "" if none.
std::string_view FindMetaCharset(std::string_view html);

// The charset a byte-order mark at the start of `s` says ("UTF-8", "UTF-16LE", "UTF-16BE"), and
// its length in *bom_len; "" and 0 if there is none.
std::string_view SniffBom(std::string_view s, size_t* bom_len);

// uchardet's guess for bytes that are not UTF-8, canonicalized; looks at the first 64 KiB.
// "" when it has no answer.
std::string DetectCharset(std::string_view bytes);

// Appends `bytes`, decoded from `charset` (an iconv name), to *out as UTF-8. An invalid byte
// becomes U+FFFD and decoding resumes at the next byte; a sequence cut off by the end becomes one
// U+FFFD. Returns false, appending nothing, if iconv does not know `charset`.
bool DecodeToUtf8(std::string_view bytes, std::string_view charset, std::string* out);

// Step 3 as a whole. Picks the charset: a byte-order mark, else `declared` (a label or a
// Content-Type value) if iconv knows it, else (is_html) a <meta> charset, else UTF-8 if the bytes
// are UTF-8 (a truncated last character allowed after a complete one), else uchardet's guess if
// it is a multi-byte charset, else GB18030 if it decodes the bytes without an error (uchardet
// guesses ISO-8859-x for short Chinese text), else uchardet's single-byte guess, else GB18030.
// Returns the text as UTF-8: `raw` itself when it is taken as UTF-8 (it may still hold invalid
// sequences, which the later passes replace by U+FFFD), else a view of *scratch.
std::string_view DecodeBody(std::string_view raw, std::string_view declared, bool is_html,
                            std::string* scratch);

}  // namespace netward::filter
