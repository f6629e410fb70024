// src/store/stream_writer.h: the writer of one stream's log inside a Store (store.h).
//
// Holds the stream's partial block (records not yet in a segment), the Merkle frontier of every
// leaf appended, and the open segment, index and checkpoint files. All methods lock the stream's
// mutex; Store calls them from appending threads and from its background thread.
//
// Write path: AppendRecords() adds leaves to the tree and rows to the partial block; a full block
// (or the first record of a later UTC day) is appended to the segment with its index entry.
// Sync() fdatasyncs the segment and index, then atomically rewrites the WAL with the partial
// block, so after Sync() returns every appended record survives a crash. A failed write (disk
// full) leaves the files as they were; the block is kept and retried at the next Sync().
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "record/schema.h"
#include "store/block_codec.h"
#include "store/file_util.h"
#include "store/merkle.h"
#include "store/signing_key.h"
#include "store/store.h"
#include "store/stream_files.h"

namespace netward::store {

class StreamWriter {
 public:
  StreamWriter(record::StreamId stream, std::string store_dir, const StoreOptions& options);

  // Opens the stream's files, cuts torn tails, rebuilds missing index entries, re-appends the
  // records of the WAL. Corruption (pointing at `netward verify`) for damage it cannot repair.
  Status Recover();
  // After Recover(): the WAL's records that are not in a segment, as JSON lines, for the owner
  // to append again (they become leaves again, in the same order).
  Result<std::string> TakeWalLines();

  // Appends decoded records with their leaf hashes (computed by the caller outside the lock).
  template <typename R>
  Status AppendRecords(const std::vector<R>& records, const std::vector<std::string>& sites,
                       const std::vector<Hash>& leaf_hashes, size_t n, uint64_t* first_seq);

  Status Sync();
  // Appends a signed checkpoint if the tree grew since the last one (call after Sync()).
  Status Checkpoint(const SigningKey& key, const std::string& origin);
  Status Purge(TimestampUs now, uint32_t retention_days, PurgeReport* report);

  record::StreamId stream() const { return stream_; }
  uint64_t tree_size();
  // Records appended but refused since the disk filled up, and whether writes fail now.
  bool disk_failing();

 private:
  Status FlushBlockLocked();
  // Whether a block whose first record is of `day` starts a new segment.
  bool StartsSegmentLocked(int64_t day) const;
  // Appends an encoded block to the open segment, or to a new one if `new_segment` (decided
  // before it was encoded: its implicit rows refer to the segment's earlier blocks).
  Status WriteBlockLocked(std::string block, IndexEntry entry, bool new_segment);
  Status RebuildDictionaryLocked();
  Status OpenSegmentLocked(uint64_t first_seq);
  Status RecoverWalLocked();
  Status RehashBlocksLocked(SegmentInfo* seg, size_t from_block);

  const record::StreamId stream_;
  const std::string dir_;
  const StoreOptions options_;

  std::mutex mu_;
  BlockBuilder pending_;
  uint64_t pending_first_seq_ = 0;
  CompactRange tree_;
  PurgedPrefix purged_;
  std::vector<SegmentInfo> segments_;  // the last one is open for appending
  AppendFile segment_file_;
  AppendFile index_file_;
  AppendFile checkpoint_file_;
  int64_t segment_day_ = -1;
  bool segment_dirty_ = false;  // appended since the last fdatasync
  bool wal_dirty_ = false;      // pending_ changed since the WAL was written
  uint64_t last_checkpoint_size_ = 0;
  // A full block whose write failed (disk full); retried before anything else is written.
  std::string failed_block_;
  IndexEntry failed_entry_;
  bool failed_new_segment_ = false;
  // The open segment's subscriber dictionary (block_codec.h) as of its last block encoded.
  SubscriberDictionary dict_;
  std::string encode_buffer_;
};

}  // namespace netward::store
