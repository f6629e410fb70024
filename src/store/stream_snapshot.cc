#include "store/stream_snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "store/block_codec.h"
#include "store/file_util.h"

namespace netward::store {

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path, uint64_t size) {
  auto m = std::unique_ptr<MappedFile>(new MappedFile());
  if (size == 0) return m;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path, "open", errno);
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  int e = errno;
  ::close(fd);
  if (addr == MAP_FAILED) return IoError(path, "mmap", e);
  m->addr_ = addr;
  m->size_ = size;
  return m;
}

MappedFile::~MappedFile() {
  if (addr_) ::munmap(addr_, size_);
}

Result<std::unique_ptr<StreamSnapshot>> StreamSnapshot::Open(const std::string& store_dir,
                                                             record::StreamId stream) {
  auto snap = std::unique_ptr<StreamSnapshot>(new StreamSnapshot());
  snap->stream_ = stream;
  snap->dir_ = StreamDir(store_dir, stream);
  auto purged = LoadPurged(snap->dir_);
  if (!purged.ok()) return purged.status();
  snap->purged_ = purged.value();
  auto names = ListSegments(snap->dir_);
  if (!names.ok()) return names.status();
  uint64_t expected = snap->purged_.upto_seq;
  for (const std::string& path : names.value()) {
    uint64_t first = std::strtoull(path.c_str() + path.size() - 24, nullptr, 10);
    if (first < snap->purged_.upto_seq) continue;  // an interrupted purge's leftover
    if (first != expected) {
      return Status::Corruption(path, "starts at record " + std::to_string(first) + ", expected " +
                                          std::to_string(expected) + "; run netward verify");
    }
    auto seg = LoadSegment(path, first);
    if (!seg.ok()) return seg.status();
    expected = seg->end_seq;
    snap->segments_.push_back(std::move(seg.value()));
  }
  for (const SegmentInfo& seg : snap->segments_) {
    auto map = MappedFile::Open(seg.path, seg.valid_bytes);
    if (!map.ok()) return map.status();
    std::string_view data = map.value()->data();
    for (const IndexEntry& e : seg.blocks) {
      BlockRef ref;
      ref.bytes = data.substr(e.offset, e.total_bytes);
      ref.segment = &seg;
      ref.entry = e;
      snap->blocks_.push_back(ref);
    }
    snap->maps_.push_back(std::move(map.value()));
  }
  snap->end_seq_ = expected;
  auto wal = LoadWalBlock(snap->dir_);
  if (!wal.ok()) return wal.status();
  snap->wal_ = std::move(wal.value());
  if (!snap->wal_.empty()) {
    auto header = ParseBlockHeaderInPlace(snap->wal_);
    if (header.ok() && header->first_seq <= expected &&
        header->first_seq + header->count > expected) {
      BlockRef ref;
      ref.bytes = snap->wal_;
      ref.entry.first_seq = header->first_seq;
      ref.entry.count = header->count;
      ref.entry.min_ts = header->min_ts;
      ref.entry.max_ts = header->max_ts;
      ref.entry.total_bytes = header->total_bytes;
      ref.first_row = static_cast<uint32_t>(expected - header->first_seq);
      snap->end_seq_ = header->first_seq + header->count;
      snap->blocks_.push_back(ref);
    }
  }
  if (DIR* d = ::opendir(snap->dir_.c_str())) {
    while (struct dirent* ent = ::readdir(d)) {
      struct stat sb;
      std::string p = snap->dir_ + "/" + ent->d_name;
      if (::stat(p.c_str(), &sb) == 0 && S_ISREG(sb.st_mode)) {
        snap->bytes_on_disk_ += static_cast<uint64_t>(sb.st_size);
      }
    }
    ::closedir(d);
  }
  return snap;
}

namespace {
// The last 8 bytes of a block's header: its checksum, which covers every chunk's stored hash.
uint64_t HeaderChecksumOf(const BlockRef& ref) {
  auto sizes = PeekBlockSizes(ref.bytes);
  uint64_t v = 0;
  if (sizes.ok() && sizes->header_bytes >= 8 && ref.bytes.size() >= sizes->header_bytes) {
    std::memcpy(&v, ref.bytes.data() + sizes->header_bytes - 8, 8);
  }
  return v;
}
}  // namespace

Result<const SubscriberDictionary*> SnapshotDictionaries::For(const StreamSnapshot& snap,
                                                              size_t b) {
  const std::vector<BlockRef>& blocks = snap.blocks();
  const BlockRef& ref = blocks[b];
  if (!ref.segment || SubscriberKeyColumn(snap.stream()) < 0) return nullptr;
  const uint64_t seg_first = ref.segment->first_seq;
  if (!segments_.count(seg_first) && segments_.size() >= kMaxSegments) {
    auto lru = segments_.begin();
    for (auto it = segments_.begin(); it != segments_.end(); ++it) {
      if (it->second.used < lru->second.used) lru = it;
    }
    Segment reused = std::move(lru->second);
    segments_.erase(lru);
    reused.dict.Clear();
    reused.any = false;
    segments_.emplace(seg_first, std::move(reused));
  }
  Segment& seg = segments_[seg_first];
  seg.used = ++clock_;
  auto index_of = [&](uint64_t seq) {  // the block starting at seq, or blocks.size()
    auto it = std::lower_bound(blocks.begin(), blocks.end(), seq,
                               [](const BlockRef& r, uint64_t s) { return r.entry.first_seq < s; });
    return it != blocks.end() && it->entry.first_seq == seq
               ? static_cast<size_t>(it - blocks.begin())
               : blocks.size();
  };
  // Built from an older snapshot whose last block this one does not have as it was: again.
  if (seg.any) {
    const size_t last = index_of(seg.last_first_seq);
    if (last == blocks.size() || blocks[last].segment != ref.segment ||
        HeaderChecksumOf(blocks[last]) != seg.last_checksum) {
      seg.dict.Clear();
      seg.any = false;
    }
  }
  if (!seg.any) seg.next_seq = seg_first;
  // The whole segment as far as the snapshot has it, not only the blocks before b: the
  // dictionary then stays as it is while a query reads the segment's blocks.
  while (seg.next_seq < ref.segment->end_seq) {
    const size_t i = index_of(seg.next_seq);
    if (i >= blocks.size() || blocks[i].segment != ref.segment) {
      return Status::Corruption(
          ref.segment->path,
          "no block at seq " + std::to_string(seg.next_seq) + "; run netward verify");
    }
    auto reader = BlockReader::Open(blocks[i].bytes, &seg.dict);
    Status st = reader.ok() ? seg.dict.AddBlock(*reader.value()) : reader.status();
    if (!st.ok()) {
      seg.dict.Clear();
      seg.any = false;
      return st;
    }
    seg.next_seq = blocks[i].entry.first_seq + blocks[i].entry.count;
    seg.last_first_seq = blocks[i].entry.first_seq;
    seg.last_checksum = HeaderChecksumOf(blocks[i]);
    seg.any = true;
  }
  return &seg.dict;
}

void SnapshotDictionaries::Retain(const StreamSnapshot& snap) {
  for (auto it = segments_.begin(); it != segments_.end();) {
    bool kept = false;
    for (const SegmentInfo& s : snap.segments()) kept |= s.first_seq == it->first;
    it = kept ? std::next(it) : segments_.erase(it);
  }
}

}  // namespace netward::store
