// src/store/verifier.h: `netward verify`, export of leaves and checkpoints, and proofs.
//
// VerifyStore re-derives every leaf from the stored columns (never from the .idx files or
// anything else derived), rebuilds each stream's tree from the purged frontier, and checks that
// every checkpoint is signed by a trusted key and matches the tree at its size. The first problem
// found is described with its location: the segment file and byte offset of the block, the
// record's sequence number and the field when a column's checksum locates it, or the checkpoint
// (by tree size) whose root the records no longer produce.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "record/schema.h"
#include "store/merkle.h"

namespace netward::store {

struct StreamVerifyResult {
  record::StreamId stream{};
  uint64_t records = 0;           // leaves re-derived (not purged)
  uint64_t purged = 0;            // leaves dropped by retention
  uint64_t checkpoints = 0;       // signatures verified
  uint64_t roots_checked = 0;     // checkpoints whose root was recomputed and matched
  uint64_t unsigned_records = 0;  // records after the last checkpoint
  uint64_t last_checkpoint_size = 0;
  std::string last_root_hex;
};

struct VerifyReport {
  bool intact = true;
  std::string problem;  // the first problem found, when !intact
  std::vector<StreamVerifyResult> streams;
};

struct VerifyOptions {
  // A vkey file to trust instead of DIR/signing.pub (what an auditor should pass).
  std::string pubkey_path;
  // Only this stream, if set.
  bool one_stream = false;
  record::StreamId stream{};
  // Called now and then with a progress line on long runs.
  std::function<void(std::string_view)> progress;
};

// Status is an error only if verification could not run (missing store, unreadable key); a
// tampered store gives OK with report->intact == false.
Status VerifyStore(const std::string& dir, const VerifyOptions& options, VerifyReport* report);

// The leaves of a stream in tree order, one per call; first, when retention dropped a prefix,
// the line "#frontier <size> <hex>,<hex>,..." (docs/tamper-evidence.md).
Status ExportLeaves(const std::string& dir, record::StreamId stream,
                    const std::function<void(std::string_view line)>& emit);
// The latest signed checkpoint note of a stream (NotFound if none yet).
Result<std::string> LatestCheckpoint(const std::string& dir, record::StreamId stream);

struct InclusionProofResult {
  uint64_t seq = 0;
  uint64_t tree_size = 0;
  std::string leaf;  // the record's leaf bytes (canonical JSON line)
  Hash leaf_hash{};
  std::vector<Hash> proof;
  std::string checkpoint;  // the signed note for tree_size
};
// Proves record `seq` is in the tree of the latest checkpoint (or of `tree_size` if nonzero,
// which must be a checkpoint's size).
Result<InclusionProofResult> ProveInclusion(const std::string& dir, record::StreamId stream,
                                            uint64_t seq, uint64_t tree_size);

struct ConsistencyProofResult {
  uint64_t old_size = 0, new_size = 0;
  std::vector<Hash> proof;
  std::string old_checkpoint, new_checkpoint;
};
// Proves the checkpoint of `old_size` is a prefix of that of `new_size` (0: the latest).
Result<ConsistencyProofResult> ProveConsistency(const std::string& dir, record::StreamId stream,
                                                uint64_t old_size, uint64_t new_size);

}  // namespace netward::store
