// src/store/stream_snapshot.h: a read-only view of one stream's files as they are now: the
// segments (memory-mapped, up to their last whole block), the WAL block, the purged prefix and
// the checkpoint notes. Used by StoreReader (queries, stats, export, proofs) and by verify.
// Does not take the store's lock: a writer may append meanwhile; the snapshot ignores what was
// added after it was taken.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "record/schema.h"
#include "store/block_codec.h"
#include "store/stream_files.h"

namespace netward::store {

// A read-only memory map of a file's first `size` bytes.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path, uint64_t size);
  ~MappedFile();
  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

// One block of the snapshot: where its bytes are and which records it holds.
struct BlockRef {
  std::string_view bytes;
  const SegmentInfo* segment = nullptr;  // null for the WAL block
  IndexEntry entry;
  uint32_t first_row = 0;  // WAL: rows before this are already in a segment
};

class StreamSnapshot {
 public:
  // Segments are read through their .idx (walking headers where it falls short).
  static Result<std::unique_ptr<StreamSnapshot>> Open(const std::string& store_dir,
                                                      record::StreamId stream);

  record::StreamId stream() const { return stream_; }
  const std::string& dir() const { return dir_; }
  const PurgedPrefix& purged() const { return purged_; }
  const std::vector<SegmentInfo>& segments() const { return segments_; }
  const std::vector<BlockRef>& blocks() const { return blocks_; }
  // Leaves [purged().upto_seq, end_seq()) are readable.
  uint64_t end_seq() const { return end_seq_; }
  uint64_t bytes_on_disk() const { return bytes_on_disk_; }

 private:
  record::StreamId stream_{};
  std::string dir_;
  PurgedPrefix purged_;
  std::vector<SegmentInfo> segments_;
  std::vector<std::unique_ptr<MappedFile>> maps_;
  std::string wal_;
  std::vector<BlockRef> blocks_;
  uint64_t end_seq_ = 0;
  uint64_t bytes_on_disk_ = 0;
};

// The subscriber dictionaries (block_codec.h) of a stream's segments, for reading their blocks:
// built on first use from a segment's blocks in order, and kept across snapshots of the stream
// (a segment only grows; one whose blocks changed, e.g. a torn tail cut and rewritten after a
// crash, is built again). Not thread-safe; readers that use a dictionary it returned must be
// done before the next call.
class SnapshotDictionaries {
 public:
  // The dictionary to open block b of `snap` with: it holds every block of b's segment in the
  // snapshot (its tuples as of b are those of the blocks before b). Null for the WAL's block
  // (it has no implicit rows). Errors of the blocks it reads.
  Result<const SubscriberDictionary*> For(const StreamSnapshot& snap, size_t b);
  // Forgets the segments `snap` no longer has (dropped by retention).
  void Retain(const StreamSnapshot& snap);

 private:
  struct Segment {
    SubscriberDictionary dict;
    uint64_t next_seq = 0;        // first_seq of the next block to add
    uint64_t last_first_seq = 0;  // of the last block added
    uint64_t last_checksum = 0;   // its header checksum
    bool any = false;             // a block was added
    uint64_t used = 0;            // when it was last asked for
  };
  // At most kMaxSegments dictionaries are kept (~100 bytes a subscriber each); the least
  // recently used one is cleared and reused for the next (its memory is kept: no fresh pages).
  static constexpr size_t kMaxSegments = 32;
  std::map<uint64_t, Segment> segments_;  // by the segment's first_seq
  uint64_t clock_ = 0;
};

}  // namespace netward::store
