#include <cstring>
#include <optional>

#include "store/block_codec.h"
#include "store/store.h"
#include "store/store_meta.h"
#include "store/stream_files.h"
#include "store/stream_snapshot.h"

namespace netward::store {
namespace {

// One `--where FIELD=VALUE`, parsed for the column's type.
struct Condition {
  size_t column = 0;
  ColumnType type{};
  std::string field;
  std::string text;  // as given
  uint64_t number = 0;
  TimestampUs time = 0;
  IpAddress ip;
  bool ip_unset = false;
  BloomProbe probe;  // prepared once for every block's Bloom filter
};

Result<Condition> MakeCondition(record::StreamId stream, const std::string& field,
                                const std::string& value) {
  int col = ColumnIndex(stream, field);
  if (col < 0) {
    std::string fields;
    for (size_t i = 0; i < ColumnCount(stream); ++i) {
      if (i) fields += ", ";
      fields += ColumnName(stream, i);
    }
    return Status::InvalidArgument("--where", "stream " + std::string(record::StreamName(stream)) +
                                                  " has no field \"" + field +
                                                  "\"; its fields: " + fields);
  }
  Condition c;
  c.column = static_cast<size_t>(col);
  c.type = ColumnTypeOf(stream, c.column);
  c.probe = MakeBloomProbe(stream, field, value);
  c.field = field;
  c.text = value;
  switch (c.type) {
    case ColumnType::kTime: {
      if (value.empty()) break;
      auto t = ParseIso8601(value);
      if (!t) return Status::InvalidArgument("--where " + field, "not an ISO-8601 time: " + value);
      c.time = *t;
      break;
    }
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64:
    case ColumnType::kU32List: {
      char* end = nullptr;
      errno = 0;
      c.number = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || errno != 0 || value[0] == '-') {
        return Status::InvalidArgument("--where " + field, "not a number: " + value);
      }
      break;
    }
    case ColumnType::kIp: {
      if (value.empty()) {
        c.ip_unset = true;
        break;
      }
      auto ip = IpAddress::Parse(value);
      if (!ip) return Status::InvalidArgument("--where " + field, "not an IP address: " + value);
      c.ip = *ip;
      break;
    }
    default:
      break;
  }
  return c;
}

bool Matches(const Condition& c, BlockReader& r, uint32_t row) {
  switch (c.type) {
    case ColumnType::kTime:
      return r.TimeAt(c.column, row) == c.time;
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64:
      return r.UintAt(c.column, row) == c.number;
    case ColumnType::kIp:
      return c.ip_unset ? r.IpAt(c.column, row) == IpAddress() : r.IpAt(c.column, row) == c.ip;
    case ColumnType::kString:
      return r.StringAt(c.column, row) == c.text;
    case ColumnType::kStringList:
      for (uint32_t i = 0; i < r.ListSize(c.column, row); ++i) {
        if (r.StringListAt(c.column, row, i) == c.text) return true;
      }
      return false;
    case ColumnType::kU32List:
      for (uint32_t i = 0; i < r.ListSize(c.column, row); ++i) {
        if (r.U32ListAt(c.column, row, i) == c.number) return true;
      }
      return false;
  }
  return false;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  return memmem(haystack.data(), haystack.size(), needle.data(), needle.size()) != nullptr;
}

}  // namespace

class StoreReader::Impl {
 public:
  explicit Impl(std::string dir) : dir_(std::move(dir)) {}

  Result<StreamSnapshot*> Snapshot(record::StreamId stream) {
    auto& slot = snapshots_[static_cast<size_t>(stream)];
    if (!slot) {
      auto snap = StreamSnapshot::Open(dir_, stream);
      if (!snap.ok()) return snap.status();
      slot = std::move(snap.value());
    }
    return slot.get();
  }

  Status Query(const QuerySpec& spec, const std::function<bool(uint64_t, std::string_view)>& emit);
  Result<std::vector<StreamStats>> Stats();

 private:
  std::string dir_;
  std::array<std::unique_ptr<StreamSnapshot>, record::kStreamCount> snapshots_;
};

Status StoreReader::Impl::Query(const QuerySpec& spec,
                                const std::function<bool(uint64_t, std::string_view)>& emit) {
  std::vector<Condition> conditions;
  for (const auto& [field, value] : spec.where) {
    auto c = MakeCondition(spec.stream, field, value);
    if (!c.ok()) return c.status();
    conditions.push_back(std::move(c.value()));
  }
  auto snap = Snapshot(spec.stream);
  if (!snap.ok()) return snap.status();
  const size_t ts_col = static_cast<size_t>(ColumnIndex(spec.stream, "ts"));
  const bool by_time = spec.from != 0 || spec.to != 0;
  std::vector<size_t> text_columns;
  if (!spec.contains.empty()) {
    for (size_t i = 0; i + 1 < ColumnCount(spec.stream); ++i) {  // every text field but site
      ColumnType type = ColumnTypeOf(spec.stream, i);
      if (type == ColumnType::kString || type == ColumnType::kStringList) {
        text_columns.push_back(i);
      }
    }
  }
  uint64_t emitted = 0;
  std::string line;
  for (const BlockRef& ref : snap.value()->blocks()) {
    if (spec.to != 0 && ref.entry.min_ts >= spec.to) continue;
    if (spec.from != 0 && ref.entry.max_ts < spec.from) continue;
    auto reader = BlockReader::Open(ref.bytes);
    if (!reader.ok()) return reader.status();
    BlockReader& r = *reader.value();
    bool skip = false;
    for (const Condition& c : conditions) {
      if (!r.header().MayContain(c.probe)) skip = true;
    }
    if (skip) continue;
    if (by_time) {
      Status st = r.LoadColumn(ts_col);
      if (!st.ok()) return st;
    }
    for (const Condition& c : conditions) {
      Status st = r.LoadColumn(c.column);
      if (!st.ok()) return st;
    }
    for (size_t col : text_columns) {
      Status st = r.LoadColumn(col);
      if (!st.ok()) return st;
    }
    for (uint32_t row = ref.first_row; row < ref.entry.count; ++row) {
      if (by_time) {
        TimestampUs ts = r.TimeAt(ts_col, row);
        if (ts < spec.from || (spec.to != 0 && ts >= spec.to)) continue;
      }
      bool ok = true;
      for (const Condition& c : conditions) {
        if (!Matches(c, r, row)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (!text_columns.empty()) {
        bool found = false;
        for (size_t col : text_columns) {
          if (ColumnTypeOf(spec.stream, col) == ColumnType::kString) {
            found = Contains(r.StringAt(col, row), spec.contains);
          } else {
            for (uint32_t i = 0; i < r.ListSize(col, row) && !found; ++i) {
              found = Contains(r.StringListAt(col, row, i), spec.contains);
            }
          }
          if (found) break;
        }
        if (!found) continue;
      }
      line.clear();
      Status st = r.AppendJsonLine(row, &line);
      if (!st.ok()) return st;
      if (!line.empty() && line.back() == '\n') line.pop_back();
      if (!emit(ref.entry.first_seq + row, line)) return Status::OK();
      if (spec.limit != 0 && ++emitted >= spec.limit) return Status::OK();
    }
  }
  return Status::OK();
}

Result<std::vector<StreamStats>> StoreReader::Impl::Stats() {
  std::vector<StreamStats> out;
  for (size_t i = 0; i < record::kStreamCount; ++i) {
    auto stream = static_cast<record::StreamId>(i);
    auto snap = Snapshot(stream);
    if (!snap.ok()) return snap.status();
    const StreamSnapshot& s = *snap.value();
    StreamStats st;
    st.stream = stream;
    st.tree_size = s.end_seq();
    st.purged = s.purged().upto_seq;
    st.records = st.tree_size - st.purged;
    st.bytes_on_disk = s.bytes_on_disk();
    st.segments = s.segments().size();
    bool first = true;
    for (const BlockRef& b : s.blocks()) {
      if (first || b.entry.min_ts < st.oldest) st.oldest = b.entry.min_ts;
      if (first || b.entry.max_ts > st.newest) st.newest = b.entry.max_ts;
      first = false;
    }
    auto notes = LoadCheckpointNotes(s.dir());
    if (notes.ok()) st.checkpoints = notes->size();
    out.push_back(st);
  }
  return out;
}

StoreReader::StoreReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StoreReader::~StoreReader() = default;

Result<std::unique_ptr<StoreReader>> StoreReader::Open(const std::string& dir) {
  auto meta = LoadMeta(dir);
  if (!meta.ok()) return meta.status();
  return std::unique_ptr<StoreReader>(new StoreReader(std::make_unique<Impl>(dir)));
}

Status StoreReader::Query(const QuerySpec& spec,
                          const std::function<bool(uint64_t, std::string_view)>& emit) {
  return impl_->Query(spec, emit);
}

Result<std::vector<StreamStats>> StoreReader::Stats() { return impl_->Stats(); }

}  // namespace netward::store
