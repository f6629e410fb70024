#include "store/stream_writer.h"

#include <unistd.h>

#include <cstdio>

#include "common/logging.h"
#include "store/checkpoint.h"
#include "store/stream_snapshot.h"

namespace netward::store {
namespace {

constexpr int64_t kUsPerDay = 86400LL * kUsPerSecond;
// A segment is closed when it reaches this size even within one day.
constexpr uint64_t kMaxSegmentBytes = 256ULL << 20;

int64_t DayOf(TimestampUs ts) { return ts >= 0 ? ts / kUsPerDay : -((-ts - 1) / kUsPerDay) - 1; }

// The tree size a checkpoint note states ("origin\nsize\nroot\n...").
Result<uint64_t> NoteTreeSize(std::string_view note) {
  size_t blank = note.find("\n\n");
  if (blank == std::string_view::npos) return Status::Corruption("checkpoint", "no blank line");
  auto cp = ParseCheckpointBody(note.substr(0, blank + 1));
  if (!cp.ok()) return cp.status();
  return cp->size;
}

}  // namespace

StreamWriter::StreamWriter(record::StreamId stream, std::string store_dir,
                           const StoreOptions& options)
    : stream_(stream), dir_(StreamDir(store_dir, stream)), options_(options), pending_(stream) {}

Status StreamWriter::Recover() {
  std::lock_guard<std::mutex> lock(mu_);
  Status st = MakeDirs(dir_);
  if (!st.ok()) return st;
  auto purged = LoadPurged(dir_);
  if (!purged.ok()) return purged.status();
  purged_ = purged.value();
  if (!purged_.frontier.empty()) {
    auto range = CompactRange::Parse(purged_.frontier);
    if (!range.ok() || range->size() != purged_.upto_seq) {
      return Status::Corruption(dir_ + "/purged", "frontier does not match; run netward verify");
    }
    tree_ = range.value();
  }

  auto names = ListSegments(dir_);
  if (!names.ok()) return names.status();
  uint64_t expected = purged_.upto_seq;
  for (size_t i = 0; i < names->size(); ++i) {
    const std::string& path = (*names)[i];
    uint64_t first = std::strtoull(path.c_str() + path.size() - 24, nullptr, 10);
    if (first < purged_.upto_seq) {
      LogWarning(path + ": removing a segment an interrupted purge had already dropped");
      ::unlink(IndexPathFor(path).c_str());
      if (::unlink(path.c_str()) != 0) return IoError(path, "unlink", errno);
      continue;
    }
    if (first != expected) {
      return Status::Corruption(path, "starts at record " + std::to_string(first) + ", expected " +
                                          std::to_string(expected) +
                                          " (records missing or inserted); run netward verify");
    }
    auto seg = LoadSegment(path, first);
    if (!seg.ok()) return seg.status();
    bool last = i + 1 == names->size();
    if (seg->valid_bytes < seg->file_bytes) {
      if (!last) {
        return Status::Corruption(
            path, "damaged at byte " + std::to_string(seg->valid_bytes) + "; run netward verify");
      }
      // A torn tail of the segment being written when the process died.
      LogWarning(path + ": cutting a torn tail of " +
                 std::to_string(seg->file_bytes - seg->valid_bytes) + " bytes (crash recovery)");
      if (::truncate(path.c_str(), static_cast<off_t>(seg->valid_bytes)) != 0) {
        return IoError(path, "truncate", errno);
      }
      seg->file_bytes = seg->valid_bytes;
    }
    expected = seg->end_seq;
    segments_.push_back(std::move(seg.value()));
  }

  // The tree: from the last index entry that carries a frontier, then re-hash what follows.
  size_t seg_from = 0, block_from = 0;
  for (size_t s = segments_.size(); s-- > 0 && seg_from == 0 && block_from == 0;) {
    auto& blocks = segments_[s].blocks;
    for (size_t b = blocks.size(); b-- > 0;) {
      if (!blocks[b].frontier.empty()) {
        auto range = CompactRange::Parse(blocks[b].frontier);
        if (range.ok() && range->size() == blocks[b].first_seq + blocks[b].count) {
          tree_ = range.value();
          seg_from = s;
          block_from = b + 1;
          break;
        }
      }
    }
  }
  for (size_t s = seg_from; s < segments_.size(); ++s) {
    bool rewrite = false;
    size_t from = s == seg_from ? block_from : 0;
    if (from < segments_[s].blocks.size()) {
      st = RehashBlocksLocked(&segments_[s], from);
      if (!st.ok()) return st;
      rewrite = true;
    }
    if (rewrite || FileSizeOrZero(IndexPathFor(segments_[s].path)) == 0) {
      st = RewriteIndex(segments_[s]);
      if (!st.ok()) return st;
    }
  }
  if (tree_.size() != expected) {
    return Status::Corruption(dir_, "tree size " + std::to_string(tree_.size()) +
                                        " does not match the records (" + std::to_string(expected) +
                                        "); run netward verify");
  }
  pending_first_seq_ = tree_.size();
  if (!segments_.empty()) {
    st = OpenSegmentLocked(segments_.back().first_seq);
    if (!st.ok()) return st;
    st = RebuildDictionaryLocked();
    if (!st.ok()) return st;
  }

  // Checkpoints: cut a torn tail; the last one must not cover more than we have.
  uint64_t valid = 0;
  auto notes = LoadCheckpointNotes(dir_, &valid);
  if (!notes.ok()) return notes.status();
  auto cp = AppendFile::Open(dir_ + "/checkpoints");
  if (!cp.ok()) return cp.status();
  checkpoint_file_ = std::move(cp.value());
  if (checkpoint_file_.size() > valid) {
    LogWarning(checkpoint_file_.path() + ": cutting a torn tail (crash recovery)");
    st = checkpoint_file_.Truncate(valid);
    if (!st.ok()) return st;
  }
  if (!notes->empty()) {
    auto size = NoteTreeSize(notes->back());
    if (!size.ok()) return Status::Corruption(dir_ + "/checkpoints", size.status().message());
    last_checkpoint_size_ = size.value();
  }
  return Status::OK();
}

Status StreamWriter::RehashBlocksLocked(SegmentInfo* seg, size_t from_block) {
  auto data = ReadFile(seg->path);
  if (!data.ok()) return data.status();
  std::string line;
  // The segment's subscriber dictionary, block by block: the blocks before from_block only
  // add their explicit rows.
  SubscriberDictionary dict;
  for (size_t b = 0; b < from_block; ++b) {
    const IndexEntry& e = seg->blocks[b];
    auto reader =
        BlockReader::Open(std::string_view(data.value()).substr(e.offset, e.total_bytes), &dict);
    Status st = reader.ok() ? dict.AddBlock(*reader.value()) : reader.status();
    if (!st.ok()) return Status::Corruption(seg->path, st.message());
  }
  for (size_t b = from_block; b < seg->blocks.size(); ++b) {
    IndexEntry& e = seg->blocks[b];
    if (tree_.size() != e.first_seq) {
      return Status::Corruption(seg->path, "block at byte " + std::to_string(e.offset) +
                                               " does not follow the tree; run netward verify");
    }
    auto reader =
        BlockReader::Open(std::string_view(data.value()).substr(e.offset, e.total_bytes), &dict);
    if (!reader.ok()) return Status::Corruption(seg->path, reader.status().message());
    for (uint32_t row = 0; row < e.count; ++row) {
      line.clear();
      Status st = reader.value()->AppendJsonLine(row, &line);
      if (!st.ok()) return Status::Corruption(seg->path, st.message());
      if (!line.empty() && line.back() == '\n') line.pop_back();
      tree_.Append(HashLeaf(line));
    }
    e.frontier = tree_.Serialize();
    if (Status st = dict.AddBlock(*reader.value()); !st.ok()) {
      return Status::Corruption(seg->path, st.message());
    }
  }
  return Status::OK();
}

// The open segment's dictionary from its blocks (Recover): what FlushBlockLocked encodes the
// next block against.
Status StreamWriter::RebuildDictionaryLocked() {
  dict_.Clear();
  if (segments_.empty() || segments_.back().blocks.empty()) return Status::OK();
  const SegmentInfo& seg = segments_.back();
  auto map = MappedFile::Open(seg.path, seg.valid_bytes);
  if (!map.ok()) return map.status();
  const std::string_view data = map.value()->data();
  for (const IndexEntry& e : seg.blocks) {
    if (e.offset + e.total_bytes > data.size()) {
      return Status::Corruption(
          seg.path, "block at byte " + std::to_string(e.offset) + " cut short; run netward verify");
    }
    auto reader = BlockReader::Open(data.substr(e.offset, e.total_bytes), &dict_);
    Status st = reader.ok() ? dict_.AddBlock(*reader.value()) : reader.status();
    if (!st.ok()) return Status::Corruption(seg.path, st.message() + "; run netward verify");
  }
  return Status::OK();
}

Result<std::string> StreamWriter::TakeWalLines() {
  std::lock_guard<std::mutex> lock(mu_);
  auto wal = LoadWalBlock(dir_);
  if (!wal.ok()) return wal.status();
  std::string lines;
  if (wal->empty()) return lines;
  auto reader = BlockReader::Open(wal.value());
  if (!reader.ok()) {
    LogWarning(dir_ + "/wal: ignoring a damaged write-ahead log: " + reader.status().message());
    return lines;
  }
  const BlockHeader& h = reader.value()->header();
  uint64_t have = tree_.size();
  if (h.first_seq > have) {
    return Status::Corruption(dir_ + "/wal", "starts at record " + std::to_string(h.first_seq) +
                                                 " but the segments end at " +
                                                 std::to_string(have));
  }
  for (uint64_t seq = have; seq < h.first_seq + h.count; ++seq) {
    Status st = reader.value()->AppendJsonLine(static_cast<uint32_t>(seq - h.first_seq), &lines);
    if (!st.ok()) {
      LogWarning(dir_ + "/wal: " + st.message());
      break;
    }
  }
  return lines;
}

Status StreamWriter::OpenSegmentLocked(uint64_t first_seq) {
  segment_file_.Close();
  index_file_.Close();
  std::string path = SegmentPath(dir_, first_seq);
  auto seg = AppendFile::Open(path);
  if (!seg.ok()) return seg.status();
  auto idx = AppendFile::Open(IndexPathFor(path));
  if (!idx.ok()) return idx.status();
  segment_file_ = std::move(seg.value());
  index_file_ = std::move(idx.value());
  if (segments_.empty() || segments_.back().first_seq != first_seq) {
    SegmentInfo info;
    info.path = path;
    info.first_seq = first_seq;
    info.end_seq = first_seq;
    segments_.push_back(std::move(info));
    segment_day_ = -1;
    // The new file's name must survive a crash.
    Status st = SyncDir(dir_);
    if (!st.ok()) return st;
  } else if (!segments_.back().blocks.empty()) {
    segment_day_ = DayOf(segments_.back().blocks.front().min_ts);
  }
  return Status::OK();
}

template <typename R>
Status StreamWriter::AppendRecords(const std::vector<R>& records,
                                   const std::vector<std::string>& sites,
                                   const std::vector<Hash>& leaf_hashes, size_t n,
                                   uint64_t* first_seq) {
  std::lock_guard<std::mutex> lock(mu_);
  // While a block could not be written, keep at most one more block in memory, then refuse.
  if (!failed_block_.empty() && pending_.count() + n > 2 * options_.block_records) {
    return Status::ResourceExhausted(dir_, "the disk is full and " +
                                               std::to_string(pending_.count()) +
                                               " records wait in memory; records refused");
  }
  if (first_seq) *first_seq = tree_.size();
  // Runs of records that go into one block: their leaves join the tree in one batch (nodes
  // hashed two at a time), so that the tree still ends at each block's last leaf at its flush.
  size_t i = 0;
  while (i < n) {
    if (pending_.count() > 0 && (pending_.count() >= options_.block_records ||
                                 DayOf(records[i].ts) > DayOf(pending_.max_ts()))) {
      Status st = FlushBlockLocked();
      if (!st.ok() && failed_block_.empty()) return st;
    }
    // After a failed flush (disk full) the block may be full already: one record at a time then,
    // each retrying the flush, as before.
    const size_t room =
        pending_.count() < options_.block_records ? options_.block_records - pending_.count() : 1;
    // The block's latest day; a record of a later one starts the next block.
    const int64_t day = pending_.count() > 0 ? DayOf(pending_.max_ts()) : DayOf(records[i].ts);
    size_t end = i + 1;
    while (end < n && end - i < room && DayOf(records[end].ts) <= day) ++end;
    tree_.Append(leaf_hashes.data() + i, end - i);
    for (; i < end; ++i) pending_.Add(records[i], sites[i]);
  }
  wal_dirty_ = true;
  return Status::OK();
}

#define NW_INSTANTIATE_APPEND(Name, name, FIELDS)                                \
  template Status StreamWriter::AppendRecords<record::Name##Record>(             \
      const std::vector<record::Name##Record>&, const std::vector<std::string>&, \
      const std::vector<Hash>&, size_t, uint64_t*);
NW_STREAMS(NW_INSTANTIATE_APPEND)
#undef NW_INSTANTIATE_APPEND

Status StreamWriter::FlushBlockLocked() {
  if (!failed_block_.empty()) {
    // Retry the block that failed first; while it fails, nothing else can be written.
    Status st = WriteBlockLocked(std::move(failed_block_), failed_entry_, failed_new_segment_);
    if (!st.ok()) return st;
  }
  if (pending_.count() == 0) return Status::OK();
  IndexEntry entry;
  entry.first_seq = pending_first_seq_;
  entry.count = pending_.count();
  entry.min_ts = pending_.min_ts();
  entry.max_ts = pending_.max_ts();
  // tree_ and pending_ move in lockstep, so the tree ends exactly at this block's last leaf.
  entry.frontier = tree_.Serialize();
  std::string block;
  // The segment is chosen before encoding: a block's implicit rows refer to its segment's.
  const bool new_segment = StartsSegmentLocked(DayOf(entry.min_ts));
  if (new_segment) dict_.Clear();
  pending_.Finish(pending_first_seq_, options_.zstd_level, &block, &dict_);
  pending_first_seq_ += entry.count;
  return WriteBlockLocked(std::move(block), std::move(entry), new_segment);
}

bool StreamWriter::StartsSegmentLocked(int64_t day) const {
  return segments_.empty() || !segment_file_.is_open() || segment_day_ < 0 || day > segment_day_ ||
         segment_file_.size() >= kMaxSegmentBytes;
}

Status StreamWriter::WriteBlockLocked(std::string block, IndexEntry entry, bool new_segment) {
  int64_t day = DayOf(entry.min_ts);
  if (!new_segment && StartsSegmentLocked(day)) {
    // Cannot happen: nothing between the encoding and here changes the open segment.
    failed_block_ = std::move(block);
    failed_entry_ = entry;
    failed_new_segment_ = new_segment;
    return Status::Corruption(dir_, "the block at seq " + std::to_string(entry.first_seq) +
                                        " was encoded for a segment that is no longer open");
  }
  if (new_segment) {
    if (segments_.empty() || !segments_.back().blocks.empty() || !segment_file_.is_open()) {
      Status st = OpenSegmentLocked(entry.first_seq);
      if (!st.ok()) {
        failed_block_ = std::move(block);
        failed_entry_ = entry;
        failed_new_segment_ = new_segment;
        return st;
      }
    }
    segment_day_ = day;
  }
  entry.offset = segment_file_.size();
  entry.total_bytes = static_cast<uint32_t>(block.size());
  Status st = segment_file_.Append(block);
  if (st.ok()) {
    st = index_file_.Append(EncodeIndexEntry(entry));
    if (!st.ok()) {
      // The index is derived data: recovery rebuilds it from the block headers.
      LogWarning(st.message());
      st = Status::OK();
    }
  }
  if (!st.ok()) {
    failed_block_ = std::move(block);
    failed_entry_ = entry;
    failed_new_segment_ = new_segment;
    return st;
  }
  SegmentInfo& seg = segments_.back();
  if (seg.blocks.empty() || entry.min_ts < seg.min_ts) seg.min_ts = entry.min_ts;
  if (seg.blocks.empty() || entry.max_ts > seg.max_ts) seg.max_ts = entry.max_ts;
  seg.end_seq = entry.first_seq + entry.count;
  seg.file_bytes = segment_file_.size();
  seg.valid_bytes = seg.file_bytes;
  seg.blocks.push_back(std::move(entry));
  segment_dirty_ = true;
  return Status::OK();
}

}  // namespace netward::store

namespace netward::store {

Status StreamWriter::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failed_block_.empty()) {
    Status st = WriteBlockLocked(std::move(failed_block_), failed_entry_, failed_new_segment_);
    if (!st.ok()) return st;
  }
  if (segment_dirty_) {
    Status st = segment_file_.Sync();
    if (st.ok()) st = index_file_.Sync();
    if (!st.ok()) return st;
    segment_dirty_ = false;
  }
  if (wal_dirty_) {
    std::string wal_path = dir_ + "/wal";
    if (pending_.count() == 0) {
      if (::unlink(wal_path.c_str()) != 0 && errno != ENOENT) {
        return IoError(wal_path, "unlink", errno);
      }
    } else {
      encode_buffer_.clear();
      pending_.Encode(pending_first_seq_, 1, &encode_buffer_);
      std::string frame;
      AppendFrame(encode_buffer_, &frame);
      Status st = WriteFileAtomic(wal_path, frame);
      if (!st.ok()) return st;
    }
    wal_dirty_ = false;
  }
  return Status::OK();
}

Status StreamWriter::Checkpoint(const SigningKey& key, const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (tree_.size() == last_checkpoint_size_ || wal_dirty_ || segment_dirty_ ||
      !failed_block_.empty()) {
    return Status::OK();  // nothing new, or not yet durable (Sync first)
  }
  store::Checkpoint cp;
  cp.origin = origin + "/" + std::string(record::StreamName(stream_));
  cp.size = tree_.size();
  cp.root = tree_.Root();
  std::string note = SignNote(FormatCheckpointBody(cp), key);
  std::string frame;
  AppendFrame(note, &frame);
  Status st = checkpoint_file_.Append(frame);
  if (st.ok()) st = checkpoint_file_.Sync();
  if (!st.ok()) return st;
  last_checkpoint_size_ = cp.size;
  return Status::OK();
}

Status StreamWriter::Purge(TimestampUs now, uint32_t retention_days, PurgeReport* report) {
  std::lock_guard<std::mutex> lock(mu_);
  report->stream = stream_;
  const TimestampUs cutoff = now - static_cast<int64_t>(retention_days) * kUsPerDay;
  // Whole segments, oldest first, never the one being written.
  // The last segment is still written to, unless the pending rows belong to a later day (then
  // the next block opens a new segment anyway).
  const bool last_closed =
      pending_.count() > 0 && failed_block_.empty() && DayOf(pending_.min_ts()) > segment_day_;
  if (segments_.empty()) return Status::OK();
  const size_t droppable = segments_.size() - (last_closed ? 0 : 1);
  size_t drop = 0;
  while (drop < droppable && !segments_[drop].blocks.empty() && segments_[drop].max_ts < cutoff) {
    ++drop;
  }
  if (drop == 0) return Status::OK();
  const SegmentInfo& last_dropped = segments_[drop - 1];
  PurgedPrefix next = purged_;
  next.upto_seq = last_dropped.end_seq;
  next.segments += drop;
  next.frontier = last_dropped.blocks.back().frontier;
  for (size_t i = 0; i < drop; ++i) {
    next.newest_dropped = std::max(next.newest_dropped, segments_[i].max_ts);
    report->records_dropped += segments_[i].end_seq - segments_[i].first_seq;
  }
  report->segments_dropped = drop;
  report->newest_dropped = next.newest_dropped;
  // Record what is dropped before dropping it: after a crash in between, Recover() removes the
  // segments that lie before upto_seq (finishing the purge).
  Status st = WriteFileAtomic(dir_ + "/purged", EncodePurged(next));
  if (!st.ok()) return st;
  purged_ = next;
  for (size_t i = 0; i < drop; ++i) {
    ::unlink(IndexPathFor(segments_[i].path).c_str());
    if (::unlink(segments_[i].path.c_str()) != 0 && errno != ENOENT) {
      return IoError(segments_[i].path, "unlink", errno);
    }
  }
  if (drop == segments_.size()) {
    segment_file_.Close();
    index_file_.Close();
    segment_day_ = -1;
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<long>(drop));
  return SyncDir(dir_);
}

uint64_t StreamWriter::tree_size() {
  std::lock_guard<std::mutex> lock(mu_);
  return tree_.size();
}

bool StreamWriter::disk_failing() {
  std::lock_guard<std::mutex> lock(mu_);
  return !failed_block_.empty();
}

}  // namespace netward::store
