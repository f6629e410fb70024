// src/store/store.h: the tamper-evident retention store (docs/store.md).
//
// A store is a directory. Each record stream has its own append-only log:
//   * records are appended as JSON lines (record/json_encoder.h); the store parses them into
//     typed columns and keeps them in zstd-compressed, columnar blocks (store/block_codec.h);
//   * every record is a leaf of the stream's RFC 6962 Merkle tree, in append order; the leaf
//     bytes are the record's canonical JSON line without its newline (docs/tamper-evidence.md);
//   * every `checkpoint_interval` the store signs a C2SP tlog-checkpoint per grown stream;
//   * every `sync_interval` appended records are written to the stream's write-ahead log and
//     fdatasync'ed: a crash loses at most the records appended since the last sync;
//   * blocks are grouped into segments by UTC day; expired segments are dropped whole, oldest
//     first, keeping the Merkle frontier of what was dropped so verification still works.
//
// One process writes a store at a time (DIR/LOCK, flock); any number of readers may open it
// read-only at the same time and see everything synced so far.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "record/schema.h"

namespace netward::store {

// Order 82 art. 13: records are kept at least 60 days; the Cybersecurity Law asks 6 months.
constexpr uint32_t kMinRetentionDays = 60;
constexpr uint32_t kDefaultRetentionDays = 180;

struct StoreOptions {
  std::string dir;
  // Site code written in the store's own `maintenance` records (purges, disk full).
  std::string site;
  // Checkpoint origin prefix, fixed when the store is created (kept in DIR/STORE); the origin of
  // a stream's checkpoints is "<origin>/<stream>". Empty: "netward/<random store id>".
  std::string origin;
  // Ed25519 signing key (netward keygen). Empty: DIR/keys/signing.key, created on first open.
  std::string signing_key_path;
  int64_t sync_interval_us = 1 * kUsPerSecond;
  int64_t checkpoint_interval_us = 10 * kUsPerSecond;
  // Per stream; each must be >= kMinRetentionDays or Open() fails citing the rule.
  std::array<uint32_t, record::kStreamCount> retention_days = DefaultRetention();
  // Records per block (the unit of compression and of index pruning).
  uint32_t block_records = 65536;
  // zstd level of the segments' columns. 1 costs ~100 ns a record less than 3 on the bench's
  // session+NAT records for ~0.5 bytes a record more (docs/store.md, "Ingest speed").
  int zstd_level = 1;
  // Run a background thread that syncs, checkpoints and purges on the intervals above.
  // Without it the caller drives Sync()/Checkpoint()/Purge() (tests, ingest).
  bool background = true;

  static std::array<uint32_t, record::kStreamCount> DefaultRetention() {
    std::array<uint32_t, record::kStreamCount> days;
    days.fill(kDefaultRetentionDays);
    return days;
  }
};

struct StreamStats {
  record::StreamId stream{};
  uint64_t records = 0;        // records kept (after purges)
  uint64_t tree_size = 0;      // leaves ever appended (records + purged)
  uint64_t purged = 0;         // leaves dropped by retention
  uint64_t bytes_on_disk = 0;  // segments, indexes, WAL, checkpoints of this stream
  uint64_t segments = 0;
  TimestampUs oldest = 0;  // smallest record ts kept, 0 if none
  TimestampUs newest = 0;
  uint64_t checkpoints = 0;
};

// Where one stream's bytes go (`netward stats --columns`): block headers (of which the Bloom
// filters) and each column's chunks, stored and decompressed, over the blocks of its segments.
struct ColumnStats {
  record::StreamId stream{};
  uint64_t records = 0;  // rows of the blocks counted (a block shared with a purge counts whole)
  uint64_t blocks = 0;
  uint64_t header_bytes = 0;  // block headers, Bloom filters included
  uint64_t bloom_bytes = 0;
  uint64_t explicit_map_bytes = 0;  // subscriber columns' explicit-row maps (docs/store-format.md)
  struct Column {
    std::string name;
    uint64_t stored_bytes = 0;
    uint64_t raw_bytes = 0;
    uint64_t blocks_in_bloom = 0;  // blocks whose Bloom filter holds this column's values
  };
  std::vector<Column> columns;
};

struct PurgeReport {
  record::StreamId stream{};
  uint64_t segments_dropped = 0;
  uint64_t records_dropped = 0;
  TimestampUs newest_dropped = 0;
};

// Writer. Thread-safe: many threads may Append at once (leaf order is the order in which
// their calls take the stream's lock).
class Store {
 public:
  // Creates DIR if missing, takes DIR/LOCK, recovers from a crash (truncates torn tails,
  // rebuilds indexes) and starts the background thread. Fails with InvalidArgument for a bad
  // option (retention below 60 days, a signing key readable by others) and IOError otherwise.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();  // Close()s, ignoring its status

  // Appends JSON lines of one stream ('\n'-separated; a final newline is optional). Lines that
  // are not canonical are re-encoded canonically first. InvalidArgument (naming the line number
  // within `lines` and the field) if a line is not a record of `stream`: nothing of that call
  // is appended then. `first_seq` receives the leaf index of the first appended record.
  Status AppendLines(record::StreamId stream, std::string_view lines,
                     uint64_t* first_seq = nullptr);

  // Makes every appended record durable (WAL write + fdatasync).
  Status Sync();
  // Sync()s, then signs and stores a checkpoint for every stream whose tree grew.
  Status Checkpoint();
  // Drops segments whose newest record is older than now - retention, oldest first; writes a
  // `maintenance` record per purge. `now` is the wall clock in production, set by tests.
  Status Purge(TimestampUs now, std::vector<PurgeReport>* report = nullptr);
  // Sync, checkpoint, stop the background thread, release the lock. Idempotent.
  Status Close();

  const std::string& dir() const;

  class Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What `netward query` asks. Empty/zero members do not filter.
struct QuerySpec {
  record::StreamId stream{};
  TimestampUs from = 0;  // inclusive, record ts
  TimestampUs to = 0;    // exclusive; 0: no upper bound
  // field=value, exact match on the field's JSON text form ("10.0.0.1", "443", "alice");
  // for list fields, any element. All must match.
  std::vector<std::pair<std::string, std::string>> where;
  std::string contains;  // substring of any string field (case-sensitive bytes)
  // With `contains`: only these fields (string or string-list fields); empty: every one but
  // site. InvalidArgument naming the stream's text fields for another name.
  std::vector<std::string> contains_fields;
  uint64_t limit = 0;  // 0: no limit
};

// Reader. Opens without the lock; sees what was synced when it opened. Thread-compatible.
class StoreReader {
 public:
  static Result<std::unique_ptr<StoreReader>> Open(const std::string& dir);
  ~StoreReader();

  // Calls `emit(seq, json_line)` for each matching record in leaf order (json_line without
  // '\n'); stops early if `emit` returns false. InvalidArgument for an unknown field.
  Status Query(const QuerySpec& spec,
               const std::function<bool(uint64_t seq, std::string_view line)>& emit);
  Result<std::vector<StreamStats>> Stats();
  // Reads every block header of the stream (no column data).
  Result<ColumnStats> Columns(record::StreamId stream);

  class Impl;

 private:
  explicit StoreReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netward::store
