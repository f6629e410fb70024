// src/store/stream_files.h: the files of one stream's directory (docs/store-format.md).
//
//   DIR/<stream>/seg-<first seq, 20 digits>.nws   blocks (block_codec.h), appended in leaf order
//   DIR/<stream>/seg-<first seq>.idx              one IndexEntry per block of that segment
//   DIR/<stream>/wal                              one frame: the block of records not yet in a
//                                                 segment (rewritten atomically at each sync)
//   DIR/<stream>/checkpoints                      frames: signed checkpoint notes, appended
//   DIR/<stream>/purged                           what retention dropped (PurgedPrefix)
//
// Segments and checkpoints are append-only. The .idx files are derived data: when one is
// missing, damaged or behind its segment it is rebuilt from the segment's block headers.
// Every frame carries a CRC-32 so a torn tail (a crash mid-write) is recognised and cut off.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "record/schema.h"
#include "store/merkle.h"

namespace netward::store {

// One block of a segment as the .idx file records it, with the Merkle frontier of the stream's
// tree right after the block's last leaf (so opening a store need not re-hash old records).
struct IndexEntry {
  uint64_t offset = 0;  // within the segment file
  uint32_t total_bytes = 0;
  uint32_t count = 0;
  uint64_t first_seq = 0;
  TimestampUs min_ts = 0;
  TimestampUs max_ts = 0;
  std::string frontier;  // CompactRange::Serialize() after this block; empty if unknown
};

struct SegmentInfo {
  std::string path;  // .nws
  uint64_t first_seq = 0;
  uint64_t end_seq = 0;  // first_seq + records
  uint64_t file_bytes = 0;
  uint64_t index_bytes = 0;
  TimestampUs min_ts = 0;
  TimestampUs max_ts = 0;
  std::vector<IndexEntry> blocks;
  // Bytes past the last whole block (a torn tail); the writer truncates them on open.
  uint64_t valid_bytes = 0;
};

struct PurgedPrefix {
  uint64_t upto_seq = 0;  // leaves [0, upto_seq) were dropped
  uint64_t segments = 0;  // segments dropped in all
  TimestampUs newest_dropped = 0;
  std::string frontier;  // CompactRange::Serialize() of the dropped leaves
};

std::string StreamDir(const std::string& store_dir, record::StreamId stream);
std::string SegmentPath(const std::string& stream_dir, uint64_t first_seq);
std::string IndexPathFor(const std::string& segment_path);

// Frames: "NWF1" magic, u32 payload length, u32 CRC-32 of the payload, payload.
void AppendFrame(std::string_view payload, std::string* out);
// Splits `data` into frame payloads; stops at the first incomplete or damaged frame and sets
// `*valid_bytes` to where it ends (the rest is a torn tail).
std::vector<std::string_view> ParseFrames(std::string_view data, uint64_t* valid_bytes);

std::string EncodeIndexEntry(const IndexEntry& entry);
// Reads the segment's blocks: from its .idx where that agrees with the segment, otherwise by
// walking block headers (and rewrites nothing: see RewriteIndex). Corruption only for damage
// before the last whole block; a torn tail is reported through valid_bytes.
Result<SegmentInfo> LoadSegment(const std::string& segment_path, uint64_t expected_first_seq);
// Writes the .idx of a segment from `info.blocks` (atomically).
Status RewriteIndex(const SegmentInfo& info);

// Segments of a stream directory, ordered by first seq.
Result<std::vector<std::string>> ListSegments(const std::string& stream_dir);

std::string EncodePurged(const PurgedPrefix& p);
Result<PurgedPrefix> DecodePurged(std::string_view data);
// Missing file: an empty prefix.
Result<PurgedPrefix> LoadPurged(const std::string& stream_dir);

// The WAL block, if the file exists and its frame is whole ("" otherwise).
Result<std::string> LoadWalBlock(const std::string& stream_dir);

// Checkpoint notes in the order written, and the bytes that hold whole frames.
Result<std::vector<std::string>> LoadCheckpointNotes(const std::string& stream_dir,
                                                     uint64_t* valid_bytes = nullptr);

}  // namespace netward::store
