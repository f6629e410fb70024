#include "store/stream_files.h"

#include <dirent.h>
#include <zlib.h>

#include <algorithm>
#include <cinttypes>
#include <cstring>

#include "store/block_codec.h"
#include "store/file_util.h"

namespace netward::store {
namespace {

constexpr char kFrameMagic[4] = {'N', 'W', 'F', '1'};
constexpr char kPurgedMagic[4] = {'N', 'W', 'P', '1'};

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint32_t Crc(std::string_view data) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

// A reader over a byte string that fails (returns false) instead of reading past the end.
struct Cursor {
  std::string_view data;
  size_t pos = 0;
  bool U32(uint32_t* v) {
    if (data.size() - pos < 4) return false;
    *v = GetU32(data.data() + pos);
    pos += 4;
    return true;
  }
  bool U64(uint64_t* v) {
    if (data.size() - pos < 8) return false;
    *v = GetU64(data.data() + pos);
    pos += 8;
    return true;
  }
  bool Bytes(size_t n, std::string* out) {
    if (data.size() - pos < n) return false;
    out->assign(data.data() + pos, n);
    pos += n;
    return true;
  }
};

Result<IndexEntry> DecodeIndexEntry(std::string_view payload) {
  Cursor c{payload};
  IndexEntry e;
  uint64_t min_ts, max_ts;
  uint32_t frontier_len;
  if (!c.U64(&e.offset) || !c.U32(&e.total_bytes) || !c.U32(&e.count) || !c.U64(&e.first_seq) ||
      !c.U64(&min_ts) || !c.U64(&max_ts) || !c.U32(&frontier_len) ||
      !c.Bytes(frontier_len, &e.frontier) || c.pos != payload.size()) {
    return Status::Corruption("index entry", "truncated or wrong length");
  }
  e.min_ts = static_cast<TimestampUs>(min_ts);
  e.max_ts = static_cast<TimestampUs>(max_ts);
  return e;
}

}  // namespace

std::string StreamDir(const std::string& store_dir, record::StreamId stream) {
  return store_dir + "/" + std::string(record::StreamName(stream));
}

std::string SegmentPath(const std::string& stream_dir, uint64_t first_seq) {
  char name[48];
  std::snprintf(name, sizeof(name), "/seg-%020" PRIu64 ".nws", first_seq);
  return stream_dir + name;
}

std::string IndexPathFor(const std::string& segment_path) {
  return segment_path.substr(0, segment_path.size() - 4) + ".idx";
}

void AppendFrame(std::string_view payload, std::string* out) {
  out->append(kFrameMagic, 4);
  PutU32(static_cast<uint32_t>(payload.size()), out);
  PutU32(Crc(payload), out);
  out->append(payload);
}

std::vector<std::string_view> ParseFrames(std::string_view data, uint64_t* valid_bytes) {
  std::vector<std::string_view> frames;
  size_t pos = 0;
  while (data.size() - pos >= 12) {
    if (std::memcmp(data.data() + pos, kFrameMagic, 4) != 0) break;
    uint32_t len = GetU32(data.data() + pos + 4);
    uint32_t crc = GetU32(data.data() + pos + 8);
    if (data.size() - pos - 12 < len) break;
    std::string_view payload = data.substr(pos + 12, len);
    if (Crc(payload) != crc) break;
    frames.push_back(payload);
    pos += 12 + len;
  }
  if (valid_bytes) *valid_bytes = pos;
  return frames;
}

std::string EncodeIndexEntry(const IndexEntry& e) {
  std::string payload;
  PutU64(e.offset, &payload);
  PutU32(e.total_bytes, &payload);
  PutU32(e.count, &payload);
  PutU64(e.first_seq, &payload);
  PutU64(static_cast<uint64_t>(e.min_ts), &payload);
  PutU64(static_cast<uint64_t>(e.max_ts), &payload);
  PutU32(static_cast<uint32_t>(e.frontier.size()), &payload);
  payload += e.frontier;
  std::string out;
  AppendFrame(payload, &out);
  return out;
}

Result<SegmentInfo> LoadSegment(const std::string& segment_path, uint64_t expected_first_seq) {
  SegmentInfo info;
  info.path = segment_path;
  info.first_seq = expected_first_seq;
  info.file_bytes = FileSizeOrZero(segment_path);
  std::string idx_path = IndexPathFor(segment_path);
  info.index_bytes = FileSizeOrZero(idx_path);

  // Trust the .idx as far as it is whole and consistent with the segment's size.
  uint64_t offset = 0, seq = expected_first_seq;
  if (FileExists(idx_path)) {
    auto idx = ReadFile(idx_path);
    if (idx.ok()) {
      for (std::string_view payload : ParseFrames(idx.value(), nullptr)) {
        auto e = DecodeIndexEntry(payload);
        if (!e.ok() || e->offset != offset || e->first_seq != seq ||
            e->offset + e->total_bytes > info.file_bytes || e->count == 0) {
          break;
        }
        offset += e->total_bytes;
        seq += e->count;
        info.blocks.push_back(std::move(e.value()));
      }
    }
  }
  // Walk what the index does not cover.
  if (offset < info.file_bytes) {
    // Only the part after the indexed blocks (usually the last block or two) is read.
    const uint64_t base = offset;
    auto data = ReadFileFrom(segment_path, base);
    if (!data.ok()) return data.status();
    std::string_view rest = data.value();
    while (offset - base < rest.size()) {
      std::string_view here = rest.substr(offset - base);
      auto header = ParseBlockHeaderInPlace(here);
      if (!header.ok()) break;  // torn tail (or damage: verify names it)
      if (header->first_seq != seq || header->total_bytes > here.size()) break;
      IndexEntry e;
      e.offset = offset;
      e.total_bytes = header->total_bytes;
      e.count = header->count;
      e.first_seq = header->first_seq;
      e.min_ts = header->min_ts;
      e.max_ts = header->max_ts;
      offset += e.total_bytes;
      seq += e.count;
      info.blocks.push_back(std::move(e));
    }
  }
  info.valid_bytes = offset;
  info.end_seq = seq;
  bool first = true;
  for (const auto& b : info.blocks) {
    if (first || b.min_ts < info.min_ts) info.min_ts = b.min_ts;
    if (first || b.max_ts > info.max_ts) info.max_ts = b.max_ts;
    first = false;
  }
  return info;
}

Status RewriteIndex(const SegmentInfo& info) {
  std::string data;
  for (const auto& b : info.blocks) data += EncodeIndexEntry(b);
  return WriteFileAtomic(IndexPathFor(info.path), data);
}

Result<std::vector<std::string>> ListSegments(const std::string& stream_dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(stream_dir.c_str());
  if (!d) {
    if (errno == ENOENT) return names;
    return IoError(stream_dir, "opendir", errno);
  }
  while (struct dirent* ent = ::readdir(d)) {
    std::string_view n = ent->d_name;
    if (n.size() == 4 + 20 + 4 && n.substr(0, 4) == "seg-" && n.substr(24) == ".nws") {
      names.emplace_back(n);
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (auto& n : names) n = stream_dir + "/" + n;
  return names;
}

std::string EncodePurged(const PurgedPrefix& p) {
  std::string payload(kPurgedMagic, 4);
  PutU64(p.upto_seq, &payload);
  PutU64(p.segments, &payload);
  PutU64(static_cast<uint64_t>(p.newest_dropped), &payload);
  PutU32(static_cast<uint32_t>(p.frontier.size()), &payload);
  payload += p.frontier;
  std::string out;
  AppendFrame(payload, &out);
  return out;
}

Result<PurgedPrefix> DecodePurged(std::string_view data) {
  uint64_t valid = 0;
  auto frames = ParseFrames(data, &valid);
  if (frames.size() != 1 || valid != data.size()) {
    return Status::Corruption("purged", "damaged file (bad frame or checksum)");
  }
  std::string_view payload = frames[0];
  if (payload.size() < 4 || payload.substr(0, 4) != std::string_view(kPurgedMagic, 4)) {
    return Status::Corruption("purged", "bad magic");
  }
  Cursor c{payload, 4};
  PurgedPrefix p;
  uint64_t newest;
  uint32_t len;
  if (!c.U64(&p.upto_seq) || !c.U64(&p.segments) || !c.U64(&newest) || !c.U32(&len) ||
      !c.Bytes(len, &p.frontier) || c.pos != payload.size()) {
    return Status::Corruption("purged", "truncated");
  }
  p.newest_dropped = static_cast<TimestampUs>(newest);
  return p;
}

Result<PurgedPrefix> LoadPurged(const std::string& stream_dir) {
  std::string path = stream_dir + "/purged";
  if (!FileExists(path)) return PurgedPrefix{};
  auto data = ReadFile(path);
  if (!data.ok()) return data.status();
  auto p = DecodePurged(data.value());
  if (!p.ok()) return Status::Corruption(path, p.status().message());
  return p;
}

Result<std::string> LoadWalBlock(const std::string& stream_dir) {
  std::string path = stream_dir + "/wal";
  if (!FileExists(path)) return std::string();
  auto data = ReadFile(path);
  if (!data.ok()) return data.status();
  auto frames = ParseFrames(data.value(), nullptr);
  if (frames.size() != 1) return std::string();
  return std::string(frames[0]);
}

Result<std::vector<std::string>> LoadCheckpointNotes(const std::string& stream_dir,
                                                     uint64_t* valid_bytes) {
  std::vector<std::string> notes;
  std::string path = stream_dir + "/checkpoints";
  if (valid_bytes) *valid_bytes = 0;
  if (!FileExists(path)) return notes;
  auto data = ReadFile(path);
  if (!data.ok()) return data.status();
  for (std::string_view f : ParseFrames(data.value(), valid_bytes)) notes.emplace_back(f);
  return notes;
}

}  // namespace netward::store
