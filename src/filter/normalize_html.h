// src/filter/normalize_html.h: HTML to text, step 4 of the normalizer (normalizer.h), so that
// "<b>赌</b>博" and "赌&#21338;" both read "赌博".
#pragma once

#include <string>
#include <string_view>

namespace netward::filter {

// Decodes the character reference at s[0] == '&': "&#NNN;", "&#xHH;" (the ';' optional), or a
// named one from a common set ("&amp;", "&nbsp;", "&eacute;", "&hellip;", ...; "&amp", "&lt",
// "&gt", "&quot" and "&nbsp" also without ';'). Numeric 0, surrogates and values above U+10FFFF
// give U+FFFD; 128..159 map as Windows-1252 does (&#150; -> U+2013), as browsers do. Returns
// the bytes consumed and sets *cp, or returns 0 if s is not a known reference.
size_t DecodeHtmlEntity(std::string_view s, char32_t* cp);

// Replaces *out with the text of `html` (UTF-8, possibly invalid; invalid bytes pass through):
// tags are removed (a space in their place unless they are inline: a, b, i, u, s, em, strong,
// span, font, small, big, sub, sup, mark, abbr, code, q, del, ins, wbr, tt); comments, <!...>
// and <?...> are removed; the contents of <script> and <style> are removed up to their end
// tag; entities are decoded in text. Attribute values
// (alt, title) are not text and are dropped. A '<' that does not start a tag is kept; a tag or
// comment cut off by the end of the input is dropped. Linear time.
void StripHtml(std::string_view html, std::string* out);

// StripHtml's step at html[i] == '<' (i < html.size()): returns the index after the markup that
// starts there (a comment, <!...>, <?...>, a tag, and for <script>/<style> everything up to the
// end of their end tag) and sets *emit to the byte StripHtml writes for it: 0 (none: comments,
// <!...>, <?...>, inline tags), ' ' (other tags) or '<' (a '<' that starts no tag; the index
// returned is then i + 1). For one-pass normalizers (normalize_fold.h, StripHtmlAndFold).
size_t StripHtmlMarkupAt(std::string_view html, size_t i, char* emit);

}  // namespace netward::filter
