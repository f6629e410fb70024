// src/filter/normalizer.h: turns text as it travels (bytes in some charset, HTML, percent- or
// MIME-encoded, full-width, traditional Chinese, with separators between the characters of a
// keyword) into the one form rules are matched against (docs/normalization.md).
//
// The steps, in order, each optional per call (NormalizeOptions):
//   1. MIME: base64 / quoted-printable decoding of a body or part (mime_transfer_encoding;
//      normalize_mime.h)
//   2. URL percent-decoding, %uXXXX too (is_url; normalize_percent.h). Before step 3, since
//      "%B6%C4" is GBK bytes.
//   3. charset (charset.h): a byte-order mark, else the declared charset if iconv knows it
//      (gb2312/gbk -> GB18030, big5 -> BIG5-HKSCS), else for HTML a <meta> charset, else UTF-8
//      if the bytes are UTF-8, else uchardet's guess, else GB18030; decoded to UTF-8 with iconv.
//      Invalid bytes become U+FFFD, never an error.
//   4. HTML (is_html; normalize_html.h): tags, comments, <script>/<style> contents removed,
//      entities decoded ("赌&#21338;" -> "赌博"). Done in the same pass as step 5
//      (StripHtmlAndFold, normalize_fold.h), with the same result as one step after the other.
//   5. one pass (normalize_fold.h): full-width -> half-width (U+FF01..U+FF5E, U+3000), simple
//      case folding (ASCII, Latin, Greek, Cyrillic), and separator removal
//      (remove_separators; normalize_separators.h): whitespace, punctuation, symbols, zero-width
//      and other invisible characters, so "赌 . 博" and "赌\u200b博" both become "赌博".
//   6. traditional -> simplified Chinese (OpenCC t2s; normalize_t2s.h), only when the text holds
//      a character that t2s can change. Last, so that separators no longer split its phrases.
// The same Normalize() is applied to rule keywords when a bundle is compiled, so a keyword and
// the text agree on the form. Output is valid UTF-8.
//
// A Normalizer is immutable after construction and safe to use from many threads at once.
// Normalize() allocates in `out` and in per-thread scratch buffers that are reused (buffers
// above 4 MiB are released after the call); OpenCC allocates when step 6 runs.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace netward::filter {

struct NormalizeOptions {
  // From Content-Type / MIME header: a bare label ("gbk") or the whole header value
  // ("text/html; charset=gbk"). May be empty.
  std::string_view declared_charset;
  std::string_view mime_transfer_encoding;  // "base64", "quoted-printable" or empty
  bool is_html = false;                     // strip tags, decode entities
  bool is_url = false;                      // percent-decode (and '+' -> ' ')
  bool remove_separators = true;            // in step 5; off for regex-only display text
};

class T2sConverter;

class Normalizer {
 public:
  // Loads the OpenCC t2s configuration (/usr/share/opencc/t2s.json). InvalidArgument naming
  // the file if OpenCC's data is missing (install the `opencc` package). Takes about 10 ms.
  static Result<std::unique_ptr<Normalizer>> Create();
  ~Normalizer();

  // Replaces *out with the normalized form of `raw` (which must not alias *out). Never fails:
  // any bytes give valid UTF-8. Linear in raw.size() except when step 6 runs (OpenCC's cost).
  void Normalize(std::string_view raw, const NormalizeOptions& options, std::string* out) const;

 private:
  Normalizer();
  std::unique_ptr<T2sConverter> t2s_;
};

}  // namespace netward::filter
