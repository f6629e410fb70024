// tests/fuzz/fuzz_block.cc: the store's block reader (src/store/block_codec.h) on arbitrary
// bytes. Each input is opened twice: as a block (header checksum and column checksums checked)
// and with OpenUnverifiedForFuzzing, which skips the checksums so that mutated columns reach the
// decoders. Every column is loaded and, where all load, the first rows are turned into JSON;
// the search structures are probed and checked against the rows (CheckFilters).
// Then once more, both ways, with a subscriber dictionary (fuzz_block_dict.h), so that implicit
// rows are resolved, and the block's explicit rows are added to a dictionary of its own.
// Rows alone on fresh readers and whole groups searched by FilterEqual must agree with a whole
// decode (ExerciseAlone).
// Never a crash, an over-read (the input sits in an exact-size buffer) or an error that is not
// Corruption/NotSupported. Seeds: small valid blocks (tests/fuzz/seeds/block/, written by
// netward_store_tests --gtest_also_run_disabled_tests --gtest_filter=*WriteFuzzSeeds).
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_block_dict.h"
#include "store/block_codec.h"

namespace {

using netward::Status;
using namespace netward::store;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool IsDamageCode(const Status& s) {
  return s.code() == Status::Code::kCorruption || s.code() == Status::Code::kNotSupported;
}

void Exercise(BlockReader& reader) {
  const BlockHeader& h = reader.header();
  const size_t columns = ColumnCount(h.stream);
  Check(h.columns.size() == columns);
  bool all = true;
  for (size_t c = 0; c < columns; ++c) {
    uint32_t bad_row = 0;
    Status s = reader.LoadColumn(c, &bad_row);
    if (!s.ok()) {
      Check(s.code() == Status::Code::kCorruption);
      Check(bad_row == UINT32_MAX || bad_row < h.count);
      all = false;
      continue;
    }
    const uint32_t rows = h.count < 64 ? h.count : 64;
    for (uint32_t r = 0; r < rows; ++r) {
      switch (ColumnTypeOf(h.stream, c)) {
        case ColumnType::kTime:
          (void)reader.TimeAt(c, r);
          break;
        case ColumnType::kU16:
        case ColumnType::kU32:
        case ColumnType::kU64:
          (void)reader.UintAt(c, r);
          break;
        case ColumnType::kIp:
          (void)reader.IpAt(c, r);
          break;
        case ColumnType::kString:
          (void)reader.StringAt(c, r);
          break;
        case ColumnType::kStringList:
          for (uint32_t i = 0; i < reader.ListSize(c, r); ++i) (void)reader.StringListAt(c, r, i);
          break;
        case ColumnType::kU32List:
          for (uint32_t i = 0; i < reader.ListSize(c, r); ++i) (void)reader.U32ListAt(c, r, i);
          break;
      }
    }
  }
  Check(!reader.LoadColumn(columns).ok());  // out of range: InvalidArgument, no crash
  std::string line;
  const uint32_t rows = h.count < 256 ? h.count : 256;
  for (uint32_t r = 0; r < rows; ++r) {
    line.clear();
    Status s = reader.AppendJsonLine(r, &line);
    Check(s.ok() == all);
    if (s.ok()) Check(line.size() >= 3 && line.front() == '{' && line.back() == '\n');
  }
  for (const char* field : {"src_ip", "dst_port", "host", "query", "sni", "mac", "ts", "x"}) {
    (void)h.MayContain(field, "10.0.0.1");
    (void)h.MayContain(field, "443");
  }
  // Zone maps and pair filters of every group; then verify's check of all the filters.
  const PairProbe pair = MakePairProbe(h.stream, "outside_ip", "203.0.113.7", "outside_port", "80");
  for (uint32_t g = 0; g < h.groups.size(); ++g) {
    (void)h.GroupMayContain(pair, g);
    for (size_t c = 0; c < columns; ++c) (void)h.GroupMayHold(c, g, 80);
  }
  uint32_t bad_row = 0;
  Status s = reader.CheckFilters(&bad_row);
  if (all) {
    Check(s.ok() || (s.code() == Status::Code::kCorruption && bad_row < h.count));
  } else {
    Check(s.code() == Status::Code::kCorruption);
  }
  SubscriberDictionary own;
  s = own.AddBlock(reader);
  Check(s.ok() || s.code() == Status::Code::kCorruption);
  if (s.ok() && h.has_implicit_rows()) Check(own.keys() <= h.count);
}

// Rows alone, each on a fresh reader (AppendJsonLine reads them straight from the chunks'
// bytes; RowTime their ts), and whole row groups searched by FilterEqual (packed chunks in place):
// never a crash; where the block decodes whole, the same lines and rows as the decoded values give.
void ExerciseAlone(std::string_view bytes) {
  auto whole = BlockReader::OpenUnverifiedForFuzzing(bytes);
  if (!whole.ok()) return;
  const BlockHeader& h = (*whole)->header();
  const size_t columns = ColumnCount(h.stream);
  bool all = true;
  for (size_t c = 0; c < columns; ++c) all &= (*whole)->LoadColumn(c).ok();
  const uint32_t rows = h.count < 64 ? h.count : 64;
  std::string alone, decoded;
  for (uint32_t r = 0; r < rows; r += 5) {
    auto fresh = BlockReader::OpenUnverifiedForFuzzing(bytes);
    Check(fresh.ok());
    alone.clear();
    Status s = (*fresh)->AppendJsonLine(r, &alone);
    Check(s.ok() || IsDamageCode(s));
    if (all) {
      decoded.clear();
      Check((*whole)->AppendJsonLine(r, &decoded).ok());
      Check(s.ok() && alone == decoded);
    }
    // The row's ts alone (a point search's time test): the decoded ts.
    auto timed = BlockReader::OpenUnverifiedForFuzzing(bytes);
    Check(timed.ok());
    netward::TimestampUs ts = 0;
    s = (*timed)->RowTime(r, &ts);
    if (columns == 0 || ColumnTypeOf(h.stream, 0) != ColumnType::kTime) {
      Check(s.code() == Status::Code::kInvalidArgument);
    } else {
      Check(s.ok() || IsDamageCode(s));
      if (all) Check(s.ok() && ts == (*whole)->TimeAt(0, r));
    }
  }
  for (uint32_t g = 0; g < h.groups.size() && g < 4; ++g) {
    const uint32_t begin = h.GroupBegin(g), end = h.GroupEnd(g);
    for (size_t c = 0; c < columns; ++c) {
      const ColumnType type = ColumnTypeOf(h.stream, c);
      const bool ip = type == ColumnType::kIp;
      if (!ip && type != ColumnType::kU16 && type != ColumnType::kU32 && type != ColumnType::kU64)
        continue;
      auto fresh = BlockReader::OpenUnverifiedForFuzzing(bytes);
      Check(fresh.ok());
      std::vector<uint32_t> got;
      for (uint32_t r = begin; r < end; ++r) got.push_back(r);
      std::vector<uint32_t> want;
      Status s;
      if (ip) {
        const netward::IpAddress target =
            all ? (*whole)->IpAt(c, end - 1) : netward::IpAddress::FromV4HostOrder(0x0a000001);
        s = (*fresh)->FilterEqual(c, g, target, &got);
        if (all) {
          for (uint32_t r = begin; r < end; ++r)
            if ((*whole)->IpAt(c, r) == target) want.push_back(r);
        }
      } else {
        const uint64_t target = all ? (*whole)->UintAt(c, end - 1) : 443;
        s = (*fresh)->FilterEqual(c, g, target, &got);
        if (all) {
          for (uint32_t r = begin; r < end; ++r)
            if ((*whole)->UintAt(c, r) == target) want.push_back(r);
        }
      }
      Check(s.ok() || IsDamageCode(s));
      if (all) Check(s.ok() && got == want);
    }
  }
}

const SubscriberDictionary& Dictionary() {
  static const SubscriberDictionary* dict = [] {
    auto* d = new SubscriberDictionary();
    fuzz::BuildFuzzDictionary(d);
    return d;
  }();
  return *dict;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto copy = std::make_unique<char[]>(size ? size : 1);
  if (size) std::memcpy(copy.get(), data, size);
  const std::string_view bytes(copy.get(), size);

  auto sizes = PeekBlockSizes(bytes);
  auto header = ParseBlockHeader(bytes);
  if (!header.ok()) Check(IsDamageCode(header.status()));
  if (header.ok()) Check(sizes.ok() && sizes->header_bytes == header->header_bytes);

  auto reader = BlockReader::Open(bytes);
  if (reader.ok()) {
    Exercise(**reader);
  } else {
    Check(IsDamageCode(reader.status()));
  }
  auto unverified = BlockReader::OpenUnverifiedForFuzzing(bytes);
  if (unverified.ok()) {
    Exercise(**unverified);
    ExerciseAlone(bytes);
  } else {
    Check(IsDamageCode(unverified.status()));
  }
  if (header.ok() && header->has_implicit_rows()) {
    auto rows = BlockReader::Open(bytes, &Dictionary());  // JSON lines of unresolved groups
    if (rows.ok()) {
      std::string line;
      const uint32_t n = header->count < 64 ? header->count : 64;
      for (uint32_t r = 0; r < n; r += 7) {
        Status s = (*rows)->AppendJsonLine(r, &line);
        Check(s.ok() || s.code() == Status::Code::kCorruption);
      }
    }
    auto resolved = BlockReader::Open(bytes, &Dictionary());
    if (resolved.ok()) Exercise(**resolved);
    auto resolved_unverified = BlockReader::OpenUnverifiedForFuzzing(bytes, &Dictionary());
    if (resolved_unverified.ok()) Exercise(**resolved_unverified);
  }
  return 0;
}
