// tests/fuzz/fuzz_json_record.cc: record/json_decoder.h on arbitrary lines. The first byte picks
// the stream, the rest is the line, in an exact-size buffer so that any overread trips ASan.
// Every input must decode or fail with InvalidArgument; and when it decodes:
//   * a line reported canonical is exactly what the encoder writes for the decoded record;
//   * the re-encoded line decodes again, is reported canonical, and re-encodes to itself
//     (encode(decode(L)) is a fixed point of encode . decode).
// The decoded record also goes through the CSV and table encoders, whose output must carry no
// control character (terminal escapes) but the line breaks CSV quotes. A violation aborts.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "record/csv_encoder.h"
#include "record/json_decoder.h"
#include "record/json_encoder.h"
#include "record/table_encoder.h"

namespace {
using namespace netward;
using namespace netward::record;

template <typename R>
void Check(std::string_view line) {
  R record;
  std::string site;
  bool canonical = false;
  Status s = DecodeJsonLine(line, &record, &site, &canonical);
  if (!s.ok()) {
    if (s.code() != Status::Code::kInvalidArgument || s.message().empty()) std::abort();
    return;
  }
  std::string once;
  EncodeJsonLine(record, site, &once);
  if (canonical) {
    std::string_view l = line;
    if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
    if (once.size() != l.size() + 1 || once.compare(0, l.size(), l) != 0) std::abort();
  }
  R again;
  std::string site_again;
  bool canonical_again = false;
  if (!DecodeJsonLine(once, &again, &site_again, &canonical_again).ok()) std::abort();
  if (!canonical_again) std::abort();
  std::string twice;
  EncodeJsonLine(again, site_again, &twice);
  if (twice != once) std::abort();
  std::string csv;
  EncodeCsvLine(record, site, &csv);
  for (size_t i = 0; i + 1 < csv.size(); ++i) {
    const auto c = static_cast<unsigned char>(csv[i]);
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) std::abort();
  }
  if (csv.empty() || csv.back() != '\n') std::abort();
  TableWriter table(TableHeaders(R::kStream), 12);
  table.AddRow(RecordCells(record, site));
  for (char ch : table.Render()) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n') || c == 0x7f) std::abort();
  }
  // The runtime-dispatch path agrees.
  std::string canon;
  bool was = false;
  if (!CanonicalizeJsonLine(R::kStream, line, &canon, &was).ok() || was != canonical ||
      canon != once) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t stream = data[0] % kStreamCount;
  const size_t n = size - 1;
  std::unique_ptr<char[]> buf(new char[n ? n : 1]);
  if (n) std::memcpy(buf.get(), data + 1, n);
  std::string_view line(buf.get(), n);
  switch (static_cast<StreamId>(stream)) {
#define NW_FUZZ_CASE(Name, sname, FIELDS) \
  case StreamId::k##Name:                 \
    Check<Name##Record>(line);            \
    break;
    NW_STREAMS(NW_FUZZ_CASE)
#undef NW_FUZZ_CASE
  }
  return 0;
}
