// src/store/block_codec.h: one block = the records [first_seq, first_seq + count) of one stream,
// stored column by column (docs/store-format.md, "Block format"; src/store/block_format.h).
//
// Columns are the stream's schema fields in declaration order, then `site`. Rows are split into
// row groups of 4096; each column of each group (a chunk) is encoded by type (Time: zigzag
// varint deltas, end_ts from the row's ts; integers: varints; Ip: family byte + address;
// String: a per-chunk dictionary reference, or a new value, inline or, when all have one
// length, byte plane by plane; lists: varint count + elements), then compressed with zstd on
// its own, or bit-packed by frame of reference where that is smaller (Time, integer and IPv4
// chunks), so a query decompresses only the chunks it reads.
//
// The block header carries what the store needs without decompressing anything: count,
// first_seq, min/max ts, a Bloom filter over the indexed values (addresses, ports, account,
// calling_id, mac, host/sni/query and other names, see IsIndexedField) and per column a
// checksum pair that detects any change to the column and locates the row when one row changed.
//
// Thread-compatible. Builders allocate only while columns grow; after warm-up, Clear() keeps
// capacity (Finish allocates the Bloom filter's scratch once a block). Costs
// (bench/block_codec_bench.cc): docs/store-format.md, "Costs": ~370 ns a session record for
// Add+Finish at zstd level 1, ~510 ns at level 3; LoadColumn 5-12 ns a row.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/status.h"
#include "common/time.h"
#include "record/schema.h"

namespace netward::store {

// Most records one block may hold (the reader rejects larger counts; the store's
// block_records must not exceed it).
constexpr uint32_t kMaxBlockRecords = 1u << 20;

// How a column is stored, from its schema field type (record/schema.h); `site` is kString.
enum class ColumnType : uint8_t { kTime, kString, kIp, kU16, kU32, kU64, kStringList, kU32List };

// True if values of this field go into the block's Bloom filter (equality search is pruned).
bool IsIndexedField(record::StreamId stream, std::string_view field);

// Number of columns of a stream's blocks: its schema fields plus `site` (the last column).
size_t ColumnCount(record::StreamId stream);
// Column index of a field name ("site" included); -1 if the stream has no such field.
int ColumnIndex(record::StreamId stream, std::string_view field);
std::string_view ColumnName(record::StreamId stream, size_t column);
ColumnType ColumnTypeOf(record::StreamId stream, size_t column);

class BlockReader;

// ---- Subscriber columns (docs/store-format.md, "Subscriber columns"). ----
// A stream may declare a key column K (the client address) and columns D that are, in practice,
// functions of it (session: nat_ip, vlan, mac, account, calling_id of src_ip; dns, http, tls,
// mail: the identity fields but nat_port). Within a segment, a row whose D values equal what
// the segment's earlier blocks last stored explicitly for its K value is *implicit*: the block
// stores nothing for it in the D columns, only a bit in the row group's explicit-row map.
// Readers resolve implicit rows from the segment's dictionary, so every accessor, checksum and
// filter sees the same values as if they were stored.

// The key column of a stream's subscriber columns, -1 if it declares none.
int SubscriberKeyColumn(record::StreamId stream);
// Its dependent columns, in column order (empty if none).
const std::vector<size_t>& SubscriberColumns(record::StreamId stream);

// K value -> the D values of the last explicit row of that key, per block of one segment:
// what a reader needs to resolve the implicit rows of any block of the segment ("the tuple of
// key k as of block b"), and the writer's state. A tuple is the D values' encodings in column
// order (String: varint length + bytes; Ip: family byte + address; integers: varint).
// Thread-compatible: read-only use from many threads is safe.
class SubscriberDictionary {
 public:
  SubscriberDictionary();
  ~SubscriberDictionary();
  SubscriberDictionary(SubscriberDictionary&&) noexcept;
  SubscriberDictionary& operator=(SubscriberDictionary&&) noexcept;

  // The tuple of `key` as of the block whose first_seq is `block_seq`: set by the last
  // explicit row of the latest block before it (first_seq < block_seq). Empty if none (a
  // tuple is never empty). The view stays valid until the next Set, AddBlock or Clear.
  std::string_view Find(const IpAddress& key, uint64_t block_seq) const;
  // The explicit row of the block at `block_seq` sets key's tuple. Calls come in block order
  // (block_seq never decreases); within a block, the last call for a key wins.
  void Set(const IpAddress& key, uint64_t block_seq, std::string_view tuple);
  // Adds the explicit rows of the block `reader` reads (opened with this dictionary, or with
  // none when it has no implicit rows): the next block of the segment, after those added.
  // Decodes only the explicit-row maps, the key column and the explicit D values. Corruption
  // if they do not decode, InvalidArgument if the block does not follow the last one added.
  Status AddBlock(BlockReader& reader);
  // Calls fn for every tuple held (each version of each key).
  void ForEachTuple(
      const std::function<void(const IpAddress& key, std::string_view tuple)>& fn) const;
  // One past the last record of the blocks added (0 if none).
  uint64_t end_seq() const;
  size_t keys() const;
  size_t versions() const;  // tuples held, all keys (a key whose tuple changed has several)
  void Clear();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

class BlockBuilder {
 public:
  explicit BlockBuilder(record::StreamId stream);
  ~BlockBuilder();
  BlockBuilder(BlockBuilder&&) noexcept;
  BlockBuilder& operator=(BlockBuilder&&) noexcept;

  // R must be the struct of this builder's stream (R::kStream == stream()), and count() must
  // stay under kMaxBlockRecords. Explicitly instantiated for every stream of NW_STREAMS.
  template <typename R>
  void Add(const R& record, std::string_view site);

  record::StreamId stream() const;
  uint32_t count() const;
  TimestampUs min_ts() const;  // 0 when empty
  TimestampUs max_ts() const;
  // Appends the encoded block to `out` and clears the builder (capacity kept). Each column is
  // compressed on its own at `zstd_level` (stored raw where that does not shrink it). A block
  // must stay under 4 GiB (it does at kMaxBlockRecords unless rows average > 4 KiB).
  //
  // With `dict` (the segment's dictionary, holding the segment's blocks before this one), rows
  // whose subscriber columns equal dict's tuple for their key are stored implicit, and the
  // block's explicit rows are then added to dict (Set, at first_seq). The caller clears dict
  // when the block starts a new segment. Without it every row is explicit.
  void Finish(uint64_t first_seq, int zstd_level, std::string* out,
              SubscriberDictionary* dict = nullptr);
  // Appends the encoded block of the rows so far to `out` and keeps them (the store's WAL
  // snapshot of a partial block): every row explicit, so it decodes on its own. Uses the
  // builder's compression context: not concurrently with any other call on this builder.
  void Encode(uint64_t first_seq, int zstd_level, std::string* out) const;
  void Clear();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// An equality search value prepared once for the Bloom filters of many blocks of one stream.
struct BloomProbe {
  int column = -1;          // -1: the field is not indexed or the value unparsable (no pruning)
  bool impossible = false;  // no value of the field's type equals it ("70000" for a u16)
  uint64_t value_hash = 0;  // block_format.h's value hash; the key: BloomKey(hash, column)
};
// `value` in JSON text form, unquoted: "10.0.0.1", "443", "example.com" (string fields: the raw
// bytes, as Add received them). Costs one hash (and an address or number parse).
BloomProbe MakeBloomProbe(record::StreamId stream, std::string_view field, std::string_view value);

// Row-group pair filters (docs/store-format.md, "Pair filters"): for the column pairs a stream
// declares (nat: outside_ip + outside_port, the trace question "who held public address A,
// port P"; login: ip with itself, a filter of that column alone), each row group carries a Bloom
// filter of its rows' value pairs, so a search for both values reads ~0.5 % of the groups that
// hold neither.
struct PairProbe {
  int column_a = -1;  // -1: the stream declares no such pair, or a value does not parse
  int column_b = -1;
  uint8_t b_shift = 0;  // the bucket shift of column b the key was made with
  uint64_t key = 0;
  bool impossible = false;  // a value no row can hold
};
// A probe for field_a == value_a AND field_b == value_b (values in JSON text form), in either
// order of the declared pair; for a column declared with itself, pass it twice.
PairProbe MakePairProbe(record::StreamId stream, std::string_view field_a, std::string_view value_a,
                        std::string_view field_b, std::string_view value_b);
// The declared pairs of a stream, as column indexes (a, b).
std::vector<std::pair<size_t, size_t>> PairColumns(record::StreamId stream);

// What the header of an encoded block says. Parsed without decompressing any column.
struct BlockHeader {
  record::StreamId stream{};
  uint32_t count = 0;
  uint64_t first_seq = 0;
  TimestampUs min_ts = 0;
  TimestampUs max_ts = 0;
  uint32_t header_bytes = 0;  // the header's own size (the columns follow it)
  uint32_t total_bytes = 0;   // header + columns: the whole block

  // Rows are split into row groups of 2^group_shift rows (the last may be shorter); each
  // column of each group (a chunk) is compressed on its own.
  uint32_t group_shift = 0;
  struct Group {
    TimestampUs min_ts = 0;  // of its rows' ts
    TimestampUs max_ts = 0;
  };
  std::vector<Group> groups;
  uint32_t GroupOf(uint32_t row) const { return row >> group_shift; }
  uint32_t GroupBegin(uint32_t group) const { return group << group_shift; }
  uint32_t GroupEnd(uint32_t group) const {  // one past its last row
    return static_cast<uint32_t>(std::min<uint64_t>(count, (uint64_t{group} + 1) << group_shift));
  }

  struct Chunk {
    uint8_t codec = 0;          // block_format::Codec: 0 raw, 1 zstd
    uint32_t offset = 0;        // of its stored bytes from the start of the block
    uint32_t stored_bytes = 0;  // on disk
    uint32_t raw_bytes = 0;     // decompressed
    uint64_t stored_hash = 0;   // Hash64 of the stored bytes
    uint64_t min_value = 0;     // zone map (the column's flags & 2): its rows' smallest value
    uint64_t max_value = 0;     // and largest; both 0 without a zone map
  };
  struct Column {
    uint8_t flags = 0;    // block_format: 1 = its values are in the Bloom filter, 2 = zone map
    uint32_t offset = 0;  // of its first chunk's stored bytes from the start of the block
    uint32_t stored_bytes = 0;  // all its chunks, on disk
    uint32_t raw_bytes = 0;     // all its chunks, decompressed
    uint64_t sum0 = 0;          // locator checksums over all rows (docs/store-format.md)
    uint64_t sum1 = 0;
    std::vector<Chunk> chunks;  // one per group
  };
  std::vector<Column> columns;  // ColumnCount(stream) entries

  // False only if the Bloom filter proves no row has field == value (value in JSON text form:
  // "10.0.0.1", "443", "example.com"). Always true for fields that are not indexed.
  // A column whose values are not in the filter (a u16 column with over 16384 distinct values
  // in the block: most of its domain) never prunes. Cost: a field lookup and MakeBloomProbe;
  // for many blocks make the probe once and use the overload below (one cache line).
  bool MayContain(std::string_view field, std::string_view value) const;
  bool MayContain(const BloomProbe& probe) const;  // a probe made for this block's stream

  std::string_view bloom;  // the filter's bits (opaque), in `owned` or the parsed bytes
  uint32_t bloom_hashes = 0;

  // False only if the zone map of `column` (an integer column) proves no row of `group` holds
  // `value`. True for columns without a zone map.
  bool GroupMayHold(size_t column, uint32_t group, uint64_t value) const {
    if (column >= columns.size() || !(columns[column].flags & 2)) return true;
    const Chunk& c = columns[column].chunks[group];
    return value >= c.min_value && value <= c.max_value;
  }
  // False only if the group's pair filter proves no row holds the probe's pair of values.
  // True when the block has no filter for that pair of columns.
  bool GroupMayContain(const PairProbe& probe, uint32_t group) const;

  // Per row group, a Bloom filter of the (column_a, column_b) value pairs of its rows.
  struct PairFilter {
    uint16_t column_a = 0;
    uint16_t column_b = 0;
    uint8_t hashes = 0;
    uint8_t b_shift = 0;  // column b's values enter the keys as v >> b_shift (integer columns)
    std::vector<uint32_t> offsets;  // per group: of its filter in `bits`, in bytes
    std::vector<uint32_t> nbits;    // per group: its filter's size (0: no filter, proves nothing)
    std::string_view bits;          // in `owned` or the parsed bytes
  };
  std::vector<PairFilter> pair_filters;

  // Subscriber columns (SubscriberDictionary): when the block has implicit rows, the key
  // column, the dependent columns, and per row group the chunk of its explicit-row map (a bit
  // per row, 1 = the row's D values are stored in the D columns' chunks). Empty otherwise:
  // every row's values are stored.
  int key_column = -1;
  std::vector<size_t> dependent;
  std::vector<Chunk> explicit_maps;
  bool has_implicit_rows() const { return !explicit_maps.empty(); }
  // The filters' bytes, copied by ParseBlockHeader; null after ParseBlockHeaderInPlace.
  std::shared_ptr<const std::string> owned;
};

// Parses and checks the header at the start of `bytes` (magic, sizes, header checksum). `bytes`
// need only hold the header (PeekBlockSizes says how long it is); the columns may be absent.
// Corruption naming what is wrong if `bytes` is not a block header or is cut short;
// NotSupported if the block was written for another version of the stream's schema.
Result<BlockHeader> ParseBlockHeader(std::string_view bytes);
// The same, but the header's filters stay in `bytes`, which must outlive it (a reader's mapped
// segment): nothing is copied, and a search touches only the filter pages it probes.
Result<BlockHeader> ParseBlockHeaderInPlace(std::string_view bytes);

// The first kBlockSizePrefix bytes of a block tell its header's size and the whole block's:
// for reading a header alone from a file. Corruption if they are not a block's.
constexpr size_t kBlockSizePrefix = 24;
struct BlockSizes {
  uint32_t header_bytes = 0;
  uint32_t total_bytes = 0;
};
Result<BlockSizes> PeekBlockSizes(std::string_view prefix);

// Random access to the rows of one encoded block. Keeps a view of `bytes`: the caller keeps
// them alive. A column is decompressed and decoded a row group at a time (LoadGroup: the
// chunk's stored hash is checked) or whole (LoadColumn: also the block's locator checksums,
// which name a changed row).
class BlockReader {
 public:
  // Parses the header; Corruption if `bytes` is shorter than the block (header.total_bytes).
  // Longer is fine: the bytes after the block are ignored.
  //
  // `dict`: the dictionary of the block's segment, holding at least the segment's blocks
  // before this one (it must outlive the reader and not change while the reader uses it).
  // Null for a block read on its own (the WAL's, tests): its implicit rows, if any, are then
  // Corruption when a dependent column is loaded.
  static Result<std::unique_ptr<BlockReader>> Open(std::string_view bytes,
                                                   const SubscriberDictionary* dict = nullptr);
  // With a header ParseBlockHeader made from these same bytes earlier (a reader's cache):
  // nothing is parsed again. InvalidArgument if `bytes` is shorter than the header says.
  static Result<std::unique_ptr<BlockReader>> Open(std::shared_ptr<const BlockHeader> header,
                                                   std::string_view bytes,
                                                   const SubscriberDictionary* dict = nullptr);
  // Open without the header checksum and with LoadColumn skipping the column checksums (every
  // other check stays): for fuzz targets only, so that they reach the decoders.
  static Result<std::unique_ptr<BlockReader>> OpenUnverifiedForFuzzing(
      std::string_view bytes, const SubscriberDictionary* dict = nullptr);
  ~BlockReader();

  const BlockHeader& header() const;

  // Decompresses and decodes a column (once). Corruption if the compressed data is damaged
  // or the decoded column does not match the header's checksum; when exactly one row differs
  // the message names it, and `*bad_row` (if given) is set to it, else to UINT32_MAX.
  Status LoadColumn(size_t column, uint32_t* bad_row = nullptr);
  // Decompresses and decodes one row group of a column (once), checking its stored hash (and
  // for ts the group's min/max): what a query reads. Corruption as above, without the row;
  // InvalidArgument for a column or group out of range. After a failed LoadColumn, its error.
  Status LoadGroup(size_t column, uint32_t group);

  // Accessors by row (< count) of a loaded column, or of a row in a loaded group. The type must
  // be the column's schema type. Views stay valid while the reader lives.
  TimestampUs TimeAt(size_t column, uint32_t row) const;
  uint64_t UintAt(size_t column, uint32_t row) const;  // U16/U32/U64
  const IpAddress& IpAt(size_t column, uint32_t row) const;
  std::string_view StringAt(size_t column, uint32_t row) const;
  // String columns by distinct value: a loaded group's values in order of first appearance
  // (a value may appear more than once), and the number of each row's value in its group,
  // so a search can test each value once.
  uint32_t StringIdAt(size_t column, uint32_t row) const;
  uint32_t StringValueCount(size_t column, uint32_t group) const;
  std::string_view StringValue(size_t column, uint32_t group, uint32_t id) const;
  // StringList/U32List: element count and elements.
  uint32_t ListSize(size_t column, uint32_t row) const;
  std::string_view StringListAt(size_t column, uint32_t row, uint32_t i) const;
  uint32_t U32ListAt(size_t column, uint32_t row, uint32_t i) const;

  // Checks that the header's search structures admit every row of the block: the Bloom filter
  // holds each value of its columns, each row's integers lie within its group's zone map, and
  // each row's pair is in its group's pair filter. A structure that lacked a row would make
  // searches skip it while the records themselves verify: Corruption naming the structure,
  // the column and the row (also in *bad_row if given). Loads every column first (LoadColumn).
  // `verify` runs it on every block; queries trust the header.
  Status CheckFilters(uint32_t* bad_row = nullptr);

  // Calls fn(row, key, tuple) for each explicit row of the block in row order (every row when
  // the block has no implicit rows; none when its stream declares no subscriber columns):
  // what SubscriberDictionary::AddBlock adds. Decodes only what that needs; Corruption as
  // LoadGroup.
  Status ForEachExplicitRow(
      const std::function<void(uint32_t row, const IpAddress& key, std::string_view tuple)>& fn);

  // Whether column c is a dependent column whose implicit rows this block resolves from the
  // dictionary (the block has implicit rows).
  bool IsResolved(size_t c) const;
  // For an equality search on dependent String column c without resolving whole row groups:
  // the keys whose tuple in `dict` has `value` in column c, in any version (a superset of the
  // keys of the implicit rows that hold it), then the rows among `rows` (ascending, of group g)
  // whose value equals it: explicit rows as stored, implicit rows only when their key is one
  // of `keys`. Corruption as LoadGroup.
  static std::vector<IpAddress> DependentKeys(record::StreamId stream,
                                              const SubscriberDictionary& dict, size_t c,
                                              std::string_view value);
  Status FilterDependent(size_t c, uint32_t g, std::string_view value,
                         const std::vector<IpAddress>& keys, std::vector<uint32_t>* rows);

  // Keeps the rows among `rows` (ascending, of group g) whose value of column c equals `value`
  // (an integer column) or `ip` (an Ip column): the search of `query --where` and `trace`.
  // A packed chunk not decoded yet is searched in its packed form (the target's code compared
  // with each row's bits; the stored hash and the packing checked as LoadGroup would), others
  // are loaded and compared. InvalidArgument for another column type; Corruption as LoadGroup.
  Status FilterEqual(size_t c, uint32_t g, uint64_t value, std::vector<uint32_t>* rows);
  Status FilterEqual(size_t c, uint32_t g, const IpAddress& ip, std::vector<uint32_t>* rows);

  // The row's ts (the block's first column): from its loaded group, else read straight from the
  // chunk's bytes (the stored hash checked, not the group's min/max): a point search tests the
  // time range on the few rows its other conditions left. InvalidArgument for a row out of
  // range or a stream whose first column is not a Time; Corruption as LoadGroup.
  Status RowTime(uint32_t row, TimestampUs* ts);

  // Tells the reader that about `n` rows of group g will be asked for by AppendJsonLine (a
  // query's matches there): more than a few, and every column of the group is decoded whole at
  // the first instead of each row read straight from the chunks' bytes. A hint only: any rows
  // may still be asked for.
  void ExpectRows(uint32_t g, size_t n);

  // Appends the row's canonical JSON line (record/json_encoder.h, with "\n") to `out`.
  // Loads the row's group of every column first (a Corruption from LoadGroup is returned).
  Status AppendJsonLine(uint32_t row, std::string* out);

  class Impl;

 private:
  explicit BlockReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netward::store
