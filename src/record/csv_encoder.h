// src/record/csv_encoder.h: records as CSV (RFC 4180), for `netward query --format csv` and
// spreadsheets. One header line (CsvHeader), then one line per record (EncodeCsvLine).
//
// Columns: the stream's fields in schema order, then `site`; the same names as the JSON keys.
// Cells: a Time as ISO-8601 ("" for 0, as in JSON); an Ip as its text; integers in decimal; a
// list's elements joined with ';' (an element that itself holds ';' cannot be told apart: use
// JSON for exact values). Strings are the bytes from the wire: valid UTF-8 as it is; each byte
// that is not valid UTF-8 and each control character other than TAB, CR and LF is written as the
// four characters \xNN (as the JSON encoder writes invalid bytes), so the output is valid UTF-8
// and carries no terminal escapes. A cell is quoted ("...", with '"' doubled) when it holds ',',
// '"', CR, LF or ';' (';' for spreadsheets set to split on it). Cells are not altered to defuse
// spreadsheet formulas ("=..."): the data stays exact. Lines end in LF, not CRLF; no BOM.
// Appends to `out`; allocates only when `out` grows. Thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "record/schema.h"

namespace netward::record {

namespace detail {
// Appends `value` as display text: valid UTF-8 as it is, invalid bytes and control characters as
// \xNN. With `keep_line_breaks`, TAB, CR and LF are kept as they are (CSV quotes them); without,
// they too become \t, \r, \n (two characters), for one-line displays such as tables.
void AppendText(std::string_view value, bool keep_line_breaks, std::string* out);

void AppendTextValue(TimestampUs v, bool keep_line_breaks, std::string* out);
void AppendTextValue(const IpAddress& v, bool keep_line_breaks, std::string* out);
void AppendTextValue(uint64_t v, bool keep_line_breaks, std::string* out);
inline void AppendTextValue(uint32_t v, bool k, std::string* out) {
  AppendTextValue(uint64_t{v}, k, out);
}
inline void AppendTextValue(uint16_t v, bool k, std::string* out) {
  AppendTextValue(uint64_t{v}, k, out);
}
inline void AppendTextValue(const std::string& v, bool k, std::string* out) {
  AppendText(v, k, out);
}
// Elements joined by `separator`.
template <typename T>
void AppendTextValue(const std::vector<T>& v, bool k, std::string* out,
                     std::string_view separator = ";") {
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out->append(separator);
    AppendTextValue(v[i], k, out);
  }
}

// Quotes the cell that starts at out[start] and runs to the end of `out`, in place, if it holds
// , " CR LF or ; (doubling each '"').
void QuoteCsvCell(size_t start, std::string* out);
}  // namespace detail

// Runtime dispatch for callers holding a JSON line and its StreamId (`netward query` reading the
// store): decodes the line (json_decoder.h) and appends its CSV line to `out`. InvalidArgument
// from DecodeJsonLine if the line is not a record of `stream`; `out` is unchanged then. Uses one
// thread-local record per stream: no allocation after warm-up but for `out`.
Status JsonLineToCsv(StreamId stream, std::string_view json_line, std::string* out);

// "ts,end_ts,...,site\n" for `stream`.
std::string CsvHeader(StreamId stream);

// Appends one CSV line (ending in '\n') for `record`, with `site` as the last column.
template <typename R>
void EncodeCsvLine(const R& record, std::string_view site, std::string* out) {
  record.ForEachField([&](std::string_view, const auto& value) {
    const size_t start = out->size();
    detail::AppendTextValue(value, true, out);
    detail::QuoteCsvCell(start, out);
    out->push_back(',');
  });
  const size_t start = out->size();
  detail::AppendText(site, true, out);
  detail::QuoteCsvCell(start, out);
  out->push_back('\n');
}

}  // namespace netward::record
