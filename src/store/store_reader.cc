#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <map>
#include <optional>

#include "store/block_codec.h"
#include "store/store.h"
#include "store/store_meta.h"
#include "store/stream_files.h"
#include "store/stream_snapshot.h"

namespace netward::store {
namespace {

// A group across --from/--to whose conditions left at most this many rows has each row's ts
// read alone (BlockReader::RowTime) instead of the group's ts decoded.
constexpr size_t kRowTimesAlone = 8;

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

// Integer and address conditions go through BlockReader::FilterEqual instead.
bool Matches(const Condition& c, BlockReader& r, uint32_t row) {
  switch (c.type) {
    case ColumnType::kTime:
      return r.TimeAt(c.column, row) == c.time;
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64:
    case ColumnType::kIp:
      return false;  // not asked
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

// What a stream's files look like now, cheaply (a few stat calls): when it changes, the reader
// takes a new snapshot. New segments, a rewritten WAL and a purge change the directory or the
// WAL; blocks appended to the last segment change its size.
struct FilesStamp {
  int64_t dir_mtime_ns = -1;
  int64_t wal_mtime_ns = -1;
  uint64_t wal_ino = 0;
  int64_t wal_size = -1;
  int64_t last_segment_size = -1;
  bool operator==(const FilesStamp&) const = default;
};

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

FilesStamp StampOf(const std::string& stream_dir, const std::string& last_segment) {
  FilesStamp f;
  struct stat st;
  if (::stat(stream_dir.c_str(), &st) == 0) f.dir_mtime_ns = MtimeNs(st);
  if (::stat((stream_dir + "/wal").c_str(), &st) == 0) {
    f.wal_mtime_ns = MtimeNs(st);
    f.wal_ino = st.st_ino;
    f.wal_size = st.st_size;
  }
  if (!last_segment.empty() && ::stat(last_segment.c_str(), &st) == 0) {
    f.last_segment_size = st.st_size;
  }
  return f;
}

// Per string value of one loaded group: does it match (equality or substring)?
void MatchValues(BlockReader& r, size_t column, uint32_t group,
                 const std::function<bool(std::string_view)>& test, std::vector<uint8_t>* out) {
  const uint32_t n = r.StringValueCount(column, group);
  out->resize(n);
  for (uint32_t k = 0; k < n; ++k) (*out)[k] = test(r.StringValue(column, group, k));
}

}  // namespace

class StoreReader::Impl {
 public:
  explicit Impl(std::string dir) : dir_(std::move(dir)) {}

  // A stream's snapshot with the parsed headers of its blocks (parsed on first use).
  struct View {
    std::unique_ptr<StreamSnapshot> snap;
    FilesStamp stamp;
    std::vector<std::shared_ptr<const BlockHeader>> headers;
  };

  // The stream's snapshot, taken again when its files changed since the last call.
  Result<View*> Current(record::StreamId stream) {
    auto& slot = views_[static_cast<size_t>(stream)];
    const std::string stream_dir = StreamDir(dir_, stream);
    if (slot) {
      const auto& segs = slot->snap->segments();
      if (StampOf(stream_dir, segs.empty() ? std::string() : segs.back().path) == slot->stamp) {
        return slot.get();
      }
    }
    // Stamp first: a change while the snapshot is taken makes the next call take another.
    std::vector<std::string> names;
    if (auto listed = ListSegments(stream_dir); listed.ok()) names = std::move(listed.value());
    FilesStamp stamp = StampOf(stream_dir, names.empty() ? std::string() : names.back());
    auto snap = StreamSnapshot::Open(dir_, stream);
    if (!snap.ok()) return snap.status();
    auto view = std::make_unique<View>();
    view->snap = std::move(snap.value());
    view->stamp = stamp;
    view->headers.resize(view->snap->blocks().size());
    dicts_[static_cast<size_t>(stream)].Retain(*view->snap);
    slot = std::move(view);
    return slot.get();
  }
  // Parses block b's header into the view's cache the first time it is needed (in place: its
  // filters stay in the mapped segment, which the view's snapshot keeps).
  static Status ParseHeaderOnce(View& view, size_t b) {
    if (view.headers[b]) return Status::OK();
    auto parsed = ParseBlockHeaderInPlace(view.snap->blocks()[b].bytes);
    if (!parsed.ok()) return parsed.status();
    view.headers[b] = std::make_shared<const BlockHeader>(std::move(parsed.value()));
    return Status::OK();
  }

  Result<StreamSnapshot*> Snapshot(record::StreamId stream) {
    auto view = Current(stream);
    if (!view.ok()) return view.status();
    return view.value()->snap.get();
  }

  Status Query(const QuerySpec& spec, const std::function<bool(uint64_t, std::string_view)>& emit);
  Result<std::vector<StreamStats>> Stats();
  Result<ColumnStats> Columns(record::StreamId stream);

 private:
  std::string dir_;
  std::array<std::unique_ptr<View>, record::kStreamCount> views_;
  // Per stream, its segments' subscriber dictionaries (kept across snapshots).
  std::array<SnapshotDictionaries, record::kStreamCount> dicts_;
};

Status StoreReader::Impl::Query(const QuerySpec& spec,
                                const std::function<bool(uint64_t, std::string_view)>& emit) {
  std::vector<Condition> conditions;
  for (const auto& [field, value] : spec.where) {
    auto c = MakeCondition(spec.stream, field, value);
    if (!c.ok()) return c.status();
    conditions.push_back(std::move(c.value()));
  }
  // Equality on both columns of a declared pair (or on a column declared alone, j == i): the
  // row groups' pair filters prune.
  std::vector<PairProbe> pair_probes;
  for (size_t i = 0; i < spec.where.size(); ++i) {
    for (size_t j = i; j < spec.where.size(); ++j) {
      PairProbe p = MakePairProbe(spec.stream, spec.where[i].first, spec.where[i].second,
                                  spec.where[j].first, spec.where[j].second);
      if (p.column_a >= 0) pair_probes.push_back(p);
    }
  }
  auto current = Current(spec.stream);
  if (!current.ok()) return current.status();
  View& view = *current.value();
  const size_t ts_col = static_cast<size_t>(ColumnIndex(spec.stream, "ts"));
  const bool by_time = spec.from != 0 || spec.to != 0;
  std::vector<size_t> text_columns;
  if (!spec.contains.empty()) {
    auto is_text = [&](size_t i) {
      ColumnType type = ColumnTypeOf(spec.stream, i);
      return type == ColumnType::kString || type == ColumnType::kStringList;
    };
    if (spec.contains_fields.empty()) {
      for (size_t i = 0; i + 1 < ColumnCount(spec.stream); ++i) {  // every text field but site
        if (is_text(i)) text_columns.push_back(i);
      }
    }
    for (const std::string& field : spec.contains_fields) {
      const int col = ColumnIndex(spec.stream, field);
      if (col < 0 || !is_text(static_cast<size_t>(col))) {
        std::string fields;
        for (size_t i = 0; i < ColumnCount(spec.stream); ++i) {
          if (!is_text(i)) continue;
          if (!fields.empty()) fields += ", ";
          fields += ColumnName(spec.stream, i);
        }
        return Status::InvalidArgument(
            "--in", "stream " + std::string(record::StreamName(spec.stream)) +
                        " has no text field \"" + field + "\"; its text fields: " + fields);
      }
      if (std::find(text_columns.begin(), text_columns.end(), static_cast<size_t>(col)) ==
          text_columns.end()) {
        text_columns.push_back(static_cast<size_t>(col));
      }
    }
  }
  auto in_range = [&](TimestampUs ts) { return ts >= spec.from && (spec.to == 0 || ts < spec.to); };
  // Per condition / text column: which of the group's string values match.
  std::vector<std::vector<uint8_t>> cond_values(conditions.size());
  std::vector<std::vector<uint8_t>> text_values(text_columns.size());
  // Conditions in the order rows are tested: integers, then addresses, then the rest.
  std::vector<size_t> order(conditions.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto rank = [](ColumnType t) {
    return t == ColumnType::kU16 || t == ColumnType::kU32 || t == ColumnType::kU64 ? 0
           : t == ColumnType::kIp                                                  ? 1
                                                                                   : 2;
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return rank(conditions[a].type) < rank(conditions[b].type);
  });
  std::vector<uint32_t> rows;  // of the group being read: those that may still match
  // Per String condition on a subscriber column and segment dictionary: DependentKeys.
  std::map<std::pair<size_t, const SubscriberDictionary*>, std::unique_ptr<std::vector<IpAddress>>>
      dependent_keys;
  std::map<std::pair<size_t, const SubscriberDictionary*>, uint64_t> keys_seq;  // built at
  uint64_t emitted = 0;
  std::string line;
  const std::vector<BlockRef>& blocks = view.snap->blocks();
  for (size_t b = 0; b < blocks.size(); ++b) {
    const BlockRef& ref = blocks[b];
    if (spec.to != 0 && ref.entry.min_ts >= spec.to) continue;
    if (spec.from != 0 && ref.entry.max_ts < spec.from) continue;
    if (Status st = ParseHeaderOnce(view, b); !st.ok()) return st;
    const BlockHeader& h = *view.headers[b];
    bool skip_block = false;
    for (const Condition& c : conditions) skip_block |= !h.MayContain(c.probe);
    if (skip_block) continue;
    std::unique_ptr<BlockReader> reader;  // opened for the first group that needs reading
    const SubscriberDictionary* block_dict = nullptr;
    for (uint32_t g = 0; g < h.groups.size(); ++g) {
      const uint32_t begin = std::max(h.GroupBegin(g), ref.first_row);
      const uint32_t end = h.GroupEnd(g);
      if (begin >= end) continue;
      const BlockHeader::Group& group = h.groups[g];
      if (spec.to != 0 && group.min_ts >= spec.to) continue;
      if (spec.from != 0 && group.max_ts < spec.from) continue;
      bool skip_group = false;
      for (const PairProbe& p : pair_probes) skip_group |= !h.GroupMayContain(p, g);
      for (const Condition& c : conditions) {
        if (c.type == ColumnType::kU16 || c.type == ColumnType::kU32 ||
            c.type == ColumnType::kU64) {
          skip_group |= !h.GroupMayHold(c.column, g, c.number);
        }
      }
      if (skip_group) continue;
      if (!reader) {
        // Only a block with implicit rows needs its segment's dictionary (built on first use).
        Result<const SubscriberDictionary*> dict = nullptr;
        if (h.has_implicit_rows())
          dict = dicts_[static_cast<size_t>(spec.stream)].For(*view.snap, b);
        if (!dict.ok()) return dict.status();
        block_dict = dict.value();
        auto opened = BlockReader::Open(view.headers[b], ref.bytes, dict.value());
        if (!opened.ok()) return opened.status();
        reader = std::move(opened.value());
      }
      BlockReader& r = *reader;
      const bool check_time = by_time && !(in_range(group.min_ts) && in_range(group.max_ts));
      // A group across --from/--to with an integer or address condition (a point search): the
      // condition is tested on the whole group first (the packed chunk's plain scan), and the
      // time range on the few rows left, each row's ts read alone; many rows left: the ts group
      // decoded, as otherwise.
      const bool time_last =
          check_time && ts_col == 0 && !order.empty() && rank(conditions[order[0]].type) <= 1;
      if (check_time && !time_last) {
        if (Status st = r.LoadGroup(ts_col, g); !st.ok()) return st;
      }
      // The group's rows in the time range, narrowed condition by condition (the cheapest
      // first); a condition's column is read only while rows remain.
      rows.clear();
      for (uint32_t row = begin; row < end; ++row) {
        if (!check_time || time_last || in_range(r.TimeAt(ts_col, row))) rows.push_back(row);
      }
      for (size_t i : order) {
        if (rows.empty()) break;
        const Condition& c = conditions[i];
        if (c.type == ColumnType::kString && block_dict && r.IsResolved(c.column) &&
            h.has_implicit_rows()) {
          // A subscriber column: the explicit rows as stored, the implicit ones by their key
          // (the keys that ever held the value in this segment), without resolving the group.
          auto& keys = dependent_keys[{i, block_dict}];
          if (!keys || keys_seq[{i, block_dict}] != block_dict->end_seq()) {
            keys_seq[{i, block_dict}] = block_dict->end_seq();
            keys = std::make_unique<std::vector<IpAddress>>(
                BlockReader::DependentKeys(spec.stream, *block_dict, c.column, c.text));
          }
          if (Status st = r.FilterDependent(c.column, g, c.text, *keys, &rows); !st.ok()) {
            return st;
          }
          continue;
        }
        if (c.type == ColumnType::kIp || c.type == ColumnType::kU16 || c.type == ColumnType::kU32 ||
            c.type == ColumnType::kU64) {
          // Packed chunks are searched packed (BlockReader::FilterEqual).
          Status st = c.type == ColumnType::kIp
                          ? r.FilterEqual(c.column, g, c.ip_unset ? IpAddress() : c.ip, &rows)
                          : r.FilterEqual(c.column, g, c.number, &rows);
          if (!st.ok()) return st;
          continue;
        }
        if (Status st = r.LoadGroup(c.column, g); !st.ok()) return st;
        size_t kept = 0;
        if (c.type == ColumnType::kString) {
          MatchValues(
              r, c.column, g, [&](std::string_view v) { return v == c.text; }, &cond_values[i]);
          for (uint32_t row : rows) {
            if (cond_values[i][r.StringIdAt(c.column, row)] != 0) rows[kept++] = row;
          }
        } else {
          for (uint32_t row : rows) {
            if (Matches(c, r, row)) rows[kept++] = row;
          }
        }
        rows.resize(kept);
      }
      if (time_last && !rows.empty()) {
        size_t kept = 0;
        if (rows.size() <= kRowTimesAlone) {
          for (uint32_t row : rows) {
            TimestampUs ts = 0;
            if (Status st = r.RowTime(row, &ts); !st.ok()) return st;
            if (in_range(ts)) rows[kept++] = row;
          }
        } else {
          if (Status st = r.LoadGroup(ts_col, g); !st.ok()) return st;
          for (uint32_t row : rows) {
            if (in_range(r.TimeAt(ts_col, row))) rows[kept++] = row;
          }
        }
        rows.resize(kept);
      }
      if (rows.empty()) continue;
      for (size_t i = 0; i < text_columns.size(); ++i) {
        if (Status st = r.LoadGroup(text_columns[i], g); !st.ok()) return st;
        if (ColumnTypeOf(spec.stream, text_columns[i]) == ColumnType::kString) {
          MatchValues(
              r, text_columns[i], g, [&](std::string_view v) { return Contains(v, spec.contains); },
              &text_values[i]);
        }
      }
      if (!text_columns.empty()) {
        size_t kept = 0;
        for (uint32_t row : rows) {
          bool found = false;
          for (size_t i = 0; i < text_columns.size() && !found; ++i) {
            const size_t col = text_columns[i];
            if (ColumnTypeOf(spec.stream, col) == ColumnType::kString) {
              found = text_values[i][r.StringIdAt(col, row)] != 0;
            } else {
              for (uint32_t k = 0; k < r.ListSize(col, row) && !found; ++k) {
                found = Contains(r.StringListAt(col, row, k), spec.contains);
              }
            }
          }
          if (found) rows[kept++] = row;
        }
        rows.resize(kept);
      }
      // Few rows are read straight from the chunks, many from the group decoded whole.
      r.ExpectRows(g, rows.size());
      for (uint32_t row : rows) {
        line.clear();
        Status st = r.AppendJsonLine(row, &line);
        if (!st.ok()) return st;
        if (!line.empty() && line.back() == '\n') line.pop_back();
        if (!emit(ref.entry.first_seq + row, line)) return Status::OK();
        if (spec.limit != 0 && ++emitted >= spec.limit) return Status::OK();
      }
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

Result<ColumnStats> StoreReader::Impl::Columns(record::StreamId stream) {
  auto current = Current(stream);
  if (!current.ok()) return current.status();
  View& view = *current.value();
  ColumnStats out;
  out.stream = stream;
  out.columns.resize(ColumnCount(stream));
  for (size_t c = 0; c < out.columns.size(); ++c) {
    out.columns[c].name = std::string(ColumnName(stream, c));
  }
  const std::vector<BlockRef>& blocks = view.snap->blocks();
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (Status st = ParseHeaderOnce(view, b); !st.ok()) return st;
    const BlockHeader& h = *view.headers[b];
    ++out.blocks;
    out.records += h.count;
    out.header_bytes += h.header_bytes;
    out.bloom_bytes += h.bloom.size();
    for (const BlockHeader::Chunk& map : h.explicit_maps)
      out.explicit_map_bytes += map.stored_bytes;
    for (size_t c = 0; c < h.columns.size() && c < out.columns.size(); ++c) {
      out.columns[c].stored_bytes += h.columns[c].stored_bytes;
      out.columns[c].raw_bytes += h.columns[c].raw_bytes;
      if (h.columns[c].flags & 1) ++out.columns[c].blocks_in_bloom;
    }
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

Result<ColumnStats> StoreReader::Columns(record::StreamId stream) { return impl_->Columns(stream); }

}  // namespace netward::store
