// src/store/block_codec.cc: the column table of each stream and the block writer
// (block_codec.h; the reader is block_reader.cc).
//
// Block layout (little endian; docs/store-format.md "Block format" is the reference, the offsets
// are named in store/block_format.h):
//
//   offset size  field
//   0      4     magic "NWB1"
//   4      1     version = 5
//   5      1     stream id (record::StreamId)
//   6      2     column count C (the stream's schema fields + site)
//   8      4     schema fingerprint: low 32 bits of Hash64 over every column's name, a 0 byte
//                and its ColumnType byte, in column order
//   12     4     record count N (<= kMaxBlockRecords)
//   16     4     header bytes H (this header, checksum included)
//   20     4     total bytes: H + the stored bytes of every chunk
//   24     8     first_seq
//   32     8     min_ts   (of column 0, the stream's ts; 0 when N = 0)
//   40     8     max_ts
//   48     1     s: the rows are in G = ceil(N / 2^s) row groups of 2^s rows (the last shorter)
//   49     16*G  per group: i64 min_ts, i64 max_ts
//          17*C  per column: u8 flags (1: values in the Bloom filter), u64 sum0, u64 sum1
//                (locator checksums over all N rows, below)
//          17*CG per chunk (column c, group g; c major): u8 codec (0 raw, 1 zstd, 2 packed),
//                u32 stored bytes, u32 raw bytes, u64 stored hash (Hash64 of the stored bytes,
//                seed "NWB1STOR": covers even bytes that zstd ignores)
//          1     Bloom hash count k (8)
//          4     Bloom bit count m (a multiple of 512; 0 = no filter)
//          m/8   Bloom bits
//          16*G  per zoned column: per group u64 min, u64 max
//          ...   pair filters (block_format.h)
//          1     subscriber mode: 0 every row stored; 1 implicit rows, then u8 key column,
//                u8 n, n dependent columns, 17*G chunk entries of the explicit-row maps
//   H-8    8     header checksum: Hash64(bytes [0, H-8), seed "NWB1HDRS")
//   H      ...   the chunks' stored bytes, in chunk-entry order; then the maps' (mode 1)
//
// Subscriber columns (mode 1): a dependent column's chunk holds only its group's explicit rows;
// an implicit row's values are the segment dictionary's tuple of its key as of this block
// (SubscriberDictionary). Checksums, the Bloom filter, zone maps and pair filters are over every
// row's values, resolved.
//
// Chunk encodings, row after row; each chunk decodes on its own (varints are LEB128 in their
// shortest form):
//   Time        ts: zigzag varint of the delta to the previous row (the group's first row: to 0);
//               a later Time column (end_ts): a mode byte, then zigzag varints of the delta to
//               the row's ts (1) or, when that halves the chunk (unset times), to the row before
//               (0)
//   U16/32/64   varint
//   Ip          family byte (0 unset, 4, 6) + 4 or 16 address bytes
//   String      a layout byte, then inline (0): per row a varint tag: 0 = a new value follows
//               (varint length + bytes); k >= 1 = the same value as the k-th new value of this
//               chunk; or transposed (1, when >= 2 new values all have one length L): varint L,
//               varint count n, the row tags, then byte j of every new value for j < L
//   StringList  varint count + elements (varint length + bytes); U32List: varint count + varints
// A chunk is stored as one zstd frame, or raw when compression does not make it smaller; a
// Time, integer or Ip chunk is stored packed (int_codec.h: frame of reference, common stride,
// bit packing of per-row codes) instead when that is smaller still.
//
// Locator checksums: h_i = (value hash of row i) mod p, p = 2^61 - 1 (value hashes:
// block_format.h). sum0 = sum h_i, sum1 = sum (i + 1) h_i (mod p). If one row changed,
// (i + 1) = d1 / d0 (mod p).
//
// Bloom keys: BloomKey(value hash, column) of each value of an indexed column (each element of
// a list), ~7 bits per distinct key; a u16 column with over 16384 distinct values in the block is
// left out (a filter over most of a 65536-value domain prunes little) and its flag says so.
#include "store/block_codec.h"

#include <zstd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>

#include "store/block_columns.h"
#include "store/block_format.h"
#include "store/bloom_filter.h"
#include "store/hash64.h"
#include "store/int_codec.h"
#include "store/same_key_rows.h"
#include "store/varint.h"

namespace netward::store {
namespace bf = block_format;
using block_columns::ColumnDef;
using block_columns::Info;
using block_columns::StreamInfo;
using record::StreamId;

// ---- The schema as columns. ----

namespace block_columns {
namespace {

#define NW_COLUMN_DEF(Type, name, doc) ColumnDef{#name, ColumnType::k##Type},
#define NW_STREAM_COLUMNS(Name, sname, FIELDS)                    \
  constexpr ColumnDef k##Name##Columns[] = {FIELDS(NW_COLUMN_DEF) \
                                                ColumnDef{"site", ColumnType::kString}};
NW_STREAMS(NW_STREAM_COLUMNS)
#undef NW_STREAM_COLUMNS
#undef NW_COLUMN_DEF

// Besides every Ip column: the fields whose equality searches the Bloom filter prunes.
constexpr std::string_view kIndexedNames[] = {
    "src_port",  "dst_port",   "nat_port",  "inside_port", "outside_port", "remote_port",
    "account",   "calling_id", "mac",       "host",        "sni",          "query",
    "auth_user", "user",       "mail_from", "session_id"};

// Pairs of columns whose row groups carry pair filters (block_format.h): the equality searches
// on both that the block Bloom filter cannot prune (each value alone is in most blocks).
// b_shift: an integer column b enters the keys as its value >> b_shift, so that rows whose
// values share a bucket of 2^b_shift share a key: a NAT gateway hands out consecutive ports of
// a subscriber's port block, so a group holds ~1/8 as many (address, port / 16) pairs as rows,
// and the filter is sized by its distinct keys; a search then reads the groups holding the
// port's bucket, which, random ports aside, are those of the same subscriber's mappings.
struct PairDef {
  StreamId stream;
  std::string_view a, b;
  uint8_t b_shift = 0;
};
// A pair of one column with itself is a row-group filter of that column alone: login by ip (a
// trace's second step), where every block holds most subscribers' addresses.
constexpr PairDef kPairDefs[] = {{StreamId::kNat, "outside_ip", "outside_port", 4},
                                 {StreamId::kLogin, "ip", "ip", 0}};

// Subscriber columns (block_codec.h): a key column and the columns that depend on it. The probe
// fills these from the identity index by the client address, so within a day they repeat per
// subscriber; a segment stores each subscriber's values once, and again only when they change.
struct SubscriberDef {
  StreamId stream;
  std::string_view key;
  std::string_view dependent[bf::kMaxDependentColumns];
};
constexpr SubscriberDef kSubscriberDefs[] = {
    {StreamId::kSession, "src_ip", {"nat_ip", "vlan", "mac", "account", "calling_id"}},
    {StreamId::kDns, "src_ip", {"nat_ip", "mac", "account", "calling_id"}},
    {StreamId::kHttp, "src_ip", {"nat_ip", "mac", "account", "calling_id"}},
    {StreamId::kTls, "src_ip", {"nat_ip", "mac", "account", "calling_id"}},
    {StreamId::kMail, "src_ip", {"nat_ip", "mac", "account", "calling_id"}},
};

// Key-relative columns (block_columns.h): a key column and the integer or Ip columns coded from
// the last earlier row of the row group with the same key. A NAT gateway's log: one inside
// address's mappings share its outside address, take consecutive ports of its port block,
// often consecutive inside ports, and the same remote peer, while other addresses' mappings
// come in between. Neither column may be a subscriber column.
struct RelativeDef {
  StreamId stream;
  std::string_view key;
  std::string_view columns[6];
};
constexpr RelativeDef kRelativeDefs[] = {
    {StreamId::kNat,
     "inside_ip",
     {"inside_port", "outside_ip", "outside_port", "remote_ip", "remote_port"}},
};

std::array<StreamInfo, record::kStreamCount> BuildStreamInfos() {
  std::array<StreamInfo, record::kStreamCount> infos;
  size_t s = 0;
#define NW_STREAM_INFO(Name, sname, FIELDS)       \
  infos[s].defs = k##Name##Columns;               \
  infos[s].columns = std::size(k##Name##Columns); \
  ++s;
  NW_STREAMS(NW_STREAM_INFO)
#undef NW_STREAM_INFO
  for (StreamInfo& info : infos) {
    info.indexed.assign(info.columns, false);
    std::string text;
    for (size_t c = 0; c < info.columns; ++c) {
      const ColumnDef& def = info.defs[c];
      text.append(def.name);
      text.push_back('\0');
      text.push_back(static_cast<char>(def.type));
      bool named = false;
      for (std::string_view n : kIndexedNames) named |= n == def.name;
      info.indexed[c] = def.type == ColumnType::kIp || named;
    }
    info.fingerprint = static_cast<uint32_t>(Hash64(text.data(), text.size()));
  }
  for (const PairDef& def : kPairDefs) {
    StreamInfo& info = infos[static_cast<size_t>(def.stream)];
    size_t a = info.columns, b = info.columns;
    for (size_t c = 0; c < info.columns; ++c) {
      if (info.defs[c].name == def.a) a = c;
      if (info.defs[c].name == def.b) b = c;
    }
    if (a < info.columns && b < info.columns) {
      info.pairs.emplace_back(a, b);
      const ColumnType tb = info.defs[b].type;
      const bool integer =
          tb == ColumnType::kU16 || tb == ColumnType::kU32 || tb == ColumnType::kU64;
      info.pair_shifts.push_back(integer ? def.b_shift : 0);
    }
  }
  for (StreamInfo& info : infos) info.dependent_index.assign(info.columns, -1);
  for (const SubscriberDef& def : kSubscriberDefs) {
    StreamInfo& info = infos[static_cast<size_t>(def.stream)];
    auto index = [&](std::string_view name) {
      for (size_t c = 0; c < info.columns; ++c) {
        if (info.defs[c].name == name) return static_cast<int>(c);
      }
      return -1;
    };
    const int key = index(def.key);
    if (key < 0 || info.defs[key].type != ColumnType::kIp) continue;
    std::vector<size_t> dependent;
    for (std::string_view name : def.dependent) {
      if (name.empty()) continue;
      const int c = index(name);
      if (c < 0 || c == key) continue;
      const ColumnType t = info.defs[c].type;
      if (t == ColumnType::kString || t == ColumnType::kIp || t == ColumnType::kU16 ||
          t == ColumnType::kU32 || t == ColumnType::kU64) {
        dependent.push_back(static_cast<size_t>(c));
      }
    }
    if (dependent.empty()) continue;
    std::sort(dependent.begin(), dependent.end());
    info.key_column = key;
    info.dependent = dependent;
    for (size_t i = 0; i < dependent.size(); ++i) {
      info.dependent_index[dependent[i]] = static_cast<int>(i);
    }
  }
  for (StreamInfo& info : infos) info.relative.assign(info.columns, false);
  for (const RelativeDef& def : kRelativeDefs) {
    StreamInfo& info = infos[static_cast<size_t>(def.stream)];
    auto usable = [&](size_t c) {
      return info.dependent_index[c] < 0 && info.key_column != static_cast<int>(c);
    };
    int key = -1;
    for (size_t c = 0; c < info.columns; ++c) {
      if (info.defs[c].name == def.key && info.defs[c].type == ColumnType::kIp && usable(c))
        key = static_cast<int>(c);
    }
    if (key < 0) continue;
    for (std::string_view name : def.columns) {
      for (size_t c = 0; c < info.columns; ++c) {
        const ColumnType t = info.defs[c].type;
        if (!name.empty() && info.defs[c].name == name && static_cast<int>(c) != key && usable(c) &&
            (t == ColumnType::kIp || t == ColumnType::kU16 || t == ColumnType::kU32 ||
             t == ColumnType::kU64)) {
          info.relative[c] = true;
          info.relative_key = key;
        }
      }
    }
    // The key column: coded by the distance to its same-key row.
    if (info.relative_key == key) info.relative[static_cast<size_t>(key)] = true;
  }
  return infos;
}

}  // namespace

const StreamInfo& Info(StreamId stream) {
  static const std::array<StreamInfo, record::kStreamCount> infos = BuildStreamInfos();
  return infos[static_cast<size_t>(stream)];
}

size_t MaxRowBytes(ColumnType type) {
  switch (type) {
    case ColumnType::kTime:
    case ColumnType::kU64:
      return kMaxVarint64;
    case ColumnType::kU16:
      return 3;
    case ColumnType::kU32:
      return 5;
    case ColumnType::kIp:
      return bf::kMaxIpEncoding;
    default:
      return 0;
  }
}

}  // namespace block_columns

size_t ColumnCount(StreamId stream) { return Info(stream).columns; }

int ColumnIndex(StreamId stream, std::string_view field) {
  const StreamInfo& info = Info(stream);
  for (size_t c = 0; c < info.columns; ++c) {
    if (info.defs[c].name == field) return static_cast<int>(c);
  }
  return -1;
}

std::string_view ColumnName(StreamId stream, size_t column) {
  const StreamInfo& info = Info(stream);
  return column < info.columns ? info.defs[column].name : std::string_view();
}

ColumnType ColumnTypeOf(StreamId stream, size_t column) {
  const StreamInfo& info = Info(stream);
  return column < info.columns ? info.defs[column].type : ColumnType::kString;
}

int SubscriberKeyColumn(StreamId stream) { return Info(stream).key_column; }
const std::vector<size_t>& SubscriberColumns(StreamId stream) { return Info(stream).dependent; }

bool IsIndexedField(StreamId stream, std::string_view field) {
  int c = ColumnIndex(stream, field);
  return c >= 0 && Info(stream).indexed[static_cast<size_t>(c)];
}

// ---- BlockBuilder. ----

namespace {

// A growable byte buffer written through raw pointers (the builder's hot path).
class ByteBuffer {
 public:
  uint8_t* Reserve(size_t n) {
    if (cap_ - size_ < n) Grow(n);
    return data_.get() + size_;
  }
  void Commit(uint8_t* end) { size_ = static_cast<size_t>(end - data_.get()); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }

 private:
  void Grow(size_t n) {
    size_t cap = std::max({cap_ * 2, size_ + n, size_t{4096}});
    auto data = std::make_unique_for_overwrite<uint8_t[]>(cap);
    if (size_) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    cap_ = cap;
  }
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

// memcmp(a, b, n) == 0 without a library call for the short values most columns hold.
inline bool BytesEqual(const uint8_t* a, const char* b, size_t n) {
  if (n >= 8 && n <= 16) {
    return (bf::Load<uint64_t>(a) ^ bf::Load<uint64_t>(b)) == 0 &&
           (bf::Load<uint64_t>(a + n - 8) ^ bf::Load<uint64_t>(b + n - 8)) == 0;
  }
  if (n >= 4 && n < 8) {
    return bf::Load<uint32_t>(a) == bf::Load<uint32_t>(b) &&
           bf::Load<uint32_t>(a + n - 4) == bf::Load<uint32_t>(b + n - 4);
  }
  if (n < 4) {
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != static_cast<uint8_t>(b[i])) return false;
    }
    return true;
  }
  return std::memcmp(a, b, n) == 0;
}

// The per-block dictionary of a String column: value -> its number among the column's new
// values. Holds at most kMaxEntries values; a column whose first kDecideRows rows are nearly all
// distinct stops looking values up (they are written as new values, which the format allows).
class StringDictionary {
 public:
  static constexpr uint32_t kMaxEntries = 16384;
  static constexpr uint32_t kDecideRows = 16384;  // rows seen before giving up on a column

  struct Value {
    uint32_t offset = 0;  // of the bytes in the column
    uint32_t length = 0;
    uint32_t number = kNone;  // among the column's new values; kNone: an empty slot
    uint64_t hash = 0;
  };
  static constexpr uint32_t kNone = UINT32_MAX;

  // An earlier value equal to `s`, or null. One slot (and the value's bytes) per hit.
  const Value* Find(const uint8_t* column_bytes, std::string_view s, uint64_t hash) const {
    if (off_ || slots_.empty()) return nullptr;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Value& v = slots_[i];
      if (v.number == kNone) return nullptr;
      if (v.hash == hash && v.length == s.size() &&
          BytesEqual(column_bytes + v.offset, s.data(), s.size())) {
        return &v;
      }
    }
  }
  // Numbers a new value whose bytes are at `offset` in the column and returns it. `rows`
  // counts the block's rows so far, this one included.
  Value AddNew(uint32_t offset, std::string_view s, uint64_t hash, uint32_t rows) {
    const Value v{offset, static_cast<uint32_t>(s.size()), new_values_++, hash};
    ++block_new_values_;
    if (off_ || v.number != entries_ || entries_ >= kMaxEntries) return v;
    if (rows >= kDecideRows && uint64_t{block_new_values_} * 10 > uint64_t{rows} * 9) {
      off_ = true;  // nearly all new
      return v;
    }
    if (2 * (entries_ + 1) > slots_.size()) Rehash();
    Insert(v);
    ++entries_;
    return v;
  }
  // A new row group: numbering starts again (a group decodes on its own); whether the column
  // is worth looking up stays decided for the block.
  void Restart() {
    if (entries_) std::fill(slots_.begin(), slots_.end(), Value());
    entries_ = 0;
    new_values_ = 0;
  }
  void Clear() {
    Restart();
    block_new_values_ = 0;
    off_ = false;
  }

 private:
  void Insert(const Value& v) {
    size_t i = v.hash & mask_;
    while (slots_[i].number != kNone) i = (i + 1) & mask_;
    slots_[i] = v;
  }
  void Rehash() {
    std::vector<Value> old = std::move(slots_);
    slots_.assign(std::max<size_t>(256, old.size() * 2), Value());
    mask_ = slots_.size() - 1;
    for (const Value& v : old) {
      if (v.number != kNone) Insert(v);
    }
  }
  std::vector<Value> slots_;  // open addressing, linear probing
  size_t mask_ = 0;
  uint32_t entries_ = 0;
  uint32_t new_values_ = 0;        // in this row group
  uint32_t block_new_values_ = 0;  // in the block
  bool off_ = false;
};

}  // namespace

class BlockBuilder::Impl {
 public:
  explicit Impl(StreamId stream) : stream_(stream), info_(&Info(stream)) {
    cols_.resize(info_->columns);
    for (size_t c = 0; c < cols_.size(); ++c) {
      cols_[c].indexed = info_->indexed[c];
      cols_[c].packable = bf::IsPackable(info_->defs[c].type);
      cols_[c].is_string = info_->defs[c].type == ColumnType::kString;
      cols_[c].zoned = bf::IsZoneMapped(info_->defs[c].type);
    }
    for (size_t i = 0; i < info_->pairs.size(); ++i) {
      pairs_.emplace_back();
      pairs_.back().a = info_->pairs[i].first;
      pairs_.back().b = info_->pairs[i].second;
      pairs_.back().b_shift = info_->pair_shifts[i];
    }
    ts_first_ = info_->columns > 0 && info_->defs[0].type == ColumnType::kTime;
    for (size_t c : info_->dependent) cols_[c].dependent = true;
    for (size_t c = 0; c < cols_.size(); ++c) cols_[c].relative = info_->relative[c];
    if (info_->key_column >= 0) cols_[static_cast<size_t>(info_->key_column)].is_key = true;
    subscribers_ = !info_->dependent.empty();
    for (size_t c = 1; c < cols_.size(); ++c) {
      cols_[c].from_ts = ts_first_ && info_->defs[c].type == ColumnType::kTime;
    }
    cctx_ = ZSTD_createCCtx();
  }
  ~Impl() { ZSTD_freeCCtx(cctx_); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  struct Column {
    ByteBuffer buf;
    bf::Locator locator;
    TimestampUs prev_ts = 0;
    uint64_t last_key = 0;  // the Bloom key added last: consecutive repeats are skipped
    bool has_last_key = false;
    bool indexed = false;
    BloomKeys keys;
    StringDictionary dictionary;
    StringDictionary::Value last;      // String columns: the previous row's value
    std::vector<uint32_t> group_ends;  // bytes of buf at the end of each finished row group
    bool packable = false;             // Time, integer and Ip columns: may be packed (int_codec.h)
    // String columns: per row group, the length of all its new values, kNoValue if it has
    // none, kMixed if they differ.
    bool is_string = false;
    bool from_ts = false;  // a Time column after ts: a mode byte, then coded from the row's ts
    std::vector<int32_t> value_length;
    bool zoned = false;  // integer columns: per row group min and max (the zone map)
    std::vector<uint64_t> zone_min, zone_max;
    uint64_t row_hash = 0;   // the value hash of the row being added (Ip and integer columns)
    uint64_t row_value = 0;  // the value of the row being added (integer columns)
    // A subscriber column: its values go to the row's tuple, and Encode writes its chunks.
    bool dependent = false;
    bool is_key = false;  // the subscriber key column: each row's value kept in row_keys_
    // A key-relative column: a mode byte before each chunk, plain or coded from the key's
    // previous row (Encode keeps the smaller).
    bool relative = false;
  };
  // A pair filter's keys: consecutive repeats skipped, per row group where its keys end.
  struct Pair {
    size_t a = 0, b = 0;
    uint8_t b_shift = 0;
    std::vector<uint64_t> keys;
    std::vector<uint32_t> group_ends;  // of the finished groups
    uint64_t last = 0;
    bool has_last = false;
  };
  static constexpr int32_t kNoValue = -2, kMixed = -1;

  // Called before the first value of row count_: at a row group boundary every column starts
  // afresh (deltas from 0, its own dictionary), so that each group decodes on its own.
  void BeginRow() {
    if ((count_ & kGroupMask) != 0) return;
    for (Column& col : cols_) {
      if (count_ != 0) {
        col.group_ends.push_back(static_cast<uint32_t>(col.buf.size()));
        col.prev_ts = 0;
        col.dictionary.Restart();
      }
      if (col.from_ts) {  // the mode byte: from ts, unless Encode finds the other form smaller
        uint8_t* p = col.buf.Reserve(1);
        *p = bf::kTimeFromTs;
        col.buf.Commit(p + 1);
      }
      if (col.is_string && !col.dependent) {  // the layout byte: inline, until Encode packs it
        uint8_t* p = col.buf.Reserve(1);
        *p = bf::kStringInline;
        col.buf.Commit(p + 1);
        col.value_length.push_back(kNoValue);
      }
      if (col.zoned) {
        col.zone_min.push_back(UINT64_MAX);
        col.zone_max.push_back(0);
      }
    }
    for (Pair& pair : pairs_) {
      if (count_ != 0) pair.group_ends.push_back(static_cast<uint32_t>(pair.keys.size()));
      pair.has_last = false;
    }
    group_min_.push_back(0);
    group_max_.push_back(0);
  }

  void AddKey(Column& col, size_t c, uint64_t value_hash) {
    uint64_t key = bf::BloomKey(value_hash, c);
    if (col.has_last_key && col.last_key == key) return;
    col.last_key = key;
    col.has_last_key = true;
    col.keys.Add(key);
  }

  void Put(size_t c, TimestampUs ts) {
    Column& col = cols_[c];
    // ts: the difference to the row before; later Time columns: to the row's ts.
    const TimestampUs from = (c == 0 || !ts_first_) ? col.prev_ts : row_ts_;
    const uint64_t delta = static_cast<uint64_t>(ts) - static_cast<uint64_t>(from);
    col.prev_ts = ts;
    if (c == 0) row_ts_ = ts;
    uint8_t* p = col.buf.Reserve(kMaxVarint64);
    col.buf.Commit(PutVarint64(p, ZigZag(static_cast<int64_t>(delta))));
    uint64_t h = HashWord(static_cast<uint64_t>(ts));
    col.locator.Add(h);
    if (col.indexed) AddKey(col, c, h);
    if (c == 0) {
      if (count_ == 0 || ts < min_ts_) min_ts_ = ts;
      if (count_ == 0 || ts > max_ts_) max_ts_ = ts;
      const bool first = (count_ & kGroupMask) == 0;
      if (first || ts < group_min_.back()) group_min_.back() = ts;
      if (first || ts > group_max_.back()) group_max_.back() = ts;
    }
  }

  void Put(size_t c, std::string_view s) {
    Column& col = cols_[c];
    if (col.dependent) {
      const uint64_t h = Hash64(s.data(), s.size());
      col.locator.Add(h);
      uint8_t* t = tuple_buf_.Reserve(kMaxVarint64 + s.size());
      tuple_buf_.Commit(bf::EncodeTupleString(t, s));
      if (col.indexed) AddKey(col, c, h);
      return;
    }
    uint8_t* p = col.buf.Reserve(1 + kMaxVarint64 + s.size());
    if ((count_ & kGroupMask) != 0 && s.size() == col.last.length &&
        BytesEqual(col.buf.data() + col.last.offset, s.data(), s.size())) {
      col.buf.Commit(PutVarint64(p, uint64_t{col.last.number} + 1));  // as the row before
      col.locator.Add(col.last.hash);
      return;
    }
    const uint64_t h = Hash64(s.data(), s.size());
    col.locator.Add(h);
    const StringDictionary::Value* earlier = col.dictionary.Find(col.buf.data(), s, h);
    if (earlier) {
      col.buf.Commit(PutVarint64(p, uint64_t{earlier->number} + 1));
      col.last = *earlier;
      return;
    }
    *p++ = 0;  // a new value
    p = PutVarint64(p, s.size());
    const auto offset = static_cast<uint32_t>(p - col.buf.data());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    col.buf.Commit(p + s.size());
    col.last = col.dictionary.AddNew(offset, s, h, count_ + 1);
    int32_t& length = col.value_length.back();
    if (length == kNoValue) {
      length = static_cast<int32_t>(std::min<size_t>(s.size(), INT32_MAX));
    } else if (length != static_cast<int32_t>(s.size())) {
      length = kMixed;
    }
    if (col.indexed) AddKey(col, c, h);
  }
  void Put(size_t c, const std::string& s) { Put(c, std::string_view(s)); }

  void Put(size_t c, const IpAddress& ip) {
    Column& col = cols_[c];
    ByteBuffer& out = col.dependent ? tuple_buf_ : col.buf;
    uint8_t* p = out.Reserve(bf::kMaxIpEncoding);
    out.Commit(bf::EncodeIp(p, ip));
    if (col.is_key) row_keys_.push_back(ip);
    const uint64_t h = bf::IpHash(ip);  // the same 16-byte loads as EncodeIp's
    col.locator.Add(h);
    col.row_hash = h;
    if (col.indexed) AddKey(col, c, h);
  }

  void PutUint(size_t c, uint64_t v) {
    Column& col = cols_[c];
    ByteBuffer& out = col.dependent ? tuple_buf_ : col.buf;
    uint8_t* p = out.Reserve(kMaxVarint64);
    out.Commit(PutVarint64(p, v));
    const uint64_t h = HashWord(v);
    col.locator.Add(h);
    col.row_hash = h;
    col.row_value = v;
    if (col.zoned) {
      col.zone_min.back() = std::min(col.zone_min.back(), v);
      col.zone_max.back() = std::max(col.zone_max.back(), v);
    }
    if (col.indexed) AddKey(col, c, h);
  }
  void Put(size_t c, uint16_t v) { PutUint(c, v); }
  void Put(size_t c, uint32_t v) { PutUint(c, v); }
  void Put(size_t c, uint64_t v) { PutUint(c, v); }

  void Put(size_t c, const std::vector<std::string>& list) {
    Column& col = cols_[c];
    size_t bytes = kMaxVarint64;
    for (const std::string& s : list) bytes += kMaxVarint64 + s.size();
    uint8_t* begin = col.buf.Reserve(bytes);
    uint8_t* p = PutVarint64(begin, list.size());
    for (const std::string& s : list) {
      p = PutVarint64(p, s.size());
      if (!s.empty()) std::memcpy(p, s.data(), s.size());
      p += s.size();
      if (col.indexed) AddKey(col, c, Hash64(s.data(), s.size()));
    }
    col.buf.Commit(p);
    col.locator.Add(Hash64(begin, static_cast<size_t>(p - begin)));
  }

  void Put(size_t c, const std::vector<uint32_t>& list) {
    Column& col = cols_[c];
    uint8_t* begin = col.buf.Reserve(kMaxVarint64 * (list.size() + 1));
    uint8_t* p = PutVarint64(begin, list.size());
    for (uint32_t v : list) {
      p = PutVarint64(p, v);
      if (col.indexed) AddKey(col, c, HashWord(v));
    }
    col.buf.Commit(p);
    col.locator.Add(Hash64(begin, static_cast<size_t>(p - begin)));
  }

  void EndRow() {
    for (Pair& pair : pairs_) {
      const Column& b = cols_[pair.b];
      const uint64_t hb = pair.b_shift ? bf::PairBucketHash(b.row_value, pair.b_shift) : b.row_hash;
      const uint64_t key = bf::PairKey(cols_[pair.a].row_hash, hb, pair.a, pair.b);
      if (pair.has_last && pair.last == key) continue;
      pair.keys.push_back(key);
      pair.last = key;
      pair.has_last = true;
    }
    if (subscribers_) tuple_ends_.push_back(static_cast<uint32_t>(tuple_buf_.size()));
    ++count_;
  }
  bool TryPack(size_t c, const uint8_t* chunk, size_t raw, size_t best, uint8_t* out,
               size_t* size) const;
  // Writes a chunk's `raw` bytes at `out`, zstd-compressed where that makes them smaller, else
  // as they are; returns the codec and sets *stored to the bytes written.
  uint8_t StoreChunk(const uint8_t* bytes, size_t raw, int zstd_level, uint8_t* out,
                     size_t* stored) const {
    if (raw > 0) {
      const size_t n =
          ZSTD_compressCCtx(cctx_, out, ZSTD_compressBound(raw), bytes, raw, zstd_level);
      if (!ZSTD_isError(n) && n < raw) {
        *stored = n;
        return bf::kCodecZstd;
      }
      std::memcpy(out, bytes, raw);
    }
    *stored = raw;
    return bf::kCodecRaw;
  }
  // A chunk entry of the header (block_format.h): codec, sizes and the stored bytes' hash.
  static void WriteChunkEntry(uint8_t* entry, uint8_t codec, const uint8_t* stored_bytes,
                              size_t stored, size_t raw) {
    entry[bf::kChunkCodec] = codec;
    bf::Store<uint32_t>(entry + bf::kChunkStored, static_cast<uint32_t>(stored));
    bf::Store<uint32_t>(entry + bf::kChunkRaw, static_cast<uint32_t>(raw));
    bf::Store<uint64_t>(entry + bf::kChunkStoredHash,
                        Hash64(stored_bytes, stored, bf::kStoredSeed));
  }
  const uint8_t* Transpose(const uint8_t* chunk, size_t size, uint32_t length, size_t* out) const;
  const uint8_t* FromPrevious(uint32_t g, const uint8_t* chunk, size_t size, size_t* out) const;
  const uint8_t* WithUnit(size_t c, const uint8_t* chunk, size_t size, size_t* out) const;
  void FindSameKeyRows() const;
  const uint8_t* KeyRelative(size_t c, uint32_t g, const uint8_t* chunk, size_t size,
                             size_t* out) const;
  bool SplitDependent(const SubscriberDictionary* dict, uint64_t first_seq) const;
  void Encode(uint64_t first_seq, int zstd_level, std::string* out,
              const SubscriberDictionary* dict) const;
  std::string_view RowTuple(uint32_t row) const {
    const uint32_t begin = row == 0 ? 0 : tuple_ends_[row - 1];
    return {reinterpret_cast<const char*>(tuple_buf_.data()) + begin, tuple_ends_[row] - begin};
  }
  void Clear() {
    for (Column& col : cols_) {
      col.buf.clear();
      col.locator = bf::Locator();
      col.prev_ts = 0;
      col.has_last_key = false;
      col.keys.Clear();
      col.dictionary.Clear();
      col.group_ends.clear();
      col.value_length.clear();
      col.zone_min.clear();
      col.zone_max.clear();
    }
    for (Pair& pair : pairs_) {
      pair.keys.clear();
      pair.group_ends.clear();
      pair.has_last = false;
    }
    count_ = 0;
    min_ts_ = max_ts_ = 0;
    group_min_.clear();
    group_max_.clear();
    tuple_buf_.clear();
    tuple_ends_.clear();
    row_keys_.clear();
  }

  static constexpr uint32_t kGroupMask = (1u << bf::kGroupShift) - 1;
  uint32_t GroupRows(uint32_t g) const {
    return std::min(count_ - (g << bf::kGroupShift), 1u << bf::kGroupShift);
  }

  StreamId stream_;
  const StreamInfo* info_;
  std::vector<Column> cols_;
  std::vector<Pair> pairs_;
  uint32_t count_ = 0;
  TimestampUs min_ts_ = 0;
  TimestampUs max_ts_ = 0;
  std::vector<TimestampUs> group_min_, group_max_;  // per row group, the last one open
  bool ts_first_ = false;   // column 0 is the stream's ts (later Time columns are coded from it)
  TimestampUs row_ts_ = 0;  // the ts of the row being added
  mutable std::string bloom_bits_;               // Encode's scratch
  mutable std::string pair_bits_;                // Encode's scratch: every pair filter's bits
  mutable std::vector<uint32_t> pair_nbits_;     // per pair and group
  mutable std::vector<size_t> pair_starts_;      // per pair: its first byte in pair_bits_
  mutable std::vector<uint64_t> distinct_keys_;  // a group's pair keys, each once
  mutable ByteBuffer tags_, transposed_;         // Transpose's scratch
  mutable std::vector<const uint8_t*> value_ptrs_;
  mutable std::vector<uint64_t> codes_;  // TryPack's scratch
  mutable ByteBuffer previous_;          // FromPrevious's scratch
  mutable ByteBuffer unit_;              // WithUnit's scratch
  // Key-relative columns: per row of the block, the last earlier row of its group with the
  // same key (block row number; -1: none); Encode's scratch.
  mutable std::vector<int32_t> same_key_, same_key_group_, same_key_table_;
  mutable std::vector<IpAddress> keys_;
  mutable std::vector<uint32_t> same_key_rows_;  // per group: its rows that have a same-key row
  mutable ByteBuffer plain_, relative_;          // a chunk with its mode byte, in each form
  mutable std::vector<uint64_t> values_;
  mutable std::vector<IpAddress> ips_;
  mutable std::string relative_stored_;
  // Subscriber columns: each row's key and tuple (block_format.h's tuple encoding).
  bool subscribers_ = false;
  ByteBuffer tuple_buf_;
  std::vector<uint32_t> tuple_ends_;  // per row: the end of its tuple in tuple_buf_
  std::vector<IpAddress> row_keys_;
  // SplitDependent's output: per dependent column its chunks' bytes (explicit rows only), per
  // group their end and (String columns) the length of all new values (kNoValue, kMixed);
  // per row 1 if explicit; per group its explicit-row map.
  mutable std::vector<ByteBuffer> dep_bufs_;
  mutable std::vector<std::vector<uint32_t>> dep_ends_;
  mutable std::vector<std::vector<int32_t>> dep_length_;
  mutable std::vector<uint8_t> explicit_;
  mutable std::string maps_;
  mutable std::vector<uint32_t> map_ends_;
  ZSTD_CCtx* cctx_ = nullptr;
};

// If the packed form of a chunk of column c (its `raw` encoded bytes at `chunk`) is smaller
// than `best` bytes, writes it at `out`, sets *size and returns true. The codes are read back
// from the encoding (the builder keeps no per-row copy of them).
bool BlockBuilder::Impl::TryPack(size_t c, const uint8_t* chunk, size_t raw, size_t best,
                                 uint8_t* out, size_t* size) const {
  const ColumnType type = info_->defs[c].type;
  const uint8_t* p = chunk;
  const uint8_t* const end = chunk + raw;
  // A mode byte first, kept as the packed chunk's first.
  const bool mode = cols_[c].from_ts || cols_[c].relative;
  if (mode) ++p;
  codes_.clear();
  while (p < end) {  // the builder's own bytes: well formed
    uint64_t v = 0;
    if (type == ColumnType::kIp) {
      const uint8_t family = *p++;
      if (family == 6) return false;  // IPv6: not packed
      if (family == 4) {
        v = uint64_t{(uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) |
                     p[3]} +
            1;
        p += 4;
      }
    } else {
      GetVarint64(&p, end, &v);
      if (type == ColumnType::kTime) v = static_cast<uint64_t>(UnZigZag(v));
    }
    codes_.push_back(v);
  }
  const uint64_t* codes = codes_.data();
  size_t n = codes_.size();
  // ts: its first value as a zigzag varint, then the differences of the others.
  const bool first_apart = c == 0 && type == ColumnType::kTime && n > 0;
  const uint64_t first = first_apart ? ZigZag(static_cast<int64_t>(codes[0])) : 0;
  const size_t first_bytes = first_apart ? Varint64Length(first) : 0;
  codes += first_apart;
  n -= first_apart;
  const int_codec::Plan plan = int_codec::MakePlan(codes, n, type == ColumnType::kTime);
  if (!plan.ok || mode + first_bytes + plan.bytes >= best) return false;
  uint8_t* q = out;
  if (mode) *q++ = chunk[0];
  if (first_apart) q = PutVarint64(q, first);
  q = int_codec::Pack(codes, n, plan, q);
  *size = static_cast<size_t>(q - out);
  return true;
}

// A chunk of a Time column after ts (mode byte kTimeFromTs, then per row the zigzag varint of
// the value minus the row's ts) in the other mode, kTimeFromPrevious (the value minus the row
// before's, the first row's minus 0), if that is smaller before compression: unset end times
// (0) cost nothing that way. Only when it halves the size: differences to ts are what packs
// well (whole-second durations). Returns the bytes to store (the chunk or this builder's scratch).
const uint8_t* BlockBuilder::Impl::FromPrevious(uint32_t g, const uint8_t* chunk, size_t size,
                                                size_t* out) const {
  const Column& ts = cols_[0];
  const size_t ts_begin = g == 0 ? 0 : ts.group_ends[g - 1];
  const size_t ts_end = g < ts.group_ends.size() ? ts.group_ends[g] : ts.buf.size();
  const uint8_t* t = ts.buf.data() + ts_begin;
  const uint8_t* const t_end = ts.buf.data() + ts_end;
  const uint8_t* p = chunk + 1;
  const uint8_t* const end = chunk + size;
  previous_.clear();
  uint8_t* q = previous_.Reserve(1 + kMaxVarint64 * (size_t{1} << bf::kGroupShift));
  uint8_t* const begin = q;
  *q++ = bf::kTimeFromPrevious;
  uint64_t row_ts = 0, prev = 0;
  while (p < end && t < t_end) {  // the builder's own bytes: well formed
    uint64_t z = 0, d = 0;
    GetVarint64(&t, t_end, &z);
    row_ts += static_cast<uint64_t>(UnZigZag(z));
    GetVarint64(&p, end, &d);
    const uint64_t value = row_ts + static_cast<uint64_t>(UnZigZag(d));
    q = PutVarint64(q, ZigZag(static_cast<int64_t>(value - prev)));
    prev = value;
  }
  const auto n = static_cast<size_t>(q - begin);
  if (2 * n >= size) {  // only when clearly smaller: differences to ts pack better (strides)
    *out = size;
    return chunk;
  }
  *out = n;
  return begin;
}

// A Time chunk (column 0: the zigzag varint differences to the row before; later Time columns:
// the mode byte, then the differences) with its time unit: the mode byte, the varint unit u
// (the greatest common divisor of the differences; 1 when all are 0), then each difference
// divided by u, as a zigzag varint. Times in whole milliseconds or seconds then cost the
// entropy of their differences in that unit when zstd compresses them, not of microseconds.
// Returns the bytes (scratch of this builder).
const uint8_t* BlockBuilder::Impl::WithUnit(size_t c, const uint8_t* chunk, size_t size,
                                            size_t* out) const {
  const bool mode = c > 0 && ts_first_;
  const uint8_t* p = chunk + (mode ? 1 : 0);
  const uint8_t* const end = chunk + size;
  uint64_t unit = 0;
  for (const uint8_t* q = p; q < end;) {  // the builder's own bytes: well formed
    uint64_t z = 0;
    GetVarint64(&q, end, &z);
    const int64_t d = UnZigZag(z);
    unit =
        std::gcd(unit, d < 0 ? uint64_t{0} - static_cast<uint64_t>(d) : static_cast<uint64_t>(d));
    if (unit == 1) break;
  }
  if (unit == 0) unit = 1;
  unit_.clear();
  uint8_t* q = unit_.Reserve(1 + kMaxVarint64 + size);
  uint8_t* const start = q;
  if (mode) *q++ = chunk[0];
  q = PutVarint64(q, unit);
  while (p < end) {
    uint64_t z = 0;
    GetVarint64(&p, end, &z);
    q = PutVarint64(q, ZigZag(UnZigZag(z) / static_cast<int64_t>(unit)));
  }
  unit_.Commit(q);
  *out = static_cast<size_t>(q - start);
  return start;
}

// The block's rows' same-key rows (same_key_), from the key column's plain encodings.
void BlockBuilder::Impl::FindSameKeyRows() const {
  const ByteBuffer& buf = cols_[static_cast<size_t>(info_->relative_key)].buf;
  keys_.resize(count_);
  const uint8_t* p = buf.data();
  for (uint32_t r = 0; r < count_; ++r) keys_[r] = bf::DecodeIpUnchecked(&p);
  same_key_.resize(count_);
  same_key_rows_.clear();
  for (uint32_t begin = 0; begin < count_; begin += 1u << bf::kGroupShift) {
    const uint32_t n = std::min(count_ - begin, 1u << bf::kGroupShift);
    PreviousRowsWithSameKey(keys_.data() + begin, n, &same_key_group_, &same_key_table_);
    uint32_t with = 0;
    for (uint32_t i = 0; i < n; ++i) {
      same_key_[begin + i] =
          same_key_group_[i] < 0 ? -1 : static_cast<int32_t>(begin) + same_key_group_[i];
      with += same_key_group_[i] >= 0;
    }
    same_key_rows_.push_back(with);
  }
}

// A key-relative column's chunk of group g (its plain encodings, without a mode byte) in the
// kKeyRelative form: the mode byte, then per row whose key occurred earlier in the group: an
// integer as the zigzag varint of its difference to that row's value (mod 2^64), an address
// equal to that row's as the byte kIpAsPrevious, another address as it is encoded plainly;
// the other rows as they are encoded plainly. Returns the bytes (scratch of this builder).
const uint8_t* BlockBuilder::Impl::KeyRelative(size_t c, uint32_t g, const uint8_t* chunk,
                                               size_t size, size_t* out) const {
  const bool ip = info_->defs[c].type == ColumnType::kIp;
  const bool key = static_cast<int>(c) == info_->relative_key;
  const uint32_t begin = g << bf::kGroupShift;
  const uint32_t n = std::min(count_ - begin, 1u << bf::kGroupShift);
  relative_.clear();
  // A row's code takes at most a varint's most bytes more than its plain encoding (a u16 0
  // after 16383: 3 bytes for 1; the key's distance: 1 + 2 bytes for at least 1).
  uint8_t* q = relative_.Reserve(1 + size + size_t{n} * kMaxVarint64);
  uint8_t* const start = q;
  *q++ = bf::kKeyRelative;
  const uint8_t* p = chunk;
  const uint8_t* const end = chunk + size;
  values_.resize(n);
  ips_.resize(ip ? n : 0);
  for (uint32_t i = 0; i < n; ++i) {  // the builder's own bytes: well formed
    const int32_t prev = same_key_[begin + i];
    const uint8_t* field = p;
    if (ip) {
      ips_[i] = bf::DecodeIpUnchecked(&p);
      if (key && prev >= 0) {
        *q++ = bf::kIpAsRowBefore;
        q = PutVarint64(q, begin + i - static_cast<uint32_t>(prev));
        continue;
      }
      // The nearest of the key's last kMaxSameKeySteps rows with the same address.
      int32_t j = prev;
      uint8_t step = 0;
      while (j >= 0 && step < bf::kMaxSameKeySteps &&
             !(ips_[i] == ips_[static_cast<uint32_t>(j) - begin])) {
        j = same_key_[static_cast<uint32_t>(j)];
        ++step;
      }
      if (j >= 0 && step < bf::kMaxSameKeySteps) {
        *q++ = static_cast<uint8_t>(bf::kIpAsPrevious + step);
        continue;
      }
      std::memcpy(q, field, static_cast<size_t>(p - field));
      q += p - field;
      continue;
    }
    GetVarint64(&p, end, &values_[i]);
    const uint64_t code = prev < 0
                              ? values_[i]
                              : ZigZag(static_cast<int64_t>(
                                    values_[i] - values_[static_cast<uint32_t>(prev) - begin]));
    q = PutVarint64(q, code);
  }
  relative_.Commit(q);
  *out = static_cast<size_t>(q - start);
  return start;
}

// Rewrites a String chunk whose new values all have `length` bytes (layout byte kStringInline,
// then per row a tag and, for a new value, its length and bytes) in the transposed layout:
// kStringTransposed, varint length, varint count of new values, the row tags, then byte j of
// every new value for j = 0 .. length - 1. Returns the bytes (scratch of this builder).
const uint8_t* BlockBuilder::Impl::Transpose(const uint8_t* chunk, size_t size, uint32_t length,
                                             size_t* out) const {
  const uint8_t* p = chunk + 1;
  const uint8_t* const end = chunk + size;
  tags_.clear();
  std::vector<const uint8_t*>& values = value_ptrs_;
  values.clear();
  while (p < end) {
    uint64_t tag = 0, len = 0;
    GetVarint64(&p, end, &tag);  // the builder's own bytes: well formed
    uint8_t* t = tags_.Reserve(kMaxVarint64);
    tags_.Commit(PutVarint64(t, tag));
    if (tag == 0) {
      GetVarint64(&p, end, &len);
      values.push_back(p);
      p += len;
    }
  }
  const size_t n = values.size();
  if (n < 2) {  // nothing to gain
    *out = size;
    return chunk;
  }
  uint8_t* q = transposed_.Reserve(1 + 2 * kMaxVarint64 + tags_.size() + n * length);
  uint8_t* const begin = q;
  *q++ = bf::kStringTransposed;
  q = PutVarint64(q, length);
  q = PutVarint64(q, n);
  std::memcpy(q, tags_.data(), tags_.size());
  q += tags_.size();
  for (uint32_t j = 0; j < length; ++j) {
    for (size_t i = 0; i < n; ++i) *q++ = values[i][j];
  }
  *out = static_cast<size_t>(q - begin);
  return begin;
}

// Splits the rows into explicit ones and implicit ones (whose tuple equals dict's for their key
// as of this block; none without dict) and encodes the explicit rows' values of each dependent
// column as its chunks: a String chunk inline (every value new), Ip and integers as elsewhere.
// Returns whether some row is implicit.
bool BlockBuilder::Impl::SplitDependent(const SubscriberDictionary* dict,
                                        uint64_t first_seq) const {
  const std::vector<size_t>& dep = info_->dependent;
  const size_t n = dep.size();
  const auto ngroups = static_cast<uint32_t>(group_min_.size());
  dep_bufs_.resize(n);
  dep_ends_.resize(n);
  dep_length_.resize(n);
  for (size_t j = 0; j < n; ++j) {
    dep_bufs_[j].clear();
    dep_ends_[j].clear();
    dep_length_[j].clear();
  }
  explicit_.assign(count_, 1);
  maps_.clear();
  map_ends_.clear();
  bool implicit = false;
  for (uint32_t g = 0; g < ngroups; ++g) {
    const uint32_t begin = g << bf::kGroupShift;
    const uint32_t end = std::min(count_, begin + (1u << bf::kGroupShift));
    for (size_t j = 0; j < n; ++j) {
      if (info_->defs[dep[j]].type != ColumnType::kString) continue;
      uint8_t* p = dep_bufs_[j].Reserve(1);
      *p = bf::kStringInline;
      dep_bufs_[j].Commit(p + 1);
      dep_length_[j].push_back(kNoValue);
    }
    const size_t map_start = maps_.size();
    maps_.resize(map_start + (end - begin + 7) / 8, '\0');
    for (uint32_t r = begin; r < end; ++r) {
      const std::string_view tuple = RowTuple(r);
      if (dict) {
        const std::string_view known = dict->Find(row_keys_[r], first_seq);
        if (!known.empty() && known == tuple) {
          explicit_[r] = 0;
          implicit = true;
          continue;
        }
      }
      maps_[map_start + (r - begin) / 8] |= static_cast<char>(1u << ((r - begin) % 8));
      const auto* p = reinterpret_cast<const uint8_t*>(tuple.data());
      const uint8_t* const e = p + tuple.size();
      for (size_t j = 0; j < n; ++j) {  // the builder's own bytes: well formed
        const uint8_t* field = p;
        ByteBuffer& out = dep_bufs_[j];
        uint64_t v = 0;
        switch (info_->defs[dep[j]].type) {
          case ColumnType::kString: {
            GetVarint64(&p, e, &v);
            p += v;
            int32_t& length = dep_length_[j].back();
            if (length == kNoValue) {
              length = static_cast<int32_t>(std::min<uint64_t>(v, INT32_MAX));
            } else if (length != static_cast<int32_t>(v)) {
              length = kMixed;
            }
            uint8_t* q = out.Reserve(1 + static_cast<size_t>(p - field));
            *q++ = 0;  // a new value
            std::memcpy(q, field, static_cast<size_t>(p - field));
            out.Commit(q + (p - field));
            continue;
          }
          case ColumnType::kIp: {
            const uint8_t family = *p++;
            p += family == 4 ? 4 : family == 6 ? 16 : 0;
            break;
          }
          default:
            GetVarint64(&p, e, &v);
            break;
        }
        uint8_t* q = out.Reserve(static_cast<size_t>(p - field));
        std::memcpy(q, field, static_cast<size_t>(p - field));
        out.Commit(q + (p - field));
      }
    }
    for (size_t j = 0; j < n; ++j)
      dep_ends_[j].push_back(static_cast<uint32_t>(dep_bufs_[j].size()));
    map_ends_.push_back(static_cast<uint32_t>(maps_.size()));
  }
  return implicit;
}

void BlockBuilder::Impl::Encode(uint64_t first_seq, int zstd_level, std::string* out,
                                const SubscriberDictionary* dict) const {
  const size_t ncols = cols_.size();
  const uint32_t ngroups = static_cast<uint32_t>(group_min_.size());
  const bool implicit = subscribers_ && SplitDependent(dict, first_seq);
  if (info_->relative_key >= 0) FindSameKeyRows();
  const size_t ndep = info_->dependent.size();
  std::vector<uint8_t> flags(ncols, 0);
  std::vector<const BloomKeys*> key_sets;
  for (size_t c = 0; c < ncols; ++c) {
    if (!cols_[c].indexed || cols_[c].keys.keys().empty()) continue;
    if (info_->defs[c].type == ColumnType::kU16 && cols_[c].keys.EstimateDistinct() > 16384) {
      continue;  // most of the domain: the filter would prune little
    }
    flags[c] |= bf::kFlagInBloom;
    key_sets.push_back(&cols_[c].keys);
  }
  const uint32_t nbits = BuildBloomFilter(key_sets, &bloom_bits_);
  size_t zoned = 0;
  for (size_t c = 0; c < ncols; ++c) {
    if (cols_[c].zoned && ngroups > 0) {
      flags[c] |= bf::kFlagZoneMap;
      ++zoned;
    }
  }
  // Each group's pair filters, over its keys (the last group's end is the keys' end).
  pair_bits_.clear();
  pair_nbits_.clear();
  pair_starts_.clear();
  for (const Pair& pair : pairs_) {
    pair_starts_.push_back(pair_bits_.size());
    for (uint32_t g = 0; g < ngroups; ++g) {
      const size_t begin = g == 0 ? 0 : pair.group_ends[g - 1];
      const size_t end = g + 1 < ngroups ? pair.group_ends[g] : pair.keys.size();
      // Sized by the group's distinct keys.
      distinct_keys_.assign(pair.keys.begin() + static_cast<ptrdiff_t>(begin),
                            pair.keys.begin() + static_cast<ptrdiff_t>(end));
      std::sort(distinct_keys_.begin(), distinct_keys_.end());
      distinct_keys_.erase(std::unique(distinct_keys_.begin(), distinct_keys_.end()),
                           distinct_keys_.end());
      pair_nbits_.push_back(AppendBloomFilter(distinct_keys_.data(), distinct_keys_.size(),
                                              bf::kPairBitsPerKey, &pair_bits_));
    }
  }
  const size_t groups_offset = bf::kFixedBytes;
  const size_t columns_offset = groups_offset + size_t{ngroups} * bf::kGroupEntryBytes;
  const size_t chunks_offset = columns_offset + ncols * bf::kColumnEntryBytes;
  const size_t bloom_offset = chunks_offset + ncols * ngroups * bf::kChunkEntryBytes;
  const size_t zones_offset = bloom_offset + bf::kBloomFixedBytes + nbits / 8;
  const size_t pairs_offset = zones_offset + zoned * ngroups * bf::kZoneEntryBytes;
  const size_t subscribers_offset = pairs_offset + 1 +
                                    pairs_.size() * (bf::kPairFixedBytes + size_t{ngroups} * 4) +
                                    pair_bits_.size();
  const size_t header_bytes = subscribers_offset + 1 +
                              (implicit ? 2 + ndep + size_t{ngroups} * bf::kChunkEntryBytes : 0) +
                              bf::kChecksumBytes;
  auto buffer_of = [&](size_t c) -> const ByteBuffer& {
    return cols_[c].dependent ? dep_bufs_[static_cast<size_t>(info_->dependent_index[c])]
                              : cols_[c].buf;
  };
  size_t bound = header_bytes + (implicit ? ZSTD_compressBound(maps_.size()) + 64 * ngroups : 0);
  for (size_t c = 0; c < ncols; ++c) {
    bound += ZSTD_compressBound(buffer_of(c).size() + (cols_[c].relative ? ngroups : 0)) +
             (64 + 2 * kMaxVarint64) * ngroups;
  }

  const size_t start = out->size();
  out->resize(start + bound);
  auto* base = reinterpret_cast<uint8_t*>(out->data() + start);
  size_t pos = header_bytes;
  for (size_t c = 0; c < ncols; ++c) {
    const Column& col = cols_[c];
    const ByteBuffer& buf = buffer_of(c);
    const int dep = info_->dependent_index[c];
    const std::vector<uint32_t>& group_ends =
        col.dependent ? dep_ends_[static_cast<size_t>(dep)] : col.group_ends;
    for (uint32_t g = 0; g < ngroups; ++g) {
      const size_t begin = g == 0 ? 0 : group_ends[g - 1];
      const size_t end = g + 1 < ngroups ? group_ends[g] : buf.size();
      size_t raw = end - begin;
      const uint8_t* bytes = buf.data() + begin;
      if (col.from_ts) bytes = FromPrevious(g, bytes, raw, &raw);
      const uint8_t* relative = nullptr;
      size_t relative_raw = 0;
      // Both forms, each with its mode byte; the relative one only where a quarter of the
      // rows or more have a same-key row (else it cannot pay for its second compression).
      if (col.relative) {
        if (4 * same_key_rows_[g] >= GroupRows(g)) {
          relative = KeyRelative(c, g, bytes, raw, &relative_raw);
        }
        plain_.clear();
        uint8_t* q = plain_.Reserve(raw + 1);
        *q = bf::kKeyPlain;
        if (raw > 0) std::memcpy(q + 1, bytes, raw);
        plain_.Commit(q + 1 + raw);
        bytes = plain_.data();
        raw += 1;
      }
      const int32_t length = !col.is_string  ? 0
                             : col.dependent ? dep_length_[static_cast<size_t>(dep)][g]
                                             : col.value_length[g];
      if (length > 0) {  // new values of one length: transposed
        bytes = Transpose(bytes, raw, static_cast<uint32_t>(length), &raw);
      }
      // Time chunks are stored with their unit (WithUnit), or packed from the plain form.
      size_t stored = 0, size = raw;
      const uint8_t* store_bytes = bytes;
      if (info_->defs[c].type == ColumnType::kTime) store_bytes = WithUnit(c, bytes, raw, &size);
      uint8_t codec = StoreChunk(store_bytes, size, zstd_level, base + pos, &stored);
      if (col.packable && raw > 0 && TryPack(c, bytes, raw, stored, base + pos, &size)) {
        codec = bf::kCodecPacked;
        stored = size;
      }
      if (relative) {  // the key-relative form where it is smaller still
        relative_stored_.resize(ZSTD_compressBound(relative_raw));
        auto* r = reinterpret_cast<uint8_t*>(relative_stored_.data());
        size_t r_stored = 0;
        const uint8_t r_codec = StoreChunk(relative, relative_raw, zstd_level, r, &r_stored);
        if (r_stored < stored) {
          std::memcpy(base + pos, r, r_stored);
          codec = r_codec;
          stored = r_stored;
          size = relative_raw;
        }
      }
      WriteChunkEntry(base + chunks_offset + (c * ngroups + g) * bf::kChunkEntryBytes, codec,
                      base + pos, stored, size);
      pos += stored;
    }
    uint8_t* entry = base + columns_offset + c * bf::kColumnEntryBytes;
    const bf::Sums sums = col.locator.Finish(count_);
    entry[bf::kEntryFlags] = flags[c];
    bf::Store<uint64_t>(entry + bf::kEntrySum0, sums.sum0);
    bf::Store<uint64_t>(entry + bf::kEntrySum1, sums.sum1);
  }
  // The explicit-row maps' chunks follow the columns'; their entries end the header.
  uint8_t* map_entry = base + subscribers_offset;
  *map_entry++ = implicit ? bf::kSubscribersImplicit : bf::kSubscribersNone;
  if (implicit) {
    *map_entry++ = static_cast<uint8_t>(info_->key_column);
    *map_entry++ = static_cast<uint8_t>(ndep);
    for (size_t c : info_->dependent) *map_entry++ = static_cast<uint8_t>(c);
    for (uint32_t g = 0; g < ngroups; ++g) {
      const size_t begin = g == 0 ? 0 : map_ends_[g - 1];
      const size_t raw = map_ends_[g] - begin;
      const auto* bytes = reinterpret_cast<const uint8_t*>(maps_.data()) + begin;
      size_t stored = 0;
      const uint8_t codec = StoreChunk(bytes, raw, zstd_level, base + pos, &stored);
      WriteChunkEntry(map_entry, codec, base + pos, stored, raw);
      map_entry += bf::kChunkEntryBytes;
      pos += stored;
    }
  }
  assert(static_cast<size_t>(map_entry - base) == header_bytes - bf::kChecksumBytes);
  assert(pos <= UINT32_MAX);
  for (uint32_t g = 0; g < ngroups; ++g) {
    bf::Store<int64_t>(base + groups_offset + g * bf::kGroupEntryBytes, group_min_[g]);
    bf::Store<int64_t>(base + groups_offset + g * bf::kGroupEntryBytes + 8, group_max_[g]);
  }

  std::memcpy(base + bf::kMagicOffset, bf::kMagic, 4);
  base[bf::kVersionOffset] = bf::kVersion;
  base[bf::kStreamOffset] = static_cast<uint8_t>(stream_);
  bf::Store<uint16_t>(base + bf::kColumnCountOffset, static_cast<uint16_t>(ncols));
  bf::Store<uint32_t>(base + bf::kFingerprintOffset, info_->fingerprint);
  bf::Store<uint32_t>(base + bf::kCountOffset, count_);
  bf::Store<uint32_t>(base + bf::kHeaderBytesOffset, static_cast<uint32_t>(header_bytes));
  bf::Store<uint32_t>(base + bf::kTotalBytesOffset, static_cast<uint32_t>(pos));
  bf::Store<uint64_t>(base + bf::kFirstSeqOffset, first_seq);
  bf::Store<int64_t>(base + bf::kMinTsOffset, min_ts_);
  bf::Store<int64_t>(base + bf::kMaxTsOffset, max_ts_);
  base[bf::kGroupShiftOffset] = static_cast<uint8_t>(bf::kGroupShift);
  base[bloom_offset] = kBloomHashes;
  bf::Store<uint32_t>(base + bloom_offset + 1, nbits);
  if (nbits) std::memcpy(base + bloom_offset + bf::kBloomFixedBytes, bloom_bits_.data(), nbits / 8);
  uint8_t* z = base + zones_offset;
  for (size_t c = 0; c < ncols; ++c) {
    if (!(flags[c] & bf::kFlagZoneMap)) continue;
    for (uint32_t g = 0; g < ngroups; ++g) {
      bf::Store<uint64_t>(z, cols_[c].zone_min[g]);
      bf::Store<uint64_t>(z + 8, cols_[c].zone_max[g]);
      z += bf::kZoneEntryBytes;
    }
  }
  uint8_t* q = base + pairs_offset;
  *q++ = static_cast<uint8_t>(pairs_.size());
  for (size_t i = 0; i < pairs_.size(); ++i) {
    *q++ = static_cast<uint8_t>(pairs_[i].a);
    *q++ = static_cast<uint8_t>(pairs_[i].b);
    *q++ = kBloomHashes;
    *q++ = pairs_[i].b_shift;
    for (uint32_t g = 0; g < ngroups; ++g) {
      bf::Store<uint32_t>(q, pair_nbits_[i * ngroups + g]);
      q += 4;
    }
    const size_t from = pair_starts_[i];
    const size_t to = i + 1 < pairs_.size() ? pair_starts_[i + 1] : pair_bits_.size();
    if (to > from) std::memcpy(q, pair_bits_.data() + from, to - from);
    q += to - from;
  }
  assert(static_cast<size_t>(q - base) == subscribers_offset);
  const size_t checksum_offset = header_bytes - bf::kChecksumBytes;
  bf::Store<uint64_t>(base + checksum_offset, bf::HeaderChecksum(base, checksum_offset));
  out->resize(start + pos);
}

BlockBuilder::BlockBuilder(StreamId stream) : impl_(std::make_unique<Impl>(stream)) {}
BlockBuilder::~BlockBuilder() = default;
BlockBuilder::BlockBuilder(BlockBuilder&&) noexcept = default;
BlockBuilder& BlockBuilder::operator=(BlockBuilder&&) noexcept = default;

template <typename R>
void BlockBuilder::Add(const R& record, std::string_view site) {
  Impl& m = *impl_;
  assert(R::kStream == m.stream_);
  assert(m.count_ < kMaxBlockRecords);
  size_t c = 0;
  m.BeginRow();
  record.ForEachField([&m, &c](std::string_view, const auto& value) { m.Put(c++, value); });
  m.Put(c, site);
  m.EndRow();
}

#define NW_INSTANTIATE_ADD(Name, sname, FIELDS)                                      \
  template void BlockBuilder::Add<record::Name##Record>(const record::Name##Record&, \
                                                        std::string_view);
NW_STREAMS(NW_INSTANTIATE_ADD)
#undef NW_INSTANTIATE_ADD

StreamId BlockBuilder::stream() const { return impl_->stream_; }
uint32_t BlockBuilder::count() const { return impl_->count_; }
TimestampUs BlockBuilder::min_ts() const { return impl_->min_ts_; }
TimestampUs BlockBuilder::max_ts() const { return impl_->max_ts_; }
void BlockBuilder::Finish(uint64_t first_seq, int zstd_level, std::string* out,
                          SubscriberDictionary* dict) {
  Impl& m = *impl_;
  m.Encode(first_seq, zstd_level, out, dict);
  if (dict && m.subscribers_) {  // the explicit rows, in row order: the last of a key wins
    for (uint32_t r = 0; r < m.count_; ++r) {
      if (m.explicit_[r]) dict->Set(m.row_keys_[r], first_seq, m.RowTuple(r));
    }
  }
  m.Clear();
}
void BlockBuilder::Encode(uint64_t first_seq, int zstd_level, std::string* out) const {
  impl_->Encode(first_seq, zstd_level, out, nullptr);
}
void BlockBuilder::Clear() { impl_->Clear(); }

// ---- Bloom probes. ----

BloomProbe MakeBloomProbe(StreamId stream, std::string_view field, std::string_view value) {
  BloomProbe probe;
  int column = ColumnIndex(stream, field);
  if (column < 0 || !IsIndexedField(stream, field)) return probe;
  const auto c = static_cast<size_t>(column);
  uint64_t h = 0;
  switch (Info(stream).defs[c].type) {
    case ColumnType::kString:
    case ColumnType::kStringList:
      h = Hash64(value.data(), value.size());
      break;
    case ColumnType::kIp: {
      auto ip = IpAddress::Parse(value);
      if (!ip) return probe;
      h = bf::IpHash(*ip);
      break;
    }
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64:
    case ColumnType::kU32List: {
      uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || ptr != value.data() + value.size()) return probe;
      ColumnType t = Info(stream).defs[c].type;
      if ((t == ColumnType::kU16 && v > UINT16_MAX) ||
          ((t == ColumnType::kU32 || t == ColumnType::kU32List) && v > UINT32_MAX)) {
        probe.column = column;
        probe.impossible = true;  // no row can hold it
        return probe;
      }
      h = HashWord(v);
      break;
    }
    case ColumnType::kTime:
      return probe;
  }
  probe.column = column;
  probe.value_hash = h;
  return probe;
}

bool BlockHeader::MayContain(const BloomProbe& probe) const {
  if (probe.column < 0) return true;
  if (probe.impossible) return false;
  const auto c = static_cast<size_t>(probe.column);
  if (c >= columns.size() || !(columns[c].flags & bf::kFlagInBloom)) return true;
  return BloomMayContain(reinterpret_cast<const uint8_t*>(bloom.data()),
                         static_cast<uint32_t>(bloom.size() * 8),
                         static_cast<uint8_t>(bloom_hashes), bf::BloomKey(probe.value_hash, c));
}

PairProbe MakePairProbe(StreamId stream, std::string_view field_a, std::string_view value_a,
                        std::string_view field_b, std::string_view value_b) {
  PairProbe probe;
  const int ca = ColumnIndex(stream, field_a), cb = ColumnIndex(stream, field_b);
  if (ca < 0 || cb < 0) return probe;
  const StreamInfo& info = Info(stream);
  for (size_t i = 0; i < info.pairs.size(); ++i) {
    const auto [a, b] = info.pairs[i];
    const bool same = static_cast<size_t>(ca) == a && static_cast<size_t>(cb) == b;
    const bool swapped = static_cast<size_t>(ca) == b && static_cast<size_t>(cb) == a;
    if (!same && !swapped) continue;
    const BloomProbe pa = MakeBloomProbe(stream, field_a, value_a);
    const BloomProbe pb = MakeBloomProbe(stream, field_b, value_b);
    if (pa.column < 0 || pb.column < 0) return probe;  // a value that does not parse
    probe.column_a = static_cast<int>(a);
    probe.column_b = static_cast<int>(b);
    probe.impossible = pa.impossible || pb.impossible;
    const uint64_t ha = same ? pa.value_hash : pb.value_hash;
    uint64_t hb = same ? pb.value_hash : pa.value_hash;
    probe.b_shift = info.pair_shifts[i];
    if (probe.b_shift != 0 && !probe.impossible) {  // an integer (MakeBloomProbe parsed it)
      const std::string_view text = same ? value_b : value_a;
      uint64_t v = 0;
      std::from_chars(text.data(), text.data() + text.size(), v);
      hb = bf::PairBucketHash(v, probe.b_shift);
    }
    probe.key = bf::PairKey(ha, hb, a, b);
    return probe;
  }
  return probe;
}

std::vector<std::pair<size_t, size_t>> PairColumns(StreamId stream) { return Info(stream).pairs; }

bool BlockHeader::GroupMayContain(const PairProbe& probe, uint32_t group) const {
  if (probe.column_a < 0) return true;
  if (probe.impossible) return false;
  for (const PairFilter& f : pair_filters) {
    if (f.column_a != probe.column_a || f.column_b != probe.column_b) continue;
    if (f.b_shift != probe.b_shift) return true;  // keys made another way: proves nothing
    if (group >= f.nbits.size() || f.nbits[group] == 0) return true;
    return BloomMayContain(reinterpret_cast<const uint8_t*>(f.bits.data()) + f.offsets[group],
                           f.nbits[group], f.hashes, probe.key);
  }
  return true;
}

bool BlockHeader::MayContain(std::string_view field, std::string_view value) const {
  if (static_cast<size_t>(stream) >= record::kStreamCount) return true;
  return MayContain(MakeBloomProbe(stream, field, value));
}

}  // namespace netward::store
