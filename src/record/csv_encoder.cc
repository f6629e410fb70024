#include "record/csv_encoder.h"

#include "record/json_decoder.h"
#include "record/json_encoder.h"

namespace netward::record {
namespace detail {
namespace {
constexpr char kHex[] = "0123456789abcdef";

void AppendHexByte(unsigned char c, std::string* out) {
  out->append("\\x");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}
}  // namespace

void AppendText(std::string_view value, bool keep_line_breaks, std::string* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(value.data());
  const size_t n = value.size();
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && s[run] >= 0x20 && s[run] < 0x7f) ++run;
    out->append(value.data() + i, run - i);
    i = run;
    if (i >= n) break;
    const unsigned char c = s[i];
    if (c == '\t' || c == '\r' || c == '\n') {
      if (keep_line_breaks) {
        out->push_back(static_cast<char>(c));
      } else {
        out->push_back('\\');
        out->push_back(c == '\t' ? 't' : c == '\r' ? 'r' : 'n');
      }
      ++i;
    } else if (c < 0x80) {  // other control characters and DEL
      AppendHexByte(c, out);
      ++i;
    } else if (size_t len = Utf8SequenceLength(s + i, n - i)) {
      out->append(value.data() + i, len);
      i += len;
    } else {
      AppendHexByte(c, out);
      ++i;
    }
  }
}

void AppendTextValue(TimestampUs v, bool, std::string* out) {
  if (v == 0) return;
  char buf[kIso8601Length];
  FormatIso8601(v, buf);
  out->append(buf, sizeof(buf));
}

void AppendTextValue(const IpAddress& v, bool, std::string* out) {
  char buf[kMaxIpTextLength];
  out->append(buf, v.Format(buf));
}

void AppendTextValue(uint64_t v, bool, std::string* out) {
  char buf[24];
  size_t pos = sizeof(buf);
  do {
    buf[--pos] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  out->append(buf + pos, sizeof(buf) - pos);
}

void QuoteCsvCell(size_t start, std::string* out) {
  size_t quotes = 0;
  bool special = false;
  for (size_t i = start; i < out->size(); ++i) {
    const char c = (*out)[i];
    if (c == '"') ++quotes;
    if (c == ',' || c == '"' || c == '\r' || c == '\n' || c == ';') special = true;
  }
  if (!special) return;
  // Grow once, then move the cell right to front, doubling quotes, from its end backwards.
  const size_t old_end = out->size();
  out->resize(old_end + quotes + 2);
  char* d = out->data();
  size_t w = out->size();
  d[--w] = '"';
  for (size_t r = old_end; r-- > start;) {
    d[--w] = d[r];
    if (d[r] == '"') d[--w] = '"';
  }
  d[--w] = '"';
}

}  // namespace detail

namespace {
template <typename R>
Status DecodeToCsv(std::string_view json_line, std::string* out) {
  thread_local R record;
  thread_local std::string site;
  Status s = DecodeJsonLine(json_line, &record, &site, nullptr);
  if (s.ok()) EncodeCsvLine(record, site, out);
  return s;
}
}  // namespace

Status JsonLineToCsv(StreamId stream, std::string_view json_line, std::string* out) {
  switch (stream) {
#define NW_CSV_CASE(Name, sname, FIELDS) \
  case StreamId::k##Name:                \
    return DecodeToCsv<Name##Record>(json_line, out);
    NW_STREAMS(NW_CSV_CASE)
#undef NW_CSV_CASE
  }
  return Status::InvalidArgument("stream", "unknown stream id");
}

std::string CsvHeader(StreamId stream) {
  switch (stream) {
#define NW_CSV_NAME(Type, name, doc) #name ","
#define NW_CSV_HEADER(Name, sname, FIELDS) \
  case StreamId::k##Name:                  \
    return FIELDS(NW_CSV_NAME) "site\n";
    NW_STREAMS(NW_CSV_HEADER)
#undef NW_CSV_HEADER
#undef NW_CSV_NAME
  }
  return "site\n";
}

}  // namespace netward::record
