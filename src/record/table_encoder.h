// src/record/table_encoder.h: records as an aligned text table for people at a terminal
// (`netward query --format table`). Collect the rows, then Render() or Write() them:
//
//   ts                           src_ip      src_port  host
//   ---------------------------  ----------  --------  ---------------
//   2026-11-22T10:04:05.123456Z  10.0.0.1       51234  www.example.com
//
// Widths are display columns, not bytes: CJK and other East Asian wide characters count 2,
// combining marks 0. A cell wider than `max_cell` columns is cut and ends in "…". Columns whose
// cells are all decimal integers are right-aligned. Cells should be display text already
// (RecordCells makes them so: no control characters, valid UTF-8); Render() still writes any
// byte that is not valid UTF-8 as \xNN and any control character as \xNN, \t, \r or \n, so a
// table never carries terminal escapes. Thread-compatible.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "record/csv_encoder.h"
#include "record/schema.h"

namespace netward::record {

class TableWriter {
 public:
  // `headers` fixes the number of columns. max_cell >= 2.
  explicit TableWriter(std::vector<std::string> headers, size_t max_cell = 40);

  // A row with fewer cells than headers is padded with empty cells; extra cells are dropped.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // The header, a rule of '-' under it, then each row; lines end in '\n', with no trailing
  // spaces. Allocates the output.
  std::string Render() const;
  // Render() written to `f`; IOError if the write fails.
  Status Write(std::FILE* f) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  size_t max_cell_;
};

// Display columns of valid UTF-8 `text` (wide characters 2, combining marks 0).
size_t DisplayWidth(std::string_view text);

// Field names in schema order, then "site": the headers for a stream's table.
std::vector<std::string> TableHeaders(StreamId stream);

namespace detail {
template <typename T>
void AppendCellValue(const T& v, std::string* out) {
  AppendTextValue(v, false, out);
}
template <typename T>
void AppendCellValue(const std::vector<T>& v, std::string* out) {
  AppendTextValue(v, false, out, ", ");
}
}  // namespace detail

// A record's cells for TableWriter::AddRow, in TableHeaders order: the CSV cell text without
// quoting, with TAB, CR and LF shown as \t, \r, \n and list elements joined by ", ".
template <typename R>
std::vector<std::string> RecordCells(const R& record, std::string_view site) {
  std::vector<std::string> cells;
  record.ForEachField([&](std::string_view, const auto& value) {
    detail::AppendCellValue(value, &cells.emplace_back());
  });
  detail::AppendText(site, false, &cells.emplace_back());
  return cells;
}

// Runtime dispatch, as JsonLineToCsv: decodes a JSON line of `stream` into its cells (replacing
// `*cells`). InvalidArgument from DecodeJsonLine if it is not a record of `stream`.
Status JsonLineToCells(StreamId stream, std::string_view json_line,
                       std::vector<std::string>* cells);

}  // namespace netward::record
