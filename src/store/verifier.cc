#include "store/verifier.h"

#include <algorithm>
#include <map>
#include <memory>

#include "store/block_codec.h"
#include "store/checkpoint.h"
#include "store/file_util.h"
#include "store/signing_key.h"
#include "store/store_meta.h"
#include "store/stream_files.h"
#include "store/stream_snapshot.h"

namespace netward::store {
namespace {

std::string Where(const std::string& segment, uint64_t offset) {
  return segment + " (block at byte " + std::to_string(offset) + ")";
}

struct OpenedCheckpoint {
  store::Checkpoint cp;
  std::string note;
};

// Opens every note of a stream with the trusted keys. `problem` set on the first bad one.
Result<std::vector<OpenedCheckpoint>> OpenCheckpoints(const std::string& stream_dir,
                                                      const std::string& origin,
                                                      const std::vector<VerifierKey>& keys,
                                                      std::string* problem) {
  uint64_t valid = 0;
  auto notes = LoadCheckpointNotes(stream_dir, &valid);
  if (!notes.ok()) return notes.status();
  std::vector<OpenedCheckpoint> out;
  uint64_t file_size = FileSizeOrZero(stream_dir + "/checkpoints");
  if (valid < file_size) {
    *problem = stream_dir + "/checkpoints: damaged after byte " + std::to_string(valid) + " (" +
               std::to_string(file_size - valid) + " bytes that are not a whole checkpoint)";
    return out;
  }
  uint64_t last_size = 0;
  for (size_t i = 0; i < notes->size(); ++i) {
    const std::string& note = (*notes)[i];
    Status last_error;
    std::optional<store::Checkpoint> opened;
    for (const auto& key : keys) {
      auto cp = OpenCheckpoint(note, key);
      if (cp.ok()) {
        opened = cp.value();
        break;
      }
      last_error = cp.status();
    }
    std::string label = stream_dir + "/checkpoints: checkpoint #" + std::to_string(i + 1);
    if (!opened) {
      *problem = label + ": " + last_error.message();
      return out;
    }
    if (opened->origin != origin) {
      *problem =
          label + ": origin \"" + opened->origin + "\" is not this stream's (\"" + origin + "\")";
      return out;
    }
    if (opened->size < last_size) {
      *problem = label + ": tree size " + std::to_string(opened->size) +
                 " is smaller than the previous checkpoint's " + std::to_string(last_size);
      return out;
    }
    last_size = opened->size;
    out.push_back({opened.value(), note});
  }
  return out;
}

Result<std::vector<VerifierKey>> TrustedKeys(const std::string& dir,
                                             const std::string& pubkey_path) {
  std::vector<VerifierKey> keys;
  if (!pubkey_path.empty()) {
    auto k = VerifierKey::Load(pubkey_path);
    if (!k.ok()) return k.status();
    keys.push_back(k.value());
    return keys;
  }
  auto lines = LoadTrustedKeys(dir);
  if (!lines.ok()) return lines.status();
  for (const auto& l : lines.value()) {
    auto k = VerifierKey::Parse(l);
    if (!k.ok()) return Status::Corruption(dir + "/signing.pub", k.status().message());
    keys.push_back(k.value());
  }
  if (keys.empty()) {
    return Status::NotFound(dir + "/signing.pub", "no public key; pass --pubkey FILE");
  }
  return keys;
}

class StreamVerifier {
 public:
  StreamVerifier(std::string dir, record::StreamId stream, std::string origin,
                 const std::vector<VerifierKey>& keys, const VerifyOptions& options,
                 VerifyReport* report)
      : store_dir_(std::move(dir)),
        stream_dir_(StreamDir(store_dir_, stream)),
        origin_(std::move(origin)),
        keys_(keys),
        options_(options),
        report_(report) {
    result_.stream = stream;
  }

  Status Run();
  const StreamVerifyResult& result() const { return result_; }

 private:
  bool Fail(std::string problem) {
    if (report_->intact) {
      report_->intact = false;
      report_->problem = std::move(problem);
    }
    return false;
  }
  // Adds one leaf; checks the checkpoints whose size it reaches.
  bool AddLeaf(std::string_view leaf, const std::string& where);
  // in_segment: a block of the segment being walked (dict_ holds its blocks before it), not
  // the WAL's.
  bool VerifyBlockBytes(std::string_view bytes, const std::string& segment, uint64_t offset,
                        bool in_segment, uint32_t first_row, uint64_t* expected_seq);

  std::string store_dir_, stream_dir_, origin_;
  const std::vector<VerifierKey>& keys_;
  const VerifyOptions& options_;
  VerifyReport* report_;
  StreamVerifyResult result_;
  std::vector<OpenedCheckpoint> checkpoints_;
  size_t next_checkpoint_ = 0;
  uint64_t last_checked_size_ = 0;
  std::string last_checked_where_;
  CompactRange tree_;
  std::string line_;
  // The subscriber dictionary of the segment being walked (null for the WAL's block).
  SubscriberDictionary dict_;
};

bool StreamVerifier::AddLeaf(std::string_view leaf, const std::string& where) {
  tree_.Append(HashLeaf(leaf));
  ++result_.records;
  if (options_.progress && result_.records % 5000000 == 0) {
    options_.progress(std::string(record::StreamName(result_.stream)) + ": " +
                      std::to_string(result_.records) + " records verified");
  }
  while (next_checkpoint_ < checkpoints_.size() &&
         checkpoints_[next_checkpoint_].cp.size == tree_.size()) {
    const auto& cp = checkpoints_[next_checkpoint_].cp;
    if (cp.root != tree_.Root()) {
      return Fail(std::string(record::StreamName(result_.stream)) + ": checkpoint #" +
                  std::to_string(next_checkpoint_ + 1) + " (tree size " + std::to_string(cp.size) +
                  ") does not match the records: a record with seq in [" +
                  std::to_string(last_checked_size_) + ", " + std::to_string(cp.size) +
                  ") was changed, inserted, deleted or reordered (first block of that range: " +
                  (last_checked_where_.empty() ? where : last_checked_where_) + ")");
    }
    ++result_.roots_checked;
    last_checked_size_ = cp.size;
    last_checked_where_.clear();
    ++next_checkpoint_;
  }
  if (last_checked_where_.empty()) last_checked_where_ = where;
  return true;
}

bool StreamVerifier::VerifyBlockBytes(std::string_view bytes, const std::string& segment,
                                      uint64_t offset, bool in_segment, uint32_t first_row,
                                      uint64_t* expected_seq) {
  std::string where = Where(segment, offset);
  auto reader = BlockReader::Open(bytes, in_segment ? &dict_ : nullptr);
  if (!reader.ok()) return Fail(where + ": " + reader.status().message());
  BlockReader& r = *reader.value();
  const BlockHeader& h = r.header();
  if (h.stream != result_.stream) return Fail(where + ": a block of another stream");
  if (h.first_seq + first_row != *expected_seq) {
    return Fail(where + ": holds records from seq " + std::to_string(h.first_seq + first_row) +
                " but seq " + std::to_string(*expected_seq) +
                " was expected (records deleted, inserted or reordered)");
  }
  for (size_t col = 0; col < ColumnCount(result_.stream); ++col) {
    uint32_t bad_row = UINT32_MAX;
    Status st = r.LoadColumn(col, &bad_row);
    if (!st.ok()) {
      std::string record = bad_row != UINT32_MAX
                               ? ", record seq " + std::to_string(h.first_seq + bad_row)
                               : ", records seq " + std::to_string(h.first_seq) + ".." +
                                     std::to_string(h.first_seq + h.count - 1);
      return Fail(where + record + ", field " + std::string(ColumnName(result_.stream, col)) +
                  ": " + st.message());
    }
  }
  // The search structures must admit every record, or queries would skip records that verify.
  uint32_t bad_row = UINT32_MAX;
  if (Status st = r.CheckFilters(&bad_row); !st.ok()) {
    std::string record =
        bad_row != UINT32_MAX ? ", record seq " + std::to_string(h.first_seq + bad_row) : "";
    return Fail(where + record + ": " + st.message());
  }
  for (uint32_t row = first_row; row < h.count; ++row) {
    line_.clear();
    Status st = r.AppendJsonLine(row, &line_);
    if (!st.ok()) return Fail(where + ": " + st.message());
    line_.pop_back();
    if (!AddLeaf(line_, where)) return false;
  }
  // Its explicit rows join the segment's dictionary, for the blocks after it.
  if (in_segment) {
    if (Status st = dict_.AddBlock(r); !st.ok()) return Fail(where + ": " + st.message());
  }
  *expected_seq = h.first_seq + h.count;
  return true;
}

Status StreamVerifier::Run() {
  std::string problem;
  auto cps = OpenCheckpoints(stream_dir_, origin_, keys_, &problem);
  if (!cps.ok()) return cps.status();
  checkpoints_ = std::move(cps.value());
  result_.checkpoints = checkpoints_.size();
  if (!problem.empty()) return Fail(problem), Status::OK();

  auto purged = LoadPurged(stream_dir_);
  if (!purged.ok()) return Fail(purged.status().message()), Status::OK();
  if (purged->upto_seq > 0) {
    auto range = CompactRange::Parse(purged->frontier);
    if (!range.ok() || range->size() != purged->upto_seq) {
      return Fail(stream_dir_ + "/purged: frontier damaged"), Status::OK();
    }
    tree_ = range.value();
    result_.purged = purged->upto_seq;
    // Checkpoints from before the purge: their signatures were checked; the one at exactly the
    // purge point can still be compared with the frontier's root.
    while (next_checkpoint_ < checkpoints_.size() &&
           checkpoints_[next_checkpoint_].cp.size <= purged->upto_seq) {
      if (checkpoints_[next_checkpoint_].cp.size == purged->upto_seq &&
          checkpoints_[next_checkpoint_].cp.root != tree_.Root()) {
        return Fail(stream_dir_ + "/purged: the kept frontier does not match checkpoint #" +
                    std::to_string(next_checkpoint_ + 1)),
               Status::OK();
      }
      ++next_checkpoint_;
    }
    last_checked_size_ = purged->upto_seq;
  }

  auto names = ListSegments(stream_dir_);
  if (!names.ok()) return names.status();
  uint64_t expected = purged->upto_seq;
  for (const std::string& path : names.value()) {
    uint64_t first = std::strtoull(path.c_str() + path.size() - 24, nullptr, 10);
    if (first != expected) {
      return Fail(path + ": named for seq " + std::to_string(first) + " but seq " +
                  std::to_string(expected) +
                  " was expected (a segment was deleted, inserted or renamed)"),
             Status::OK();
    }
    dict_.Clear();  // a segment's implicit rows refer only to its own blocks
    uint64_t size = FileSizeOrZero(path);
    auto map = MappedFile::Open(path, size);
    if (!map.ok()) return map.status();
    std::string_view data = map.value()->data();
    uint64_t offset = 0;
    while (offset < data.size()) {
      auto header = ParseBlockHeaderInPlace(data.substr(offset));
      if (!header.ok()) {
        return Fail(Where(path, offset) + " (records from seq " + std::to_string(expected) +
                    "): " + header.status().message()),
               Status::OK();
      }
      if (header->total_bytes > data.size() - offset) {
        return Fail(Where(path, offset) + ": cut short (truncated file)"), Status::OK();
      }
      if (!VerifyBlockBytes(data.substr(offset, header->total_bytes), path, offset, true, 0,
                            &expected)) {
        return Status::OK();
      }
      offset += header->total_bytes;
    }
  }
  // Records synced to the WAL but not yet in a segment.
  auto wal = LoadWalBlock(stream_dir_);
  if (wal.ok() && !wal->empty()) {
    auto header = ParseBlockHeaderInPlace(wal.value());
    if (header.ok() && header->first_seq <= expected &&
        header->first_seq + header->count > expected) {
      if (!VerifyBlockBytes(wal.value(), stream_dir_ + "/wal", 0, false,
                            static_cast<uint32_t>(expected - header->first_seq), &expected)) {
        return Status::OK();
      }
    }
  }
  if (next_checkpoint_ < checkpoints_.size()) {
    const auto& cp = checkpoints_.back().cp;
    return Fail(std::string(record::StreamName(result_.stream)) + ": checkpoint #" +
                std::to_string(checkpoints_.size()) + " covers " + std::to_string(cp.size) +
                " records but the store ends at seq " + std::to_string(expected) +
                " (records deleted or the files truncated)"),
           Status::OK();
  }
  if (!checkpoints_.empty()) {
    result_.last_checkpoint_size = checkpoints_.back().cp.size;
    result_.last_root_hex = HashToHex(checkpoints_.back().cp.root);
  }
  result_.unsigned_records = tree_.size() - result_.last_checkpoint_size;
  return Status::OK();
}

// Subtree hashes for proofs: perfect subtrees taken from the frontiers kept at block boundaries
// (and at the purge point) when one holds them, otherwise computed from re-derived leaves.
class SnapshotSubtreeSource : public SubtreeSource {
 public:
  explicit SnapshotSubtreeSource(const StreamSnapshot& snap) : snap_(snap) {
    auto add = [&](const std::string& serialized) {
      if (serialized.empty()) return;
      auto range = CompactRange::Parse(serialized);
      if (range.ok()) frontiers_.emplace(range->size(), range.value());
    };
    add(snap.purged().frontier);
    for (const auto& seg : snap.segments()) {
      for (const auto& b : seg.blocks) add(b.frontier);
    }
  }

  Result<Hash> SubtreeHash(uint64_t begin, uint64_t end) override {
    uint64_t n = end - begin;
    if (n == 0) return EmptyRoot();
    if (n == 1) return LeafHashAt(begin);
    if ((n & (n - 1)) == 0 && begin % n == 0) {
      if (auto h = FromFrontier(begin, end)) return *h;
    }
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    auto left = SubtreeHash(begin, begin + k);
    if (!left.ok()) return left;
    auto right = SubtreeHash(begin + k, end);
    if (!right.ok()) return right;
    return HashChildren(left.value(), right.value());
  }

  // Leaves are asked for in runs within a block: the decoded block is kept for the next call.
  Result<std::string> LeafAt(uint64_t seq) {
    const auto& blocks = snap_.blocks();
    // The first block whose records end after seq (blocks are in seq order).
    auto it = std::upper_bound(
        blocks.begin(), blocks.end(), seq,
        [](uint64_t s, const BlockRef& b) { return s < b.entry.first_seq + b.entry.count; });
    if (it == blocks.end() || seq < it->entry.first_seq + it->first_row) {
      return Status::NotFound("seq " + std::to_string(seq), seq < snap_.purged().upto_seq
                                                                ? "dropped by retention"
                                                                : "no such record");
    }
    size_t index = static_cast<size_t>(it - blocks.begin());
    if (!reader_ || reader_block_ != index) {
      reader_.reset();
      auto dict = dicts_.For(snap_, index);
      if (!dict.ok()) return dict.status();
      auto r = BlockReader::Open(it->bytes, dict.value());
      if (!r.ok()) return r.status();
      reader_ = std::move(r.value());
      reader_block_ = index;
    }
    std::string line;
    Status st = reader_->AppendJsonLine(static_cast<uint32_t>(seq - it->entry.first_seq), &line);
    if (!st.ok()) return st;
    line.pop_back();
    return line;
  }

 private:
  // A perfect subtree [begin, end) is a node of the frontier of size s only if
  // end <= s < end + (end - begin); look at the frontiers kept in that window.
  std::optional<Hash> FromFrontier(uint64_t begin, uint64_t end) {
    for (auto it = frontiers_.lower_bound(end);
         it != frontiers_.end() && it->first < 2 * end - begin; ++it) {
      uint64_t s = it->first, start = 0;
      const auto& nodes = it->second.nodes();
      size_t i = 0;
      for (int bit = 63; bit >= 0 && start <= begin; --bit) {
        uint64_t size = 1ULL << bit;
        if (!(s & size)) continue;
        if (start == begin && start + size == end) return nodes[i];
        start += size;
        ++i;
      }
    }
    return std::nullopt;
  }

  Result<Hash> LeafHashAt(uint64_t seq) {
    auto leaf = LeafAt(seq);
    if (!leaf.ok()) return leaf.status();
    return HashLeaf(leaf.value());
  }

  const StreamSnapshot& snap_;
  std::map<uint64_t, CompactRange> frontiers_;
  SnapshotDictionaries dicts_;
  std::unique_ptr<BlockReader> reader_;
  size_t reader_block_ = 0;
};

Result<std::vector<OpenedCheckpoint>> StreamCheckpoints(const std::string& dir,
                                                        record::StreamId stream) {
  auto meta = LoadMeta(dir);
  if (!meta.ok()) return meta.status();
  auto keys = TrustedKeys(dir, "");
  if (!keys.ok()) return keys.status();
  std::string problem;
  auto cps = OpenCheckpoints(StreamDir(dir, stream),
                             meta->origin + "/" + std::string(record::StreamName(stream)),
                             keys.value(), &problem);
  if (!cps.ok()) return cps.status();
  if (!problem.empty()) return Status::Corruption(problem, "run netward verify");
  return cps;
}

Result<OpenedCheckpoint> FindCheckpoint(const std::vector<OpenedCheckpoint>& cps, uint64_t size) {
  if (cps.empty()) {
    return Status::NotFound("checkpoints",
                            "none yet (the store signs one every checkpoint "
                            "interval and when it closes)");
  }
  if (size == 0) return cps.back();
  for (const auto& c : cps) {
    if (c.cp.size == size) return c;
  }
  return Status::NotFound("checkpoints", "no checkpoint of tree size " + std::to_string(size));
}

}  // namespace

Status VerifyStore(const std::string& dir, const VerifyOptions& options, VerifyReport* report) {
  auto meta = LoadMeta(dir);
  if (!meta.ok()) return meta.status();
  auto keys = TrustedKeys(dir, options.pubkey_path);
  if (!keys.ok()) return keys.status();
  for (size_t i = 0; i < record::kStreamCount; ++i) {
    auto stream = static_cast<record::StreamId>(i);
    if (options.one_stream && stream != options.stream) continue;
    StreamVerifier v(dir, stream, meta->origin + "/" + std::string(record::StreamName(stream)),
                     keys.value(), options, report);
    Status st = v.Run();
    if (!st.ok()) return st;
    report->streams.push_back(v.result());
    if (!report->intact) break;
  }
  return Status::OK();
}

Status ExportLeaves(const std::string& dir, record::StreamId stream,
                    const std::function<void(std::string_view)>& emit) {
  auto meta = LoadMeta(dir);
  if (!meta.ok()) return meta.status();
  auto snap = StreamSnapshot::Open(dir, stream);
  if (!snap.ok()) return snap.status();
  const PurgedPrefix& purged = snap.value()->purged();
  if (purged.upto_seq > 0) {
    auto range = CompactRange::Parse(purged.frontier);
    if (!range.ok()) return range.status();
    std::string line = "#frontier " + std::to_string(purged.upto_seq) + " ";
    for (size_t i = 0; i < range->nodes().size(); ++i) {
      if (i) line += ",";
      line += HashToHex(range->nodes()[i]);
    }
    emit(line);
  }
  std::string line;
  SnapshotDictionaries dicts;
  const std::vector<BlockRef>& blocks = snap.value()->blocks();
  for (size_t b = 0; b < blocks.size(); ++b) {
    const BlockRef& ref = blocks[b];
    auto dict = dicts.For(*snap.value(), b);
    if (!dict.ok()) return dict.status();
    auto r = BlockReader::Open(ref.bytes, dict.value());
    if (!r.ok()) return r.status();
    for (uint32_t row = ref.first_row; row < ref.entry.count; ++row) {
      line.clear();
      Status st = r.value()->AppendJsonLine(row, &line);
      if (!st.ok()) return st;
      line.pop_back();
      emit(line);
    }
  }
  return Status::OK();
}

Result<std::string> LatestCheckpoint(const std::string& dir, record::StreamId stream) {
  auto cps = StreamCheckpoints(dir, stream);
  if (!cps.ok()) return cps.status();
  auto cp = FindCheckpoint(cps.value(), 0);
  if (!cp.ok()) return cp.status();
  return cp->note;
}

Result<InclusionProofResult> ProveInclusion(const std::string& dir, record::StreamId stream,
                                            uint64_t seq, uint64_t tree_size) {
  auto cps = StreamCheckpoints(dir, stream);
  if (!cps.ok()) return cps.status();
  auto cp = FindCheckpoint(cps.value(), tree_size);
  if (!cp.ok()) return cp.status();
  if (seq >= cp->cp.size) {
    return Status::InvalidArgument("--seq", "record " + std::to_string(seq) +
                                                " is not covered by the checkpoint of size " +
                                                std::to_string(cp->cp.size));
  }
  auto snap = StreamSnapshot::Open(dir, stream);
  if (!snap.ok()) return snap.status();
  SnapshotSubtreeSource source(*snap.value());
  InclusionProofResult out;
  out.seq = seq;
  out.tree_size = cp->cp.size;
  out.checkpoint = cp->note;
  auto leaf = source.LeafAt(seq);
  if (!leaf.ok()) return leaf.status();
  out.leaf = leaf.value();
  out.leaf_hash = HashLeaf(out.leaf);
  auto proof = InclusionProof(seq, out.tree_size, source);
  if (!proof.ok()) return proof.status();
  out.proof = proof.value();
  if (!VerifyInclusion(seq, out.tree_size, out.leaf_hash, out.proof, cp->cp.root)) {
    return Status::Corruption("proof",
                              "the stored records do not produce the checkpoint's root; "
                              "run netward verify");
  }
  return out;
}

Result<ConsistencyProofResult> ProveConsistency(const std::string& dir, record::StreamId stream,
                                                uint64_t old_size, uint64_t new_size) {
  auto cps = StreamCheckpoints(dir, stream);
  if (!cps.ok()) return cps.status();
  auto old_cp = FindCheckpoint(cps.value(), old_size);
  if (!old_cp.ok()) return old_cp.status();
  auto new_cp = FindCheckpoint(cps.value(), new_size);
  if (!new_cp.ok()) return new_cp.status();
  if (old_cp->cp.size > new_cp->cp.size) {
    return Status::InvalidArgument("proof", "the old checkpoint is larger than the new one");
  }
  auto snap = StreamSnapshot::Open(dir, stream);
  if (!snap.ok()) return snap.status();
  SnapshotSubtreeSource source(*snap.value());
  ConsistencyProofResult out;
  out.old_size = old_cp->cp.size;
  out.new_size = new_cp->cp.size;
  out.old_checkpoint = old_cp->note;
  out.new_checkpoint = new_cp->note;
  auto proof = ConsistencyProof(out.old_size, out.new_size, source);
  if (!proof.ok()) return proof.status();
  out.proof = proof.value();
  if (!VerifyConsistency(out.old_size, out.new_size, old_cp->cp.root, new_cp->cp.root, out.proof)) {
    return Status::Corruption("proof",
                              "the stored records do not produce the checkpoints' "
                              "roots; run netward verify");
  }
  return out;
}

}  // namespace netward::store
