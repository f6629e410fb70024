// src/record/json_encoder.h: encodes one record as one JSON line (Zeek-style JSON logs).
// Field order is the schema's; every field is always present ("", 0, [] when unknown; a Time of 0
// means unknown and is written ""),
// so consumers see stable keys. `site` is appended last.
//
// Strings are bytes from the wire. Valid UTF-8 passes through; control characters become \uXXXX;
// a byte that is not part of valid UTF-8 is written as the six characters \\xNN (a literal
// backslash, 'x', two hex digits), as Zeek does, so the output is always valid UTF-8 JSON.
// Appends to `out`; allocates only when `out` must grow. Thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "record/schema.h"

namespace netward::record {

namespace detail {
// Length of the valid UTF-8 sequence at s[0] (n > 0 bytes available), or 0 if it is not valid
// (overlong, surrogate, above U+10FFFF, truncated): the bytes written as \\xNN.
size_t Utf8SequenceLength(const unsigned char* s, size_t n);
void AppendJsonString(std::string_view value, std::string* out);
void AppendTime(TimestampUs ts, std::string* out);
void AppendIp(const IpAddress& ip, std::string* out);
void AppendUnsigned(uint64_t value, std::string* out);

inline void AppendValue(const TimestampUs& v, std::string* out) { AppendTime(v, out); }
inline void AppendValue(const std::string& v, std::string* out) { AppendJsonString(v, out); }
inline void AppendValue(const IpAddress& v, std::string* out) { AppendIp(v, out); }
inline void AppendValue(const uint16_t& v, std::string* out) { AppendUnsigned(v, out); }
inline void AppendValue(const uint32_t& v, std::string* out) { AppendUnsigned(v, out); }
inline void AppendValue(const uint64_t& v, std::string* out) { AppendUnsigned(v, out); }
template <typename T>
void AppendValue(const std::vector<T>& v, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out->push_back(',');
    AppendValue(v[i], out);
  }
  out->push_back(']');
}
}  // namespace detail

// Appends `{"ts":...,...,"site":"..."}\n` to `out`.
template <typename R>
void EncodeJsonLine(const R& record, std::string_view site, std::string* out) {
  char sep = '{';
  record.ForEachField([&](std::string_view name, const auto& value) {
    out->push_back(sep);
    sep = ',';
    out->push_back('"');
    out->append(name);
    out->append("\":");
    detail::AppendValue(value, out);
  });
  out->append(",\"site\":");
  detail::AppendJsonString(site, out);
  out->append("}\n");
}

}  // namespace netward::record
