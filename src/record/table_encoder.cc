#include "record/table_encoder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "record/json_decoder.h"

namespace netward::record {
namespace {

struct Range {
  uint32_t first, last;
};
// Zero-width: combining marks, zero-width spaces and joiners, variation selectors.
constexpr Range kZeroWidth[] = {{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},
                                {0x0610, 0x061A}, {0x064B, 0x065F}, {0x1AB0, 0x1AFF},
                                {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF},
                                {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xE0100, 0xE01EF}};
// East Asian Wide and Fullwidth (Unicode UAX #11): CJK, kana, Hangul, fullwidth forms, emoji.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x2E80, 0x303E},  {0x3041, 0x33FF},
    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},  {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},  {0xFFE0, 0xFFE6},
    {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}};

bool InRanges(uint32_t cp, const Range* r, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (cp >= r[i].first && cp <= r[i].last) return true;
  }
  return false;
}

size_t CodepointWidth(uint32_t cp) {
  if (cp < 0x300) return 1;
  if (InRanges(cp, kZeroWidth, std::size(kZeroWidth))) return 0;
  if (InRanges(cp, kWide, std::size(kWide))) return 2;
  return 1;
}

// Decodes the UTF-8 character at text[i] (valid UTF-8 assumed; a stray byte counts as one).
uint32_t NextCodepoint(std::string_view text, size_t* i) {
  const auto c = static_cast<unsigned char>(text[*i]);
  size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
  if (*i + len > text.size()) len = 1;
  uint32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<unsigned char>(text[*i + k]) & 0x3F);
  *i += len;
  return cp;
}

// `text` cut to at most `max` columns, ending in "…" when cut.
std::string Fit(const std::string& text, size_t max) {
  if (DisplayWidth(text) <= max) return text;
  size_t width = 0, i = 0, keep = 0;
  while (i < text.size()) {
    size_t at = i;
    size_t w = CodepointWidth(NextCodepoint(text, &i));
    if (width + w > max - 1) {
      i = at;
      break;
    }
    width += w;
    keep = i;
  }
  return text.substr(0, keep) + "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS, one column
}

bool IsInteger(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t width = 0, i = 0;
  while (i < text.size()) width += CodepointWidth(NextCodepoint(text, &i));
  return width;
}

TableWriter::TableWriter(std::vector<std::string> headers, size_t max_cell)
    : headers_(std::move(headers)), max_cell_(max_cell < 2 ? 2 : max_cell) {}

void TableWriter::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string TableWriter::Render() const {
  const size_t ncol = headers_.size();
  auto prepare = [&](const std::vector<std::string>& row) {
    std::vector<std::string> out(ncol);
    for (size_t c = 0; c < ncol; ++c) {
      std::string clean;
      detail::AppendText(row[c], false, &clean);
      out[c] = Fit(clean, max_cell_);
    }
    return out;
  };
  std::vector<std::vector<std::string>> grid;
  grid.reserve(rows_.size() + 1);
  grid.push_back(prepare(headers_));
  for (const auto& row : rows_) grid.push_back(prepare(row));

  std::vector<size_t> widths(ncol, 0);
  std::vector<bool> numeric(ncol, !rows_.empty());
  for (size_t r = 0; r < grid.size(); ++r) {
    for (size_t c = 0; c < ncol; ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(grid[r][c]));
      if (r > 0 && !IsInteger(grid[r][c])) numeric[c] = false;
    }
  }

  std::string out;
  auto emit_line = [&](const std::vector<std::string>& cells) {
    const size_t line_start = out.size();
    for (size_t c = 0; c < ncol; ++c) {
      if (c) out.append("  ");
      const size_t pad = widths[c] - DisplayWidth(cells[c]);
      if (numeric[c]) out.append(pad, ' ');
      out.append(cells[c]);
      if (!numeric[c]) out.append(pad, ' ');
    }
    while (out.size() > line_start && out.back() == ' ') out.pop_back();
    out.push_back('\n');
  };
  emit_line(grid[0]);
  std::vector<std::string> rule(ncol);
  for (size_t c = 0; c < ncol; ++c) rule[c].assign(widths[c], '-');
  emit_line(rule);
  for (size_t r = 1; r < grid.size(); ++r) emit_line(grid[r]);
  return out;
}

Status TableWriter::Write(std::FILE* f) const {
  std::string text = Render();
  if (std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fflush(f) != 0) {
    return Status::IOError("table", std::string("write failed: ") + std::strerror(errno));
  }
  return Status::OK();
}

namespace {
template <typename R>
Status DecodeToCells(std::string_view json_line, std::vector<std::string>* cells) {
  thread_local R record;
  thread_local std::string site;
  Status s = DecodeJsonLine(json_line, &record, &site, nullptr);
  if (s.ok()) *cells = RecordCells(record, site);
  return s;
}
}  // namespace

Status JsonLineToCells(StreamId stream, std::string_view json_line,
                       std::vector<std::string>* cells) {
  switch (stream) {
#define NW_CELLS_CASE(Name, sname, FIELDS) \
  case StreamId::k##Name:                  \
    return DecodeToCells<Name##Record>(json_line, cells);
    NW_STREAMS(NW_CELLS_CASE)
#undef NW_CELLS_CASE
  }
  return Status::InvalidArgument("stream", "unknown stream id");
}

std::vector<std::string> TableHeaders(StreamId stream) {
  switch (stream) {
#define NW_TABLE_NAME(Type, name, doc) #name,
#define NW_TABLE_HEADERS(Name, sname, FIELDS) \
  case StreamId::k##Name:                     \
    return {FIELDS(NW_TABLE_NAME) "site"};
    NW_STREAMS(NW_TABLE_HEADERS)
#undef NW_TABLE_HEADERS
#undef NW_TABLE_NAME
  }
  return {"site"};
}

}  // namespace netward::record
