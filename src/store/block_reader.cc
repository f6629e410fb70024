// src/store/block_reader.cc: block headers and BlockReader (block_codec.h). The layout is
// described at the top of block_codec.cc and in docs/store-format.md, "Block format".
#include <zstd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "record/json_encoder.h"
#include "store/block_codec.h"
#include "store/block_columns.h"
#include "store/block_format.h"
#include "store/bloom_filter.h"
#include "store/hash64.h"
#include "store/int_codec.h"
#include "store/same_key_rows.h"
#include "store/varint.h"

namespace netward::store {
namespace bf = block_format;
using block_columns::Info;
using block_columns::StreamInfo;
using record::StreamId;

// ---- The header. ----

namespace {

Status HeaderCorruption(std::string_view what) { return Status::Corruption("block header", what); }

Result<BlockHeader> ParseHeader(std::string_view bytes, bool verify_checksum, bool in_place) {
  auto sizes = PeekBlockSizes(bytes);
  if (!sizes.ok()) return sizes.status();
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < bf::kFixedBytes) {
    return HeaderCorruption("truncated: " + std::to_string(bytes.size()) + " bytes");
  }
  const size_t ncols = bf::Load<uint16_t>(b + bf::kColumnCountOffset);
  const uint32_t count = bf::Load<uint32_t>(b + bf::kCountOffset);
  const uint32_t shift = b[bf::kGroupShiftOffset];
  if (shift > bf::kMaxGroupShift) {
    return HeaderCorruption("row group shift " + std::to_string(shift) + " over the limit");
  }
  if (count > kMaxBlockRecords) {
    return HeaderCorruption("record count " + std::to_string(count) + " over the limit");
  }
  const uint64_t ngroups = count == 0 ? 0 : ((uint64_t{count} - 1) >> shift) + 1;
  const uint64_t columns_offset = bf::kFixedBytes + ngroups * bf::kGroupEntryBytes;
  const uint64_t chunks_offset = columns_offset + ncols * bf::kColumnEntryBytes;
  const uint64_t bloom_offset = chunks_offset + ncols * ngroups * bf::kChunkEntryBytes;
  // The Bloom filter's fixed part, the pair filter count and the checksum at least.
  const uint64_t min_header = bloom_offset + bf::kBloomFixedBytes + 2 + bf::kChecksumBytes;
  const uint32_t header_bytes = sizes->header_bytes;
  if (header_bytes < min_header) {
    return HeaderCorruption("header size " + std::to_string(header_bytes) + " cannot hold " +
                            std::to_string(ncols) + " columns of " + std::to_string(ngroups) +
                            " row groups");
  }
  if (bytes.size() < header_bytes) {
    return HeaderCorruption("truncated: " + std::to_string(bytes.size()) +
                            " bytes, the header has " + std::to_string(header_bytes));
  }
  const uint8_t hashes = b[bloom_offset];
  const uint32_t nbits = bf::Load<uint32_t>(b + bloom_offset + 1);
  if (nbits % kBloomBlockBits != 0 || min_header + uint64_t{nbits} / 8 > header_bytes) {
    return HeaderCorruption("Bloom filter of " + std::to_string(nbits) + " bits does not fit " +
                            "the header size " + std::to_string(header_bytes));
  }
  const size_t checksum_offset = header_bytes - bf::kChecksumBytes;
  if (verify_checksum &&
      bf::Load<uint64_t>(b + checksum_offset) != bf::HeaderChecksum(b, checksum_offset)) {
    return HeaderCorruption("checksum mismatch");
  }

  BlockHeader h;
  const uint8_t stream = b[bf::kStreamOffset];
  if (stream >= record::kStreamCount) {
    return HeaderCorruption("unknown stream id " + std::to_string(stream));
  }
  h.stream = static_cast<StreamId>(stream);
  const StreamInfo& info = Info(h.stream);
  const uint32_t fingerprint = bf::Load<uint32_t>(b + bf::kFingerprintOffset);
  if (ncols != info.columns || fingerprint != info.fingerprint) {
    return Status::NotSupported("block header",
                                "stream " + std::string(record::StreamName(h.stream)) +
                                    ": written for another schema (" + std::to_string(ncols) +
                                    " columns, fingerprint " + std::to_string(fingerprint) +
                                    "; this build: " + std::to_string(info.columns) + ", " +
                                    std::to_string(info.fingerprint) + ")");
  }
  h.count = count;
  h.group_shift = shift;
  h.first_seq = bf::Load<uint64_t>(b + bf::kFirstSeqOffset);
  h.min_ts = bf::Load<int64_t>(b + bf::kMinTsOffset);
  h.max_ts = bf::Load<int64_t>(b + bf::kMaxTsOffset);
  if (h.count == 0 ? (h.min_ts != 0 || h.max_ts != 0) : h.min_ts > h.max_ts) {
    return HeaderCorruption("min_ts/max_ts out of order");
  }
  h.groups.resize(ngroups);
  for (size_t g = 0; g < ngroups; ++g) {
    const uint8_t* e = b + bf::kFixedBytes + g * bf::kGroupEntryBytes;
    h.groups[g].min_ts = bf::Load<int64_t>(e);
    h.groups[g].max_ts = bf::Load<int64_t>(e + 8);
    if (h.groups[g].min_ts > h.groups[g].max_ts || h.groups[g].min_ts < h.min_ts ||
        h.groups[g].max_ts > h.max_ts) {
      return HeaderCorruption("row group " + std::to_string(g) + ": min_ts/max_ts out of order");
    }
  }
  if (nbits > 0 && (hashes == 0 || hashes > kBloomMaxHashes)) {
    return HeaderCorruption("Bloom hash count " + std::to_string(hashes));
  }
  h.header_bytes = header_bytes;
  h.total_bytes = sizes->total_bytes;
  h.bloom_hashes = hashes;
  // The filters (Bloom, zone maps, pair filters): views into `bytes` or into one copy.
  std::string_view filters = bytes.substr(bloom_offset, header_bytes - bloom_offset);
  if (!in_place) {
    h.owned = std::make_shared<const std::string>(filters);
    filters = *h.owned;
  }
  auto filter_bytes = [&](uint64_t offset, uint64_t len) {
    return filters.substr(offset - bloom_offset, len);
  };
  h.bloom = filter_bytes(bloom_offset + bf::kBloomFixedBytes, nbits / 8);

  h.columns.resize(ncols);
  uint64_t offset = header_bytes;
  for (size_t c = 0; c < ncols; ++c) {
    const uint8_t* e = b + columns_offset + c * bf::kColumnEntryBytes;
    BlockHeader::Column& col = h.columns[c];
    col.flags = e[bf::kEntryFlags];
    col.sum0 = bf::Load<uint64_t>(e + bf::kEntrySum0);
    col.sum1 = bf::Load<uint64_t>(e + bf::kEntrySum1);
    col.offset = static_cast<uint32_t>(std::min<uint64_t>(offset, UINT32_MAX));
    const std::string where = "column " + std::string(info.defs[c].name) + ": ";
    if ((col.flags & ~bf::kKnownFlags) || ((col.flags & bf::kFlagInBloom) && nbits == 0) ||
        ((col.flags & bf::kFlagZoneMap) && !bf::IsZoneMapped(info.defs[c].type))) {
      return HeaderCorruption(where + "bad flags " + std::to_string(col.flags));
    }
    if (col.sum0 >= bf::kPrime || col.sum1 >= bf::kPrime) {
      return HeaderCorruption(where + "checksum out of range");
    }
    const size_t max_row = block_columns::MaxRowBytes(info.defs[c].type);
    // What a chunk holds besides its rows: a key-relative column's mode byte; a Time column's
    // mode byte (after ts) and unit.
    const uint64_t chunk_prefix = (info.relative[c] ? 1 : 0) +
                                  (info.defs[c].type == ColumnType::kTime ? 1 + kMaxVarint64 : 0);
    col.chunks.resize(ngroups);
    uint64_t stored_total = 0, raw_total = 0;
    for (uint32_t g = 0; g < ngroups; ++g) {
      const uint8_t* ce = b + chunks_offset + (c * ngroups + g) * bf::kChunkEntryBytes;
      BlockHeader::Chunk& chunk = col.chunks[g];
      chunk.codec = ce[bf::kChunkCodec];
      chunk.offset = static_cast<uint32_t>(std::min<uint64_t>(offset, UINT32_MAX));
      chunk.stored_bytes = bf::Load<uint32_t>(ce + bf::kChunkStored);
      chunk.raw_bytes = bf::Load<uint32_t>(ce + bf::kChunkRaw);
      chunk.stored_hash = bf::Load<uint64_t>(ce + bf::kChunkStoredHash);
      offset += chunk.stored_bytes;
      stored_total += chunk.stored_bytes;
      raw_total += chunk.raw_bytes;
      const uint32_t rows = h.GroupEnd(g) - h.GroupBegin(g);
      const std::string at = where + "row group " + std::to_string(g) + ": ";
      if (chunk.codec > bf::kCodecPacked ||
          (chunk.codec == bf::kCodecPacked && !bf::IsPackable(info.defs[c].type))) {
        return HeaderCorruption(at + "unknown codec " + std::to_string(chunk.codec));
      }
      if (chunk.codec == bf::kCodecZstd ? chunk.stored_bytes == 0
                                        : chunk.stored_bytes != chunk.raw_bytes) {
        return HeaderCorruption(at + "stored size " + std::to_string(chunk.stored_bytes) +
                                " does not fit raw size " + std::to_string(chunk.raw_bytes));
      }
      if (chunk.codec == bf::kCodecPacked) {
        // Header (width, base, mul; ts: its first value too) and rows * width bits.
        const uint64_t most = 2 * kMaxVarint64 + int_codec::kMaxHeaderBytes +
                              (uint64_t{rows} * int_codec::kMaxWidth + 7) / 8;
        if (chunk.raw_bytes < 3 || chunk.raw_bytes > most) {
          return HeaderCorruption(at + "packed size " + std::to_string(chunk.raw_bytes) +
                                  " cannot hold " + std::to_string(rows) + " rows");
        }
      } else if ((chunk.raw_bytes < rows && info.dependent_index[c] < 0) ||
                 chunk.raw_bytes > bf::kMaxColumnRawBytes ||
                 (max_row && chunk.raw_bytes > uint64_t{rows} * max_row + chunk_prefix)) {
        return HeaderCorruption(at + std::to_string(chunk.raw_bytes) + " bytes cannot hold " +
                                std::to_string(rows) + " rows");
      }
    }
    if (raw_total > bf::kMaxColumnRawBytes) {
      return HeaderCorruption(where + std::to_string(raw_total) + " bytes over the limit");
    }
    col.stored_bytes = static_cast<uint32_t>(std::min<uint64_t>(stored_total, UINT32_MAX));
    col.raw_bytes = static_cast<uint32_t>(raw_total);
  }

  // The zone maps, then the pair filters, which must end at the checksum.
  uint64_t pos = bloom_offset + bf::kBloomFixedBytes + nbits / 8;
  for (size_t c = 0; c < ncols; ++c) {
    BlockHeader::Column& col = h.columns[c];
    if (!(col.flags & bf::kFlagZoneMap)) continue;
    if (pos + ngroups * bf::kZoneEntryBytes > checksum_offset) {
      return HeaderCorruption("zone maps do not fit the header size " +
                              std::to_string(header_bytes));
    }
    for (uint32_t g = 0; g < ngroups; ++g) {
      BlockHeader::Chunk& chunk = col.chunks[g];
      chunk.min_value = bf::Load<uint64_t>(b + pos);
      chunk.max_value = bf::Load<uint64_t>(b + pos + 8);
      pos += bf::kZoneEntryBytes;
      if (chunk.min_value > chunk.max_value) {
        return HeaderCorruption("column " + std::string(info.defs[c].name) + ": row group " +
                                std::to_string(g) + ": zone map min over max");
      }
    }
  }
  if (pos + 1 > checksum_offset) return HeaderCorruption("no pair filter count");
  const uint8_t npairs = b[pos++];
  if (npairs > bf::kMaxPairFilters) {
    return HeaderCorruption(std::to_string(npairs) + " pair filters over the limit");
  }
  h.pair_filters.resize(npairs);
  for (BlockHeader::PairFilter& f : h.pair_filters) {
    if (pos + bf::kPairFixedBytes + ngroups * 4 > checksum_offset) {
      return HeaderCorruption("pair filter does not fit the header size " +
                              std::to_string(header_bytes));
    }
    f.column_a = b[pos];
    f.column_b = b[pos + 1];
    f.hashes = b[pos + 2];
    f.b_shift = b[pos + 3];
    pos += bf::kPairFixedBytes;
    if (f.column_a >= ncols || f.column_b >= ncols || f.hashes == 0 || f.hashes > kBloomMaxHashes) {
      return HeaderCorruption("pair filter: bad columns or hash count");
    }
    if (f.b_shift != 0) {  // only an integer column is bucketed
      const ColumnType tb = info.defs[f.column_b].type;
      if (f.b_shift > bf::kMaxPairShift ||
          (tb != ColumnType::kU16 && tb != ColumnType::kU32 && tb != ColumnType::kU64)) {
        return HeaderCorruption("pair filter: bad bucket shift " + std::to_string(f.b_shift));
      }
    }
    f.nbits.resize(ngroups);
    f.offsets.resize(ngroups);
    uint64_t bytes_total = 0;
    for (uint32_t g = 0; g < ngroups; ++g) {
      f.nbits[g] = bf::Load<uint32_t>(b + pos);
      pos += 4;
      if (f.nbits[g] % kBloomBlockBits != 0) {
        return HeaderCorruption("pair filter of " + std::to_string(f.nbits[g]) + " bits");
      }
      f.offsets[g] = static_cast<uint32_t>(std::min<uint64_t>(bytes_total, UINT32_MAX));
      bytes_total += f.nbits[g] / 8;
    }
    if (pos + bytes_total > checksum_offset) {
      return HeaderCorruption("pair filters do not fit the header size " +
                              std::to_string(header_bytes));
    }
    f.bits = filter_bytes(pos, bytes_total);
    pos += bytes_total;
  }
  // The subscriber columns: mode, then (implicit rows) the columns and the explicit-row maps.
  if (pos + 1 > checksum_offset) return HeaderCorruption("no subscriber mode");
  const uint8_t mode = b[pos++];
  if (mode == bf::kSubscribersImplicit) {
    if (pos + 2 > checksum_offset) return HeaderCorruption("subscriber columns cut short");
    const uint8_t key = b[pos], ndep = b[pos + 1];
    pos += 2;
    if (pos + ndep + ngroups * bf::kChunkEntryBytes > checksum_offset) {
      return HeaderCorruption("explicit-row maps do not fit the header size " +
                              std::to_string(header_bytes));
    }
    bool same = key == info.key_column && ndep == info.dependent.size();
    for (size_t j = 0; same && j < ndep; ++j) same = b[pos + j] == info.dependent[j];
    if (!same || ngroups == 0) {
      return HeaderCorruption("subscriber columns are not those of stream " +
                              std::string(record::StreamName(h.stream)));
    }
    pos += ndep;
    h.key_column = key;
    h.dependent = info.dependent;
    h.explicit_maps.resize(ngroups);
    for (uint32_t g = 0; g < ngroups; ++g) {
      BlockHeader::Chunk& chunk = h.explicit_maps[g];
      chunk.codec = b[pos + bf::kChunkCodec];
      chunk.offset = static_cast<uint32_t>(std::min<uint64_t>(offset, UINT32_MAX));
      chunk.stored_bytes = bf::Load<uint32_t>(b + pos + bf::kChunkStored);
      chunk.raw_bytes = bf::Load<uint32_t>(b + pos + bf::kChunkRaw);
      chunk.stored_hash = bf::Load<uint64_t>(b + pos + bf::kChunkStoredHash);
      pos += bf::kChunkEntryBytes;
      offset += chunk.stored_bytes;
      const uint32_t rows = h.GroupEnd(g) - h.GroupBegin(g);
      if (chunk.codec > bf::kCodecZstd || chunk.raw_bytes != (rows + 7) / 8 ||
          (chunk.codec == bf::kCodecZstd ? chunk.stored_bytes == 0
                                         : chunk.stored_bytes != chunk.raw_bytes)) {
        return HeaderCorruption("row group " + std::to_string(g) + ": bad explicit-row map entry");
      }
    }
  } else if (mode != bf::kSubscribersNone) {
    return HeaderCorruption("unknown subscriber mode " + std::to_string(mode));
  } else {
    for (size_t c : info.dependent) {  // every row stored: the usual lower bound
      for (uint32_t g = 0; g < ngroups; ++g) {
        const BlockHeader::Chunk& chunk = h.columns[c].chunks[g];
        if (chunk.codec != bf::kCodecPacked && chunk.raw_bytes < h.GroupEnd(g) - h.GroupBegin(g)) {
          return HeaderCorruption("column " + std::string(info.defs[c].name) + ": row group " +
                                  std::to_string(g) + ": " + std::to_string(chunk.raw_bytes) +
                                  " bytes cannot hold its rows");
        }
      }
    }
  }
  if (offset != h.total_bytes) {
    return HeaderCorruption("total size " + std::to_string(h.total_bytes) +
                            " is not the header plus the columns (" + std::to_string(offset) + ")");
  }
  if (pos != checksum_offset) {
    return HeaderCorruption("header size " + std::to_string(header_bytes) + " is not its parts' (" +
                            std::to_string(pos + bf::kChecksumBytes) + ")");
  }
  return h;
}

}  // namespace

Result<BlockSizes> PeekBlockSizes(std::string_view prefix) {
  if (prefix.size() < kBlockSizePrefix) {
    return HeaderCorruption("truncated: " + std::to_string(prefix.size()) + " bytes");
  }
  const auto* b = reinterpret_cast<const uint8_t*>(prefix.data());
  if (std::memcmp(b + bf::kMagicOffset, bf::kMagic, 4) != 0) {
    return HeaderCorruption("bad magic (not a netward block)");
  }
  if (b[bf::kVersionOffset] != bf::kVersion) {
    const uint8_t v = b[bf::kVersionOffset];
    if (v != 0 && v < bf::kVersion) {
      return HeaderCorruption("block format version " + std::to_string(v) +
                              " is no longer read (this build reads version " +
                              std::to_string(bf::kVersion) +
                              "; no release wrote it: re-create the store)");
    }
    return HeaderCorruption("unknown version " + std::to_string(v));
  }
  BlockSizes sizes;
  sizes.header_bytes = bf::Load<uint32_t>(b + bf::kHeaderBytesOffset);
  sizes.total_bytes = bf::Load<uint32_t>(b + bf::kTotalBytesOffset);
  if (sizes.header_bytes < bf::kFixedBytes + bf::kBloomFixedBytes + 2 + bf::kChecksumBytes ||
      sizes.total_bytes < sizes.header_bytes) {
    return HeaderCorruption("bad sizes: header " + std::to_string(sizes.header_bytes) + ", block " +
                            std::to_string(sizes.total_bytes));
  }
  return sizes;
}

Result<BlockHeader> ParseBlockHeader(std::string_view bytes) {
  return ParseHeader(bytes, true, false);
}

Result<BlockHeader> ParseBlockHeaderInPlace(std::string_view bytes) {
  return ParseHeader(bytes, true, true);
}

// ---- BlockReader. ----

namespace {
// One zstd decompression context per thread, kept for the thread's life: a query opens a
// BlockReader per block it reads, and making a context (~100 KB, zeroed) for each cost ~4 % of
// a point search. Fetched at each use, so a reader may move between threads.
ZSTD_DCtx* ThreadDCtx() {
  struct Holder {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Holder() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
}
// Decompresses the zstd frame of `entry` (whose stored bytes are at `stored`) into *owned.
// Empty on success, else what is wrong.
std::string InflateZstd(const uint8_t* stored, const BlockHeader::Chunk& entry,
                        std::unique_ptr<uint8_t[]>* owned) {
  if (ZSTD_getFrameContentSize(stored, entry.stored_bytes) != entry.raw_bytes) {
    return "compressed frame does not hold " + std::to_string(entry.raw_bytes) + " bytes";
  }
  *owned = std::make_unique_for_overwrite<uint8_t[]>(entry.raw_bytes);
  const size_t n =
      ZSTD_decompressDCtx(ThreadDCtx(), owned->get(), entry.raw_bytes, stored, entry.stored_bytes);
  if (ZSTD_isError(n) || n != entry.raw_bytes) {
    owned->reset();
    return ZSTD_isError(n) ? std::string("zstd: ") + ZSTD_getErrorName(n)
                           : std::string("short decompression");
  }
  return {};
}
// The position after the first k varints of [p, end), or null if fewer end there: counts the
// bytes that end a varint (high bit clear), eight at a time. Checks nothing else (a reader that
// skips rows relies on the chunk's stored hash, as a prefix decode does).
const uint8_t* SkipVarints(const uint8_t* p, const uint8_t* end, size_t k) {
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  while (k > 0 && end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    uint64_t stops = ~w & kHigh;
    // The count of set bits (one per byte at most) without a popcount instruction, which the
    // baseline x86-64 target lacks (std::popcount would be a library call).
    const auto n = static_cast<size_t>(((stops >> 7) * 0x0101010101010101ULL) >> 56);
    if (n < k) {
      p += 8;
      k -= n;
      continue;
    }
    for (; k > 1; --k) stops &= stops - 1;
    return p + std::countr_zero(stops) / 8 + 1;
  }
  for (; k > 0 && p < end; ++p) k -= (*p & 0x80) == 0;
  return k == 0 ? p : nullptr;
}

}  // namespace

// Rows of one row group that AppendJsonLine reads straight from each chunk's bytes before it
// decodes the group whole: a point search's few rows of a group cost a walk each (the chunk is
// inflated once), many rows one decode.
constexpr uint8_t kOneReadsPerGroup = 4;

class BlockReader::Impl {
 public:
  // One column of one row group.
  struct Chunk {
    bool inflated = false;   // data points at its raw bytes
    bool decoded = false;    // its rows are in the column's vectors (stored hash checked)
    bool decode_ok = false;  // Decode succeeded (whatever the checks after it said)
    // A prefix decode (LoadRows): its first `prefix_rows` rows are in the vectors and the stored
    // hash was checked; `decoded` stays false until the whole group is decoded.
    uint32_t prefix_rows = 0;
    bool hash_checked = false;
    // How many rows AppendJsonLine read straight from the bytes (ReadOne); after
    // kOneReadsPerGroup, a further row decodes the group whole.
    uint8_t one_reads = 0;
    Status status;
    std::unique_ptr<uint8_t[]> owned;  // decompressed bytes; raw chunks view the block
    const uint8_t* data = nullptr;
    std::unique_ptr<uint8_t[]> untransposed;  // String values of a transposed or resolved chunk
    const uint8_t* text = nullptr;    // what `values` offsets count from: data or untransposed
    std::vector<uint32_t> values;     // String: (offset, length) of each new value, in order;
                                      // StringList: of each element
    std::vector<uint32_t> row_first;  // lists: first element of each row, rows + 1 entries
    std::vector<uint32_t> u32s;       // U32List elements
    // The decoded rows of the group, by the column's type:
    std::vector<TimestampUs> times;
    std::vector<uint64_t> uints;
    std::vector<IpAddress> ips;
    std::vector<uint32_t> ids;  // String: the row's value number within the chunk
  };
  struct Column {
    bool sized = false;
    bool full = false;  // LoadColumn ran: every chunk decoded and the sums checked
    Status status;      // LoadColumn's
    uint32_t bad_row = UINT32_MAX;
    std::vector<Chunk> chunks;
    // A dependent column of a block with implicit rows: its groups' explicit rows, unresolved,
    // for AppendJsonLine's rows of groups not resolved whole.
    std::vector<Chunk> explicit_rows;
  };

  // A row group's explicit-row map (blocks with implicit rows).
  struct Map {
    bool loaded = false;
    Status status;
    std::unique_ptr<uint8_t[]> owned;
    const uint8_t* bits = nullptr;
    uint32_t explicit_rows = 0;
  };

  Impl(std::shared_ptr<const BlockHeader> header, std::string_view bytes, bool verify,
       const SubscriberDictionary* dict)
      : header_(std::move(header)),
        bytes_(bytes),
        verify_(verify),
        dict_(dict),
        info_(&Info(header_->stream)),
        cols_(info_->columns),
        where_("block at seq " + std::to_string(header_->first_seq)) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Load(size_t c, uint32_t* bad_row);
  Status LoadGroup(size_t c, uint32_t g);
  Status Inflate(size_t c, uint32_t g, Chunk& chunk);
  // `prefix` < rows: decodes only the chunk's first `prefix` rows (and cannot check that no
  // bytes are left over).
  Status Decode(size_t c, uint32_t g, Chunk& chunk, uint32_t rows, bf::Locator* locator,
                uint32_t prefix = UINT32_MAX);
  Status DecodePacked(size_t c, uint32_t g, Chunk& chunk, uint32_t rows, bf::Locator* locator,
                      uint32_t prefix);
  Status DecodeTransposed(size_t c, uint32_t g, Chunk& chunk, uint32_t rows, const uint8_t* p,
                          const uint8_t* end, bf::Locator* locator, uint32_t prefix);
  // Key-relative columns: the mode byte of chunk (c, g) (kKeyPlain or kKeyRelative), read at
  // *p and skipped; the group's same-key rows (same_key_rows.h) from its decoded key column;
  // and a kKeyRelative chunk's rows (after its mode byte).
  Status KeyMode(size_t c, uint32_t g, const uint8_t** p, const uint8_t* end, uint8_t* mode);
  // A packed chunk's mode byte, which must be kKeyPlain (nothing read for other columns).
  Status PackedKeyMode(size_t c, uint32_t g, const uint8_t** p, const uint8_t* end);
  // One address as EncodeIp writes it, at *p (moved past it), checked: row `row`'s errors.
  Status ReadIp(size_t c, uint32_t row, const uint8_t** p, const uint8_t* end, IpAddress* ip);
  Status SameKeyRows(size_t c, uint32_t g, const int32_t** prev);
  Status DecodeRelative(size_t c, uint32_t g, Chunk& chunk, uint32_t rows, const uint8_t* p,
                        const uint8_t* end, bf::Locator* locator, uint32_t prefix);
  // Makes the rows [GroupBegin(g), stop) of chunk (c, g) readable without decoding the rest of
  // the group, for AppendJsonLine's one row (a point search). A loaded group satisfies it.
  Status LoadRows(size_t c, uint32_t g, uint32_t stop);
  // One row's value of a scalar or String column read straight from the chunk's bytes (stored
  // hash checked; the rows before it skipped, not stored): a point search's lone row of a group.
  struct One {
    uint64_t u = 0;  // Time (as u64), U16/U32/U64
    IpAddress ip;
    std::string_view s;  // into the chunk, or one_text_
  };
  Status ReadOne(size_t c, uint32_t g, uint32_t local, One* v);
  Status RowTs(uint32_t g, uint32_t local, uint64_t* ts);
  Status FilterPacked(size_t c, uint32_t g, uint64_t code, std::vector<uint32_t>* rows);
  template <typename Same>
  Status FilterEqualBy(size_t c, uint32_t g, bool type_ok, std::optional<uint64_t> code,
                       std::vector<uint32_t>* rows, Same same);
  // Subscriber columns: whether column c stores only the explicit rows, the explicit-row map
  // of group g, and the implicit rows' values filled in from the dictionary.
  bool Implicit(size_t c) const {
    return header_->has_implicit_rows() && info_->dependent_index[c] >= 0;
  }
  Status LoadMap(uint32_t g);
  bool IsExplicit(uint32_t g, uint32_t local) const {
    return (maps_[g].bits[local >> 3] >> (local & 7)) & 1;
  }
  Status DecodeDependent(size_t c, uint32_t g, Chunk& chunk);
  Status Resolve(size_t c, uint32_t g);
  Status GroupTuples(uint32_t g, const std::vector<std::string_view>** tuples);
  void AddHashes(size_t c, uint32_t g, bf::Locator* locator) const;
  bool Resolved(size_t c, uint32_t g) const {
    const Column& col = cols_[c];
    return col.sized && (col.full || col.chunks[g].decoded);
  }
  Status AppendDependent(size_t c, uint32_t row, std::string* out);
  Status GroupTs(size_t c, uint32_t g, const TimestampUs** ts);
  Status TimeMode(size_t c, uint32_t g, const uint8_t** p, const uint8_t* end,
                  const TimestampUs** ts);
  Status CheckChunk(size_t c, uint32_t g);
  bool StoredHashOk(const BlockHeader::Chunk& entry) const {
    const auto* stored = reinterpret_cast<const uint8_t*>(bytes_.data()) + entry.offset;
    return Hash64(stored, entry.stored_bytes, bf::kStoredSeed) == entry.stored_hash;
  }
  // The stored-hash check of a chunk read without a whole decode (once per chunk).
  Status CheckStoredOnce(size_t c, uint32_t g, Chunk& chunk) {
    if (!verify_ || chunk.hash_checked) return Status::OK();
    if (!StoredHashOk(header_->columns[c].chunks[g])) {
      return Fail(c, "row group " + std::to_string(g) + ": stored bytes changed");
    }
    chunk.hash_checked = true;
    return Status::OK();
  }
  void Size(size_t c);
  void AppendValue(size_t c, uint32_t row, std::string* out) const;

  const Chunk& ChunkOf(const Column& col, uint32_t row) const {
    return col.chunks[row >> header_->group_shift];
  }
  static std::string_view Span(const Chunk& chunk, size_t i) {
    return {reinterpret_cast<const char*>(chunk.text) + chunk.values[2 * i],
            chunk.values[2 * i + 1]};
  }
  uint32_t Local(uint32_t row) const { return row & ((1u << header_->group_shift) - 1); }
  Status Fail(size_t c, std::string_view what) const {
    return Status::Corruption(
        where_, "column " + std::string(info_->defs[c].name) + ": " + std::string(what));
  }
  Status RowFail(size_t c, uint32_t row, std::string_view what) const {
    return Fail(c, "row " + std::to_string(row) + ": " + std::string(what));
  }

  std::shared_ptr<const BlockHeader> header_;
  std::string_view bytes_;
  bool verify_;
  const SubscriberDictionary* dict_;
  const StreamInfo* info_;
  std::vector<Map> maps_;
  // Per row group (blocks with implicit rows): each row's tuple from the dictionary (empty for
  // an explicit row), looked up once for all the dependent columns.
  struct Tuples {
    bool done = false;
    Status status;
    std::vector<std::string_view> rows;
  };
  std::vector<Tuples> tuples_;
  // Per row group (key-relative columns): each row's last earlier row with the same key.
  struct SameKey {
    bool done = false;
    Status status;
    std::vector<int32_t> prev;
  };
  std::vector<SameKey> same_key_;
  std::vector<int32_t> same_key_table_;
  std::string_view row_tuple_;  // AppendDependent's
  std::vector<Column> cols_;
  std::string where_;
  std::vector<uint64_t> hashes_;      // Decode's scratch: value hashes of a String chunk
  std::vector<uint64_t> codes_;       // DecodePacked's scratch
  std::vector<uint32_t> one_values_;  // ReadOne's scratch: offsets of a String chunk's values
  std::string one_text_;              // ReadOne's: a transposed String value
  std::vector<std::pair<const uint8_t*, const uint8_t*>> fields_;  // Resolve's scratch
  bool ts_first_ = info_->columns > 0 && info_->defs[0].type == ColumnType::kTime;
};

void BlockReader::Impl::Size(size_t c) {
  Column& col = cols_[c];
  if (col.sized) return;
  col.sized = true;
  col.chunks = std::vector<Chunk>(header_->groups.size());
}

Status BlockReader::Impl::Inflate(size_t c, uint32_t g, Chunk& chunk) {
  if (chunk.inflated) return Status::OK();
  const BlockHeader::Chunk& entry = header_->columns[c].chunks[g];
  const auto* stored = reinterpret_cast<const uint8_t*>(bytes_.data()) + entry.offset;
  if (entry.codec != bf::kCodecZstd) {  // raw or packed: used in place
    chunk.data = stored;
  } else {
    if (std::string bad = InflateZstd(stored, entry, &chunk.owned); !bad.empty()) {
      return Fail(c, "row group " + std::to_string(g) + ": " + bad);
    }
    chunk.data = chunk.owned.get();
  }
  chunk.inflated = true;
  return Status::OK();
}

// Decodes chunk (c, g) into the column's vectors; adds each row's value hash to `locator` if
// given (rows in order: the caller decodes the groups in order).
// `rows`: the chunk's rows (the group's, or its explicit rows for a column that stores only
// those); row numbers in errors count from the group's first row.
Status BlockReader::Impl::Decode(size_t c, uint32_t g, Chunk& chunk, uint32_t rows,
                                 bf::Locator* locator, uint32_t prefix) {
  const bool whole = prefix >= rows;
  const uint32_t all_rows = rows;
  rows = std::min(rows, prefix);
  const uint32_t begin = header_->GroupBegin(g);
  const uint32_t end_row = begin + rows;
  const uint8_t* const data = chunk.data;
  const uint8_t* p = data;
  const uint8_t* const end = data + header_->columns[c].chunks[g].raw_bytes;
  auto get = [&](uint64_t* v) { return GetVarint64(&p, end, v); };
  if (header_->columns[c].chunks[g].codec == bf::kCodecPacked) {
    return DecodePacked(c, g, chunk, all_rows, locator, rows);
  }
  if (info_->relative[c]) {
    uint8_t mode;
    if (Status s = KeyMode(c, g, &p, end, &mode); !s.ok()) return s;
    if (mode == bf::kKeyRelative)
      return DecodeRelative(c, g, chunk, all_rows, p, end, locator, rows);
  }
  switch (info_->defs[c].type) {
    case ColumnType::kTime: {
      const TimestampUs* ts = nullptr;  // later Time columns may be coded from the row's ts
      if (c > 0 && ts_first_) {
        if (Status s = TimeMode(c, g, &p, end, &ts); !s.ok()) return s;
      }
      uint64_t unit;
      if (!get(&unit) || unit == 0) {
        return Fail(c, "row group " + std::to_string(g) + ": bad time unit");
      }
      chunk.times.resize(rows);
      uint64_t prev = 0;
      for (uint32_t r = begin; r < end_row; ++r) {
        uint64_t z;
        if (!get(&z)) return RowFail(c, r, "bad or truncated varint");
        if (ts) prev = static_cast<uint64_t>(ts[r - begin]);
        prev += static_cast<uint64_t>(UnZigZag(z)) * unit;
        chunk.times[r - begin] = static_cast<TimestampUs>(prev);
        if (locator) locator->Add(HashWord(prev));
      }
      break;
    }
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64: {
      const uint64_t max = info_->defs[c].type == ColumnType::kU16   ? UINT16_MAX
                           : info_->defs[c].type == ColumnType::kU32 ? UINT32_MAX
                                                                     : UINT64_MAX;
      chunk.uints.resize(rows);
      for (uint32_t r = begin; r < end_row; ++r) {
        uint64_t v;
        if (!get(&v)) return RowFail(c, r, "bad or truncated varint");
        if (v > max) return RowFail(c, r, "value " + std::to_string(v) + " out of range");
        chunk.uints[r - begin] = v;
        if (locator) locator->Add(HashWord(v));
      }
      break;
    }
    case ColumnType::kIp: {
      chunk.ips.resize(rows);
      for (uint32_t r = begin; r < end_row; ++r) {
        IpAddress ip;
        if (Status s = ReadIp(c, r, &p, end, &ip); !s.ok()) return s;
        chunk.ips[r - begin] = ip;
        if (locator) locator->Add(bf::IpHash(ip));
      }
      break;
    }
    case ColumnType::kString: {
      chunk.values.clear();
      chunk.ids.resize(rows);
      hashes_.clear();
      chunk.text = data;
      if (p == end) return Fail(c, "row group " + std::to_string(g) + ": no layout byte");
      const uint8_t layout = *p++;
      if (layout == bf::kStringTransposed) {
        return DecodeTransposed(c, g, chunk, all_rows, p, end, locator, rows);
      }
      if (layout != bf::kStringInline) {
        return Fail(
            c, "row group " + std::to_string(g) + ": unknown layout " + std::to_string(layout));
      }
      for (uint32_t r = begin; r < end_row; ++r) {
        uint64_t tag;
        if (!get(&tag)) return RowFail(c, r, "bad or truncated varint");
        const size_t nvalues = chunk.values.size() / 2;
        if (tag == 0) {
          uint64_t len;
          if (!get(&len)) return RowFail(c, r, "bad or truncated length");
          if (len > static_cast<uint64_t>(end - p)) return RowFail(c, r, "truncated string");
          chunk.values.push_back(static_cast<uint32_t>(p - data));
          chunk.values.push_back(static_cast<uint32_t>(len));
          if (locator) hashes_.push_back(Hash64(p, len));
          p += len;
          chunk.ids[r - begin] = static_cast<uint32_t>(nvalues);
        } else if (tag <= nvalues) {
          chunk.ids[r - begin] = static_cast<uint32_t>(tag - 1);
        } else {
          return RowFail(
              c, r, "refers to value " + std::to_string(tag) + " of " + std::to_string(nvalues));
        }
        if (locator) locator->Add(hashes_[chunk.ids[r - begin]]);
      }
      break;
    }
    case ColumnType::kStringList:
    case ColumnType::kU32List: {
      chunk.text = data;
      const bool strings = info_->defs[c].type == ColumnType::kStringList;
      chunk.row_first.resize(size_t{end_row - begin} + 1);
      chunk.values.clear();
      chunk.u32s.clear();
      for (uint32_t r = begin; r < end_row; ++r) {
        const uint8_t* row_begin = p;
        uint64_t count;
        if (!get(&count)) return RowFail(c, r, "bad or truncated element count");
        if (count > static_cast<uint64_t>(end - p)) return RowFail(c, r, "truncated list");
        chunk.row_first[r - begin] =
            static_cast<uint32_t>(strings ? chunk.values.size() / 2 : chunk.u32s.size());
        for (uint64_t i = 0; i < count; ++i) {
          uint64_t v;
          if (!get(&v)) return RowFail(c, r, "bad or truncated element");
          if (strings) {
            if (v > static_cast<uint64_t>(end - p)) return RowFail(c, r, "truncated string");
            chunk.values.push_back(static_cast<uint32_t>(p - data));
            chunk.values.push_back(static_cast<uint32_t>(v));
            p += v;
          } else {
            if (v > UINT32_MAX) return RowFail(c, r, "element out of range");
            chunk.u32s.push_back(static_cast<uint32_t>(v));
          }
        }
        if (locator) locator->Add(Hash64(row_begin, static_cast<size_t>(p - row_begin)));
      }
      chunk.row_first[end_row - begin] =
          static_cast<uint32_t>(strings ? chunk.values.size() / 2 : chunk.u32s.size());
      break;
    }
  }
  if (whole && p != end) {
    return Fail(c, "row group " + std::to_string(g) + ": " + std::to_string(end - p) +
                       " bytes left after the last of " + std::to_string(end_row - begin) +
                       " rows");
  }
  return Status::OK();
}

// A String chunk in the transposed layout (after its layout byte): varint length L, varint
// count n of new values, per row a tag (0: the next new value, k >= 1: the k-th), then n * L
// bytes, byte j of new value i at j * n + i.
Status BlockReader::Impl::DecodeTransposed(size_t c, uint32_t g, Chunk& chunk, uint32_t rows,
                                           const uint8_t* p, const uint8_t* end,
                                           bf::Locator* locator, uint32_t prefix) {
  const bool whole = prefix >= rows;
  const uint32_t begin = header_->GroupBegin(g);
  const uint32_t end_row = begin + std::min(rows, prefix);
  const std::string at = "row group " + std::to_string(g) + ": ";
  uint64_t length, n;
  if (!GetVarint64(&p, end, &length) || !GetVarint64(&p, end, &n) || length == 0 || n > rows ||
      length > static_cast<uint64_t>(end - p)) {
    return Fail(c, at + "bad transposed values header");
  }
  const uint64_t plane_bytes = n * length;  // n <= 2^20, length < 2^30: no overflow
  if (plane_bytes > static_cast<uint64_t>(end - p)) return Fail(c, at + "truncated values");
  uint64_t seen = 0;
  for (uint32_t r = begin; r < end_row; ++r) {
    uint64_t tag;
    if (!GetVarint64(&p, end, &tag)) return RowFail(c, r, "bad or truncated varint");
    if (tag == 0) {
      if (seen == n) return RowFail(c, r, "more new values than " + std::to_string(n));
      chunk.ids[r - begin] = static_cast<uint32_t>(seen++);
    } else if (tag <= seen) {
      chunk.ids[r - begin] = static_cast<uint32_t>(tag - 1);
    } else {
      return RowFail(c, r,
                     "refers to value " + std::to_string(tag) + " of " + std::to_string(seen));
    }
  }
  if (whole) {
    if (seen != n || static_cast<uint64_t>(end - p) != plane_bytes) {
      return Fail(c, at + "transposed values do not match: " + std::to_string(seen) + " of " +
                         std::to_string(n) + " values, " + std::to_string(end - p) + " bytes");
    }
  } else {
    p = end - plane_bytes;  // the planes end the chunk: the other rows' tags are not read
  }
  // A prefix decode untransposes only the new values its rows reach.
  const size_t len = static_cast<size_t>(length), stride = static_cast<size_t>(n);
  const size_t count = static_cast<size_t>(seen);
  chunk.untransposed = std::make_unique_for_overwrite<uint8_t[]>(count * len + 1);
  uint8_t* text = chunk.untransposed.get();
  for (size_t j = 0; j < len; ++j) {
    const uint8_t* plane = p + j * stride;
    for (size_t i = 0; i < count; ++i) text[i * len + j] = plane[i];
  }
  chunk.text = text;
  chunk.values.resize(2 * count);
  for (size_t i = 0; i < count; ++i) {
    chunk.values[2 * i] = static_cast<uint32_t>(i * len);
    chunk.values[2 * i + 1] = static_cast<uint32_t>(len);
  }
  if (locator) {
    hashes_.resize(count);
    for (size_t i = 0; i < count; ++i) hashes_[i] = Hash64(text + i * len, len);
    for (uint32_t r = begin; r < end_row; ++r) locator->Add(hashes_[chunk.ids[r - begin]]);
  }
  return Status::OK();
}

// Reads the mode byte of a chunk of Time column c > 0: *ts = the group's ts when the rows are
// coded from them, null when from the row before.
Status BlockReader::Impl::TimeMode(size_t c, uint32_t g, const uint8_t** p, const uint8_t* end,
                                   const TimestampUs** ts) {
  *ts = nullptr;
  if (*p == end) return Fail(c, "row group " + std::to_string(g) + ": no mode byte");
  const uint8_t mode = *(*p)++;
  if (mode == bf::kTimeFromPrevious) return Status::OK();
  if (mode != bf::kTimeFromTs) {
    return Fail(c, "row group " + std::to_string(g) + ": unknown mode " + std::to_string(mode));
  }
  return GroupTs(c, g, ts);
}

// The decoded ts (column 0) of row group g, for Time column c coded from it.
// They are used once they decode, even if a check of the ts column failed afterwards (that
// column reports it).
Status BlockReader::Impl::GroupTs(size_t c, uint32_t g, const TimestampUs** ts) {
  Size(0);
  if (!cols_[0].full) (void)LoadGroup(0, g);
  const Chunk& chunk = cols_[0].chunks[g];
  if (!chunk.decode_ok) {
    return Fail(c, "row group " + std::to_string(g) + ": the ts it is coded from do not decode");
  }
  *ts = chunk.times.data();
  return Status::OK();
}

// A packed chunk (int_codec.h): ts = a zigzag varint first value, then the packed differences of
// the other rows; later Time columns: the packed differences to the row's ts; integers: the
// values; Ip: 0 unset, else an IPv4 address + 1.
Status BlockReader::Impl::DecodePacked(size_t c, uint32_t g, Chunk& chunk, uint32_t rows,
                                       bf::Locator* locator, uint32_t prefix) {
  const uint32_t all_rows = rows;
  rows = std::min(rows, prefix);
  const uint32_t begin = header_->GroupBegin(g);
  const uint8_t* p = chunk.data;
  const uint8_t* const end = p + header_->columns[c].chunks[g].raw_bytes;
  const std::string at = "row group " + std::to_string(g) + ": ";
  const ColumnType type = info_->defs[c].type;
  codes_.resize(rows);
  size_t skip = 0;
  const TimestampUs* ts = nullptr;
  if (type == ColumnType::kTime && c > 0 && ts_first_) {
    if (Status s = TimeMode(c, g, &p, end, &ts); !s.ok()) return s;
  }
  if (Status s = PackedKeyMode(c, g, &p, end); !s.ok()) return s;
  if (type == ColumnType::kTime && c == 0 && rows > 0) {
    uint64_t z;
    if (!GetVarint64(&p, end, &z)) return Fail(c, at + "bad first value");
    codes_[0] = static_cast<uint64_t>(UnZigZag(z));
    skip = 1;
  }
  if (!int_codec::Unpack(p, end, all_rows - skip, codes_.data() + skip, rows - skip)) {
    return Fail(c, at + "bad packed values");
  }
  switch (type) {
    case ColumnType::kTime: {
      chunk.times.resize(rows);
      uint64_t prev = 0;
      for (uint32_t i = 0; i < rows; ++i) {
        prev = (ts ? static_cast<uint64_t>(ts[i]) : prev) + codes_[i];
        chunk.times[i] = static_cast<TimestampUs>(prev);
        if (locator) locator->Add(HashWord(prev));
      }
      break;
    }
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64: {
      const uint64_t max = type == ColumnType::kU16   ? UINT16_MAX
                           : type == ColumnType::kU32 ? UINT32_MAX
                                                      : UINT64_MAX;
      chunk.uints.resize(rows);
      for (uint32_t i = 0; i < rows; ++i) {
        if (codes_[i] > max) {
          return RowFail(c, begin + i, "value " + std::to_string(codes_[i]) + " out of range");
        }
        chunk.uints[i] = codes_[i];
        if (locator) locator->Add(HashWord(codes_[i]));
      }
      break;
    }
    case ColumnType::kIp: {
      chunk.ips.resize(rows);
      for (uint32_t i = 0; i < rows; ++i) {
        const uint64_t code = codes_[i];
        if (code > uint64_t{UINT32_MAX} + 1) return RowFail(c, begin + i, "bad address code");
        chunk.ips[i] =
            code == 0 ? IpAddress() : IpAddress::FromV4HostOrder(static_cast<uint32_t>(code - 1));
        if (locator) locator->Add(bf::IpHash(chunk.ips[i]));
      }
      break;
    }
    default:
      return Fail(c, at + "packed chunk of a column that cannot be packed");
  }
  return Status::OK();
}

Status BlockReader::Impl::KeyMode(size_t c, uint32_t g, const uint8_t** p, const uint8_t* end,
                                  uint8_t* mode) {
  if (*p == end) return Fail(c, "row group " + std::to_string(g) + ": no mode byte");
  *mode = *(*p)++;
  if (*mode != bf::kKeyPlain && *mode != bf::kKeyRelative) {
    return Fail(c, "row group " + std::to_string(g) + ": unknown mode " + std::to_string(*mode));
  }
  return Status::OK();
}

Status BlockReader::Impl::PackedKeyMode(size_t c, uint32_t g, const uint8_t** p,
                                        const uint8_t* end) {
  if (!info_->relative[c]) return Status::OK();
  uint8_t mode;
  if (Status s = KeyMode(c, g, p, end, &mode); !s.ok()) return s;
  if (mode != bf::kKeyPlain) {
    return Fail(c, "row group " + std::to_string(g) + ": a key-relative chunk cannot be packed");
  }
  return Status::OK();
}

Status BlockReader::Impl::ReadIp(size_t c, uint32_t row, const uint8_t** p, const uint8_t* end,
                                 IpAddress* ip) {
  if (*p == end) return RowFail(c, row, "truncated");
  const uint8_t family = *(*p)++;
  const size_t len = family == 4 ? 4 : family == 6 ? 16 : 0;
  if (family != 0 && len == 0) {
    return RowFail(c, row, "bad address family " + std::to_string(family));
  }
  if (static_cast<size_t>(end - *p) < len) return RowFail(c, row, "truncated");
  *ip = family == 4 ? IpAddress::FromV4(*p) : family == 6 ? IpAddress::FromV6(*p) : IpAddress();
  if (family == 6 && (ip->is_v4() || ip->is_unspecified())) {
    return RowFail(c, row, "non-canonical address");
  }
  *p += len;
  return Status::OK();
}

Status BlockReader::Impl::SameKeyRows(size_t c, uint32_t g, const int32_t** prev) {
  if (same_key_.empty()) same_key_.resize(header_->groups.size());
  SameKey& same = same_key_[g];
  if (!same.done) {
    same.done = true;
    const auto k = static_cast<size_t>(info_->relative_key);
    Size(k);
    // The key's group must pass every check a query of it would (its stored hash above all):
    // keys that decode but were changed would silently give other rows' values to the columns
    // coded from them, and a search on those would miss rows without a word.
    const Status loaded = cols_[k].full ? cols_[k].status : LoadGroup(k, g);
    if (!loaded.ok() || cols_[k].chunks.size() <= g || !cols_[k].chunks[g].decode_ok) {
      same.status = Status::Corruption(
          where_, "row group " + std::to_string(g) + ": column " +
                      std::string(info_->defs[k].name) +
                      ", which other columns are coded from, is damaged" +
                      (loaded.ok() ? std::string() : " (" + loaded.message() + ")"));
    } else {
      const Chunk& keys = cols_[k].chunks[g];
      PreviousRowsWithSameKey(keys.ips.data(), static_cast<uint32_t>(keys.ips.size()), &same.prev,
                              &same_key_table_);
    }
  }
  if (!same.status.ok()) return Fail(c, same.status.message());
  *prev = same.prev.data();
  return Status::OK();
}

// A kKeyRelative chunk after its mode byte: per row whose key occurred earlier in the group, an
// integer's zigzag varint difference to that row's value, or an address as kIpAsPrevious (that
// row's) or encoded plainly; the other rows encoded plainly.
Status BlockReader::Impl::DecodeRelative(size_t c, uint32_t g, Chunk& chunk, uint32_t rows,
                                         const uint8_t* p, const uint8_t* end, bf::Locator* locator,
                                         uint32_t prefix) {
  // The key column itself is coded by row distances, and needs no same-key rows.
  const bool key = static_cast<int>(c) == info_->relative_key;
  const int32_t* prev = nullptr;
  if (!key) {
    if (Status s = SameKeyRows(c, g, &prev); !s.ok()) return s;
  }
  const uint32_t n = std::min(rows, prefix);
  const uint32_t begin = header_->GroupBegin(g);
  const ColumnType type = info_->defs[c].type;
  if (type == ColumnType::kIp) {
    chunk.ips.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      if (p == end) return RowFail(c, begin + i, "truncated");
      const uint8_t family = *p;
      IpAddress ip;
      if (key && family == bf::kIpAsRowBefore) {
        ++p;
        uint64_t d;
        if (!GetVarint64(&p, end, &d)) return RowFail(c, begin + i, "bad or truncated varint");
        if (d == 0 || d > i) {
          return RowFail(c, begin + i, "refers to " + std::to_string(d) + " rows before it");
        }
        ip = chunk.ips[i - d];
      } else if (!key && family >= bf::kIpAsPrevious &&
                 family < bf::kIpAsPrevious + bf::kMaxSameKeySteps) {
        ++p;
        int32_t j = prev[i];
        for (int step = bf::kIpAsPrevious; step < family && j >= 0; ++step) {
          j = prev[static_cast<uint32_t>(j)];
        }
        if (j < 0) {
          return RowFail(c, begin + i,
                         "refers to the same-key row " +
                             std::to_string(family - bf::kIpAsPrevious + 1) +
                             " back, which it has not");
        }
        ip = chunk.ips[static_cast<uint32_t>(j)];
      } else if (Status s = ReadIp(c, begin + i, &p, end, &ip); !s.ok()) {
        return s;
      }
      chunk.ips[i] = ip;
      if (locator) locator->Add(bf::IpHash(ip));
    }
  } else {
    const uint64_t max = type == ColumnType::kU16   ? UINT16_MAX
                         : type == ColumnType::kU32 ? UINT32_MAX
                                                    : UINT64_MAX;
    chunk.uints.resize(n);
    for (uint32_t i = 0; i < n; ++i) {  // an integer column is never the (address) key
      uint64_t code;
      if (!GetVarint64(&p, end, &code)) return RowFail(c, begin + i, "bad or truncated varint");
      const uint64_t v = prev[i] < 0 ? code
                                     : chunk.uints[static_cast<uint32_t>(prev[i])] +
                                           static_cast<uint64_t>(UnZigZag(code));
      if (v > max) return RowFail(c, begin + i, "value " + std::to_string(v) + " out of range");
      chunk.uints[i] = v;
      if (locator) locator->Add(HashWord(v));
    }
  }
  if (prefix >= rows && p != end) {
    return Fail(c, "row group " + std::to_string(g) + ": " + std::to_string(end - p) +
                       " bytes left after the last of " + std::to_string(rows) + " rows");
  }
  return Status::OK();
}

// What a decoded chunk must satisfy besides its rows decoding: its stored hash, and for the ts
// column the group's min/max ts.
Status BlockReader::Impl::CheckChunk(size_t c, uint32_t g) {
  if (!verify_) return Status::OK();
  if (!StoredHashOk(header_->columns[c].chunks[g])) {
    return Fail(c, "row group " + std::to_string(g) +
                       ": stored bytes changed (they still decode to the same values)");
  }
  if (c == 0 && info_->defs[0].type == ColumnType::kTime) {
    const std::vector<TimestampUs>& times = cols_[c].chunks[g].times;
    auto [lo, hi] = std::minmax_element(times.begin(), times.end());
    if (*lo != header_->groups[g].min_ts || *hi != header_->groups[g].max_ts) {
      return Fail(c, "row group " + std::to_string(g) +
                         ": min_ts/max_ts of the header do not match the rows");
    }
  }
  return Status::OK();
}

Status BlockReader::Impl::LoadGroup(size_t c, uint32_t g) {
  if (c >= cols_.size() || g >= header_->groups.size()) {
    return Status::InvalidArgument(
        where_, "no column " + std::to_string(c) + " row group " + std::to_string(g));
  }
  Size(c);
  Column& col = cols_[c];
  if (col.full) return col.status;  // all decoded and checked, or failed
  Chunk& chunk = col.chunks[g];
  if (chunk.decoded) return chunk.status;
  chunk.decoded = true;
  if (Implicit(c)) {
    chunk.status = DecodeDependent(c, g, chunk);
    chunk.decode_ok = chunk.status.ok();
    if (chunk.status.ok()) chunk.status = CheckChunk(c, g);
    if (chunk.status.ok()) chunk.status = Resolve(c, g);
    return chunk.status;
  }
  chunk.status = Inflate(c, g, chunk);
  if (chunk.status.ok())
    chunk.status = Decode(c, g, chunk, header_->GroupEnd(g) - header_->GroupBegin(g), nullptr);
  chunk.decode_ok = chunk.status.ok();
  if (chunk.status.ok()) chunk.status = CheckChunk(c, g);
  return chunk.status;
}

Status BlockReader::Impl::LoadRows(size_t c, uint32_t g, uint32_t stop) {
  if (Implicit(c)) return LoadGroup(c, g);
  Size(c);
  Column& col = cols_[c];
  if (col.full) return col.status;
  Chunk& chunk = col.chunks[g];
  if (chunk.decoded) return chunk.status;
  const uint32_t begin = header_->GroupBegin(g), rows = header_->GroupEnd(g) - begin;
  if (chunk.prefix_rows >= stop - begin) return Status::OK();
  // A second row past the prefix: decode the group whole, so that rows asked for in order cost
  // at most one prefix and one whole decode (and a lone row half a decode, on average).
  if (chunk.prefix_rows > 0) return LoadGroup(c, g);
  if (Status s = Inflate(c, g, chunk); !s.ok()) return s;
  if (Status s = CheckStoredOnce(c, g, chunk); !s.ok()) return s;
  if (Status s = Decode(c, g, chunk, rows, nullptr, stop - begin); !s.ok()) return s;
  chunk.prefix_rows = stop - begin;
  return Status::OK();
}

Status BlockReader::Impl::RowTs(uint32_t g, uint32_t local, uint64_t* ts) {
  Size(0);
  const Chunk& chunk = cols_[0].chunks[g];
  if (cols_[0].full || chunk.decoded) {
    if (!chunk.decode_ok) return Fail(0, "row group " + std::to_string(g) + ": does not decode");
    *ts = static_cast<uint64_t>(chunk.times[local]);
    return Status::OK();
  }
  if (chunk.prefix_rows > local) {
    *ts = static_cast<uint64_t>(chunk.times[local]);
    return Status::OK();
  }
  One v;
  if (Status s = ReadOne(0, g, local, &v); !s.ok()) return s;
  *ts = v.u;
  return Status::OK();
}

Status BlockReader::Impl::ReadOne(size_t c, uint32_t g, uint32_t local, One* v) {
  Size(c);
  Chunk& chunk = cols_[c].chunks[g];
  if (Status s = Inflate(c, g, chunk); !s.ok()) return s;
  if (Status s = CheckStoredOnce(c, g, chunk); !s.ok()) return s;
  const BlockHeader::Chunk& entry = header_->columns[c].chunks[g];
  const uint32_t rows = header_->GroupEnd(g) - header_->GroupBegin(g);
  const uint32_t row = header_->GroupBegin(g) + local;
  const uint8_t* p = chunk.data;
  const uint8_t* const end = p + entry.raw_bytes;
  const ColumnType type = info_->defs[c].type;
  auto group_fail = [&](std::string_view what) {
    return Fail(c, "row group " + std::to_string(g) + ": " + std::string(what));
  };
  // Key-relative columns: the mode byte; a row coded from an earlier one decodes the group.
  if (info_->relative[c]) {
    uint8_t mode;
    if (Status s = KeyMode(c, g, &p, end, &mode); !s.ok()) return s;
    if (mode == bf::kKeyRelative) {
      if (Status s = LoadGroup(c, g); !s.ok()) return s;
      const Chunk& whole = cols_[c].chunks[g];
      if (type == ColumnType::kIp) {
        v->ip = whole.ips[local];
      } else {
        v->u = whole.uints[local];
      }
      return Status::OK();
    }
  }
  // Time columns after ts: the mode byte; ts_row set when coded from the row's ts.
  bool from_ts = false;
  uint64_t ts_row = 0;
  if (type == ColumnType::kTime && c > 0 && ts_first_) {
    if (p == end) return group_fail("no mode byte");
    const uint8_t mode = *p++;
    if (mode != bf::kTimeFromPrevious && mode != bf::kTimeFromTs) {
      return group_fail("unknown mode " + std::to_string(mode));
    }
    from_ts = mode == bf::kTimeFromTs;
    if (from_ts) {
      if (Status s = RowTs(g, local, &ts_row); !s.ok()) {
        return group_fail("the ts it is coded from do not decode");
      }
    }
  }
  const uint64_t max = type == ColumnType::kU16   ? UINT16_MAX
                       : type == ColumnType::kU32 ? UINT32_MAX
                                                  : UINT64_MAX;
  if (entry.codec == bf::kCodecPacked) {
    uint64_t first = 0;
    size_t skip = 0;
    if (type == ColumnType::kTime && c == 0) {
      uint64_t z;
      if (!GetVarint64(&p, end, &z)) return group_fail("bad first value");
      first = static_cast<uint64_t>(UnZigZag(z));
      skip = 1;
    }
    int_codec::PackedView view;
    if (!int_codec::ParsePacked(p, end, rows - skip, &view)) {
      return group_fail("bad packed values");
    }
    switch (type) {
      case ColumnType::kTime:
        if (from_ts) {
          v->u = ts_row + view.Code(local);
        } else {  // the sum of the differences up to the row
          uint64_t sum = first;
          if (local >= skip) sum += view.Sum(local - skip + 1);
          v->u = sum;
        }
        return Status::OK();
      case ColumnType::kU16:
      case ColumnType::kU32:
      case ColumnType::kU64:
        v->u = view.Code(local);
        if (v->u > max) return RowFail(c, row, "value " + std::to_string(v->u) + " out of range");
        return Status::OK();
      case ColumnType::kIp: {
        const uint64_t code = view.Code(local);
        if (code > uint64_t{UINT32_MAX} + 1) return RowFail(c, row, "bad address code");
        v->ip =
            code == 0 ? IpAddress() : IpAddress::FromV4HostOrder(static_cast<uint32_t>(code - 1));
        return Status::OK();
      }
      default:
        return group_fail("packed chunk of a column that cannot be packed");
    }
  }
  auto truncated = [&]() { return RowFail(c, row, "bad or truncated varint"); };
  switch (type) {
    case ColumnType::kTime: {
      uint64_t z, unit;
      if (!GetVarint64(&p, end, &unit) || unit == 0) return group_fail("bad time unit");
      if (from_ts) {
        p = SkipVarints(p, end, local);
        if (!p || !GetVarint64(&p, end, &z)) return truncated();
        v->u = ts_row + static_cast<uint64_t>(UnZigZag(z)) * unit;
        return Status::OK();
      }
      uint64_t sum = 0;
      for (uint32_t k = 0; k <= local; ++k) {
        if (!GetVarint64(&p, end, &z)) return truncated();
        sum += static_cast<uint64_t>(UnZigZag(z)) * unit;
      }
      v->u = sum;
      return Status::OK();
    }
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64:
      p = SkipVarints(p, end, local);
      if (!p || !GetVarint64(&p, end, &v->u)) return truncated();
      if (v->u > max) return RowFail(c, row, "value " + std::to_string(v->u) + " out of range");
      return Status::OK();
    case ColumnType::kIp: {
      for (uint32_t k = 0;; ++k) {
        if (p == end) return RowFail(c, row, "truncated");
        const uint8_t family = *p++;
        const size_t len = family == 4 ? 4 : family == 6 ? 16 : 0;
        if (family != 0 && len == 0) {
          return RowFail(c, header_->GroupBegin(g) + k,
                         "bad address family " + std::to_string(family));
        }
        if (static_cast<size_t>(end - p) < len) return RowFail(c, row, "truncated");
        if (k < local) {
          p += len;
          continue;
        }
        v->ip = family == 4   ? IpAddress::FromV4(p)
                : family == 6 ? IpAddress::FromV6(p)
                              : IpAddress();
        if (family == 6 && (v->ip.is_v4() || v->ip.is_unspecified())) {
          return RowFail(c, row, "non-canonical address");
        }
        return Status::OK();
      }
    }
    case ColumnType::kString: {
      if (p == end) return group_fail("no layout byte");
      const uint8_t layout = *p++;
      if (layout == bf::kStringInline) {
        one_values_.clear();  // offset, length of each new value so far
        for (uint32_t k = 0;; ++k) {
          // Rows before the row that repeat a value with a one-byte tag (1..127): a byte each.
          // Their tags are not checked against the values so far (the stored hash vouches for
          // the bytes; a decode checks them).
          if (k < local) {
            const uint8_t* q = p;
            const uint8_t* const stop = p + std::min<size_t>(local - k, end - p);
            while (q < stop && static_cast<uint8_t>(*q - 1) < 0x7f) ++q;
            k += static_cast<uint32_t>(q - p);
            p = q;
          }
          uint64_t tag;
          if (!GetVarint64(&p, end, &tag)) return truncated();
          const size_t nvalues = one_values_.size() / 2;
          if (tag == 0) {
            uint64_t len;
            if (!GetVarint64(&p, end, &len)) return RowFail(c, row, "bad or truncated length");
            if (len > static_cast<uint64_t>(end - p)) return RowFail(c, row, "truncated string");
            if (k == local) {
              v->s = {reinterpret_cast<const char*>(p), static_cast<size_t>(len)};
              return Status::OK();
            }
            one_values_.push_back(static_cast<uint32_t>(p - chunk.data));
            one_values_.push_back(static_cast<uint32_t>(len));
            p += len;
          } else if (tag > nvalues) {
            return RowFail(
                c, header_->GroupBegin(g) + k,
                "refers to value " + std::to_string(tag) + " of " + std::to_string(nvalues));
          } else if (k == local) {
            v->s = {reinterpret_cast<const char*>(chunk.data) + one_values_[2 * (tag - 1)],
                    one_values_[2 * (tag - 1) + 1]};
            return Status::OK();
          }
        }
      }
      if (layout != bf::kStringTransposed) {
        return group_fail("unknown layout " + std::to_string(layout));
      }
      uint64_t length, n;
      if (!GetVarint64(&p, end, &length) || !GetVarint64(&p, end, &n) || length == 0 || n > rows ||
          length > static_cast<uint64_t>(end - p)) {
        return group_fail("bad transposed values header");
      }
      const uint64_t plane_bytes = n * length;
      if (plane_bytes > static_cast<uint64_t>(end - p)) return group_fail("truncated values");
      uint64_t seen = 0, id = 0;
      for (uint32_t k = 0; k <= local; ++k) {
        // Rows before the row with a one-byte tag: a byte each, counting the new values (0);
        // a repeat's tag is not checked (as above).
        if (k < local) {
          const uint8_t* q = p;
          const uint8_t* const stop = p + std::min<size_t>(local - k, end - p);
          for (; q < stop && *q < 0x80; ++q) seen += *q == 0;
          k += static_cast<uint32_t>(q - p);
          p = q;
          if (seen > n) return RowFail(c, row, "more new values than " + std::to_string(n));
        }
        uint64_t tag;
        if (!GetVarint64(&p, end, &tag)) return truncated();
        if (tag == 0) {
          if (seen == n) return RowFail(c, row, "more new values than " + std::to_string(n));
          id = seen++;
        } else if (tag <= seen) {
          id = tag - 1;
        } else {
          return RowFail(c, header_->GroupBegin(g) + k,
                         "refers to value " + std::to_string(tag) + " of " + std::to_string(seen));
        }
      }
      const uint8_t* planes = end - plane_bytes;
      one_text_.resize(static_cast<size_t>(length));
      for (size_t j = 0; j < length; ++j) one_text_[j] = static_cast<char>(planes[j * n + id]);
      v->s = one_text_;
      return Status::OK();
    }
    default:
      return Status::InvalidArgument(where_, "ReadOne: a list column");
  }
}

Status BlockReader::Impl::LoadMap(uint32_t g) {
  if (maps_.empty()) maps_.resize(header_->groups.size());
  Map& map = maps_[g];
  if (map.loaded) return map.status;
  map.loaded = true;
  const BlockHeader::Chunk& entry = header_->explicit_maps[g];
  const auto* stored = reinterpret_cast<const uint8_t*>(bytes_.data()) + entry.offset;
  const std::string at = "explicit-row map of row group " + std::to_string(g);
  auto fail = [&](const std::string& what) {
    map.status = Status::Corruption(where_, at + ": " + what);
    return map.status;
  };
  if (verify_ && !StoredHashOk(entry)) return fail("stored bytes changed");
  if (entry.codec == bf::kCodecZstd) {
    if (std::string bad = InflateZstd(stored, entry, &map.owned); !bad.empty()) return fail(bad);
    map.bits = map.owned.get();
  } else {
    map.bits = stored;
  }
  const uint32_t rows = header_->GroupEnd(g) - header_->GroupBegin(g);
  uint32_t count = 0;
  for (uint32_t i = 0; i < entry.raw_bytes; ++i) count += std::popcount(map.bits[i]);
  if (rows % 8 != 0 && (map.bits[rows / 8] >> (rows % 8)) != 0) {
    return fail("bits set after the last row");
  }
  map.explicit_rows = count;
  map.status = Status::OK();
  return map.status;
}

// Inflates and decodes chunk (c, g) of a column that stores only the explicit rows.
Status BlockReader::Impl::DecodeDependent(size_t c, uint32_t g, Chunk& chunk) {
  if (Status s = LoadMap(g); !s.ok()) return Fail(c, s.message());
  if (Status s = Inflate(c, g, chunk); !s.ok()) return s;
  return Decode(c, g, chunk, maps_[g].explicit_rows, nullptr);
}

// The value of dependent column c in a tuple (block_format.h's tuple encoding).
namespace {
bool TupleField(const StreamInfo& info, std::string_view tuple, size_t c, const uint8_t** field,
                const uint8_t** field_end) {
  const auto* p = reinterpret_cast<const uint8_t*>(tuple.data());
  const uint8_t* const end = p + tuple.size();
  for (size_t d : info.dependent) {
    const uint8_t* begin = p;
    uint64_t v = 0;
    switch (info.defs[d].type) {
      case ColumnType::kString:
        if (!GetVarint64(&p, end, &v) || v > static_cast<uint64_t>(end - p)) return false;
        p += v;
        break;
      case ColumnType::kIp: {
        if (p == end) return false;
        const uint8_t family = *p++;
        const size_t len = family == 4 ? 4 : family == 6 ? 16 : 0;
        if ((family != 0 && len == 0) || static_cast<size_t>(end - p) < len) return false;
        p += len;
        break;
      }
      default:
        if (!GetVarint64(&p, end, &v)) return false;
        break;
    }
    if (d == c) {
      *field = begin;
      *field_end = p;
      return true;
    }
  }
  return false;
}
}  // namespace

// The dictionary's tuple of each implicit row of group g (as of this block), looked up once.
Status BlockReader::Impl::GroupTuples(uint32_t g, const std::vector<std::string_view>** tuples) {
  if (tuples_.empty()) tuples_.resize(header_->groups.size());
  Tuples& t = tuples_[g];
  *tuples = &t.rows;
  if (t.done) return t.status;
  t.done = true;
  const auto key_column = static_cast<size_t>(header_->key_column);
  const std::string key_name(info_->defs[key_column].name);
  if (Status s = LoadGroup(key_column, g); !s.ok()) {
    t.status = Status::Corruption(
        where_, "row group " + std::to_string(g) + ": its key column " + key_name +
                    " does not decode, so neither do the columns that depend on it");
    return t.status;
  }
  if (Status s = LoadMap(g); !s.ok()) return t.status = s;
  const std::vector<IpAddress>& keys = cols_[key_column].chunks[g].ips;
  const uint32_t begin = header_->GroupBegin(g);
  const uint32_t rows = header_->GroupEnd(g) - begin;
  t.rows.assign(rows, std::string_view());
  for (uint32_t i = 0; i < rows; ++i) {
    if (IsExplicit(g, i)) continue;
    if (!dict_) {
      t.status = Status::Corruption(
          where_, "row " + std::to_string(begin + i) +
                      ": its subscriber columns are implicit (from the segment's dictionary) "
                      "but the block was read on its own");
      return t.status;
    }
    t.rows[i] = dict_->Find(keys[i], header_->first_seq);
    if (t.rows[i].empty()) {
      t.status = Status::Corruption(
          where_, "row " + std::to_string(begin + i) +
                      ": its subscriber columns are implicit but the segment's dictionary holds "
                      "none for " +
                      key_name + " " + keys[i].ToString() + " before this block");
      return t.status;
    }
  }
  t.status = Status::OK();
  return t.status;
}

// Fills in the implicit rows of chunk (c, g), which holds the explicit rows' values: each from
// the dictionary's tuple of the row's key as of this block.
Status BlockReader::Impl::Resolve(size_t c, uint32_t g) {
  Chunk& chunk = cols_[c].chunks[g];
  const std::vector<std::string_view>* tuples = nullptr;
  if (Status s = GroupTuples(g, &tuples); !s.ok()) return Fail(c, s.message());
  const uint32_t begin = header_->GroupBegin(g);
  const uint32_t rows = header_->GroupEnd(g) - begin;
  const ColumnType type = info_->defs[c].type;
  // Each row's value bytes: an explicit row's from the chunk, an implicit row's from the tuple.
  fields_.resize(rows);
  auto& fields = fields_;
  uint32_t e = 0;
  for (uint32_t i = 0; i < rows; ++i) {
    fields[i] = {nullptr, nullptr};
    if ((*tuples)[i].empty()) continue;
    if (!TupleField(*info_, (*tuples)[i], c, &fields[i].first, &fields[i].second)) {
      return RowFail(c, begin + i, "the dictionary's tuple does not decode");
    }
  }
  switch (type) {
    case ColumnType::kString: {
      size_t total = 0;
      std::vector<std::string_view> values(rows);
      for (uint32_t i = 0; i < rows; ++i) {
        if (fields[i].first == nullptr) {
          values[i] = Span(chunk, chunk.ids[e++]);
        } else {
          const uint8_t* p = fields[i].first;
          uint64_t len = 0;
          GetVarint64(&p, fields[i].second, &len);  // checked by TupleField
          values[i] = {reinterpret_cast<const char*>(p), static_cast<size_t>(len)};
        }
        total += values[i].size();
      }
      auto text = std::make_unique_for_overwrite<uint8_t[]>(total + 1);
      chunk.values.resize(2 * size_t{rows});
      chunk.ids.resize(rows);
      size_t offset = 0;
      for (uint32_t i = 0; i < rows; ++i) {
        if (!values[i].empty())
          std::memcpy(text.get() + offset, values[i].data(), values[i].size());
        chunk.values[2 * i] = static_cast<uint32_t>(offset);
        chunk.values[2 * i + 1] = static_cast<uint32_t>(values[i].size());
        chunk.ids[i] = i;
        offset += values[i].size();
      }
      chunk.untransposed = std::move(text);
      chunk.text = chunk.untransposed.get();
      break;
    }
    case ColumnType::kIp: {
      std::vector<IpAddress> ips(rows);
      for (uint32_t i = 0; i < rows; ++i) {
        if (fields[i].first == nullptr) {
          ips[i] = chunk.ips[e++];
        } else {
          const uint8_t* p = fields[i].first;
          const uint8_t family = *p++;
          ips[i] = family == 4   ? IpAddress::FromV4(p)
                   : family == 6 ? IpAddress::FromV6(p)
                                 : IpAddress();
        }
      }
      chunk.ips = std::move(ips);
      break;
    }
    default: {
      const uint64_t max = type == ColumnType::kU16   ? UINT16_MAX
                           : type == ColumnType::kU32 ? UINT32_MAX
                                                      : UINT64_MAX;
      std::vector<uint64_t> uints(rows);
      for (uint32_t i = 0; i < rows; ++i) {
        if (fields[i].first == nullptr) {
          uints[i] = chunk.uints[e++];
        } else {
          const uint8_t* p = fields[i].first;
          GetVarint64(&p, fields[i].second, &uints[i]);
          if (uints[i] > max) return RowFail(c, begin + i, "dictionary value out of range");
        }
      }
      chunk.uints = std::move(uints);
      break;
    }
  }
  return Status::OK();
}

// Adds the value hashes of a resolved chunk's rows to `locator`.
void BlockReader::Impl::AddHashes(size_t c, uint32_t g, bf::Locator* locator) const {
  const Chunk& chunk = cols_[c].chunks[g];
  const uint32_t rows = header_->GroupEnd(g) - header_->GroupBegin(g);
  for (uint32_t i = 0; i < rows; ++i) {
    switch (info_->defs[c].type) {
      case ColumnType::kString: {
        const std::string_view v = Span(chunk, chunk.ids[i]);
        locator->Add(Hash64(v.data(), v.size()));
        break;
      }
      case ColumnType::kIp:
        locator->Add(bf::IpHash(chunk.ips[i]));
        break;
      default:
        locator->Add(HashWord(chunk.uints[i]));
        break;
    }
  }
}

Status BlockReader::Impl::Load(size_t c, uint32_t* bad_row) {
  if (bad_row) *bad_row = UINT32_MAX;
  if (c >= cols_.size()) {
    return Status::InvalidArgument(where_, "no column " + std::to_string(c));
  }
  Size(c);
  Column& col = cols_[c];
  if (!col.full) {
    col.full = true;
    const BlockHeader::Column& entry = header_->columns[c];
    const auto ngroups = static_cast<uint32_t>(header_->groups.size());
    bf::Locator actual;
    for (uint32_t g = 0; g < ngroups && col.status.ok(); ++g) {
      Chunk& chunk = col.chunks[g];
      if (Implicit(c)) {
        col.status = DecodeDependent(c, g, chunk);
        chunk.decode_ok = col.status.ok();
        if (col.status.ok()) col.status = Resolve(c, g);
        if (col.status.ok() && verify_) AddHashes(c, g, &actual);
        continue;
      }
      col.status = Inflate(c, g, chunk);
      if (col.status.ok()) {
        col.status = Decode(c, g, chunk, header_->GroupEnd(g) - header_->GroupBegin(g),
                            verify_ ? &actual : nullptr);
      }
      chunk.decode_ok = col.status.ok();
    }
    const bf::Sums sums = actual.Finish(header_->count);
    if (col.status.ok() && verify_ && (sums.sum0 != entry.sum0 || sums.sum1 != entry.sum1)) {
      int64_t row = bf::LocateChangedRow({entry.sum0, entry.sum1}, sums, header_->count);
      if (row >= 0) {
        col.bad_row = static_cast<uint32_t>(row);
        col.status = Fail(c, "row " + std::to_string(row) + " (seq " +
                                 std::to_string(header_->first_seq + static_cast<uint64_t>(row)) +
                                 ") does not match the block's checksum");
      } else {
        col.status = Fail(c, "several rows do not match the block's checksum");
      }
    }
    for (uint32_t g = 0; g < ngroups && col.status.ok(); ++g) col.status = CheckChunk(c, g);
    if (col.status.ok() && verify_ && c == 0 && info_->defs[0].type == ColumnType::kTime &&
        header_->count > 0) {
      TimestampUs lo = col.chunks[0].times[0], hi = lo;
      for (const Chunk& chunk : col.chunks) {
        for (TimestampUs t : chunk.times) {
          lo = std::min(lo, t);
          hi = std::max(hi, t);
        }
      }
      if (lo != header_->min_ts || hi != header_->max_ts) {
        col.status = Fail(c, "min_ts/max_ts of the header do not match the rows");
      }
    }
    // Free what a failed decode built; but the ts that decoded stay, for the Time columns coded
    // from them (a changed ts is reported in ts, not in end_ts too).
    if (!col.status.ok() && c != 0) col.chunks = std::vector<Chunk>();
  }
  if (bad_row) *bad_row = col.bad_row;
  return col.status;
}

void BlockReader::Impl::AppendValue(size_t c, uint32_t row, std::string* out) const {
  const Column& col = cols_[c];
  switch (info_->defs[c].type) {
    case ColumnType::kTime:
      record::detail::AppendTime(ChunkOf(col, row).times[Local(row)], out);
      break;
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64:
      record::detail::AppendUnsigned(ChunkOf(col, row).uints[Local(row)], out);
      break;
    case ColumnType::kIp:
      record::detail::AppendIp(ChunkOf(col, row).ips[Local(row)], out);
      break;
    case ColumnType::kString: {
      const Chunk& chunk = ChunkOf(col, row);
      record::detail::AppendJsonString(Span(chunk, chunk.ids[Local(row)]), out);
      break;
    }
    case ColumnType::kStringList:
    case ColumnType::kU32List: {
      const Chunk& chunk = ChunkOf(col, row);
      const uint32_t local = Local(row);
      out->push_back('[');
      for (uint32_t i = chunk.row_first[local]; i < chunk.row_first[local + 1]; ++i) {
        if (i != chunk.row_first[local]) out->push_back(',');
        if (info_->defs[c].type == ColumnType::kStringList) {
          record::detail::AppendJsonString(Span(chunk, i), out);
        } else {
          record::detail::AppendUnsigned(chunk.u32s[i], out);
        }
      }
      out->push_back(']');
      break;
    }
  }
}

namespace {
Result<std::unique_ptr<BlockReader::Impl>> OpenImpl(std::string_view bytes, bool verify,
                                                    const SubscriberDictionary* dict) {
  auto header = ParseHeader(bytes, verify, true);
  if (!header.ok()) return header.status();
  if (bytes.size() < header->total_bytes) {
    return Status::Corruption("block at seq " + std::to_string(header->first_seq),
                              "truncated: " + std::to_string(bytes.size()) +
                                  " bytes, the header says " + std::to_string(header->total_bytes));
  }
  return std::make_unique<BlockReader::Impl>(
      std::make_shared<const BlockHeader>(std::move(header).value()), bytes, verify, dict);
}
}  // namespace

BlockReader::BlockReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BlockReader::~BlockReader() = default;

Result<std::unique_ptr<BlockReader>> BlockReader::Open(std::string_view bytes,
                                                       const SubscriberDictionary* dict) {
  auto impl = OpenImpl(bytes, true, dict);
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<BlockReader>(new BlockReader(std::move(impl).value()));
}

Result<std::unique_ptr<BlockReader>> BlockReader::Open(std::shared_ptr<const BlockHeader> header,
                                                       std::string_view bytes,
                                                       const SubscriberDictionary* dict) {
  if (!header || bytes.size() < header->total_bytes) {
    return Status::InvalidArgument("BlockReader::Open", "the bytes do not hold the block");
  }
  return std::unique_ptr<BlockReader>(
      new BlockReader(std::make_unique<Impl>(std::move(header), bytes, true, dict)));
}

Result<std::unique_ptr<BlockReader>> BlockReader::OpenUnverifiedForFuzzing(
    std::string_view bytes, const SubscriberDictionary* dict) {
  auto impl = OpenImpl(bytes, false, dict);
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<BlockReader>(new BlockReader(std::move(impl).value()));
}

const BlockHeader& BlockReader::header() const { return *impl_->header_; }

Status BlockReader::LoadColumn(size_t column, uint32_t* bad_row) {
  return impl_->Load(column, bad_row);
}
Status BlockReader::LoadGroup(size_t column, uint32_t group) {
  return impl_->LoadGroup(column, group);
}

Status BlockReader::CheckFilters(uint32_t* bad_row) {
  if (bad_row) *bad_row = UINT32_MAX;
  const BlockHeader& h = *impl_->header_;
  const StreamInfo& info = *impl_->info_;
  const size_t ncols = h.columns.size();
  for (size_t c = 0; c < ncols; ++c) {
    if (Status s = LoadColumn(c); !s.ok()) return s;
  }
  auto fail = [&](std::string_view what, size_t c, uint32_t row) {
    if (bad_row) *bad_row = row;
    return Status::Corruption(
        "block at seq " + std::to_string(h.first_seq),
        std::string(what) + " of column " + std::string(info.defs[c].name) + " lacks row " +
            std::to_string(row) +
            "'s value: searches would skip the record (the header was changed)");
  };
  // The value hash of a scalar row (block_format.h, "Value hashes").
  auto hash_of = [&](size_t c, uint32_t row) -> uint64_t {
    switch (info.defs[c].type) {
      case ColumnType::kTime:
        return HashWord(static_cast<uint64_t>(TimeAt(c, row)));
      case ColumnType::kIp:
        return bf::IpHash(IpAt(c, row));
      case ColumnType::kString: {
        std::string_view v = StringAt(c, row);
        return Hash64(v.data(), v.size());
      }
      default:
        return HashWord(UintAt(c, row));
    }
  };
  const auto* bloom = reinterpret_cast<const uint8_t*>(h.bloom.data());
  const auto bloom_bits = static_cast<uint32_t>(h.bloom.size() * 8);
  auto in_bloom = [&](size_t c, uint64_t value_hash) {
    return BloomMayContain(bloom, bloom_bits, static_cast<uint8_t>(h.bloom_hashes),
                           bf::BloomKey(value_hash, c));
  };
  for (size_t c = 0; c < ncols; ++c) {
    const BlockHeader::Column& col = h.columns[c];
    const ColumnType type = info.defs[c].type;
    if (col.flags & bf::kFlagInBloom) {
      for (uint32_t row = 0; row < h.count; ++row) {
        if (type == ColumnType::kStringList) {
          for (uint32_t i = 0; i < ListSize(c, row); ++i) {
            std::string_view v = StringListAt(c, row, i);
            if (!in_bloom(c, Hash64(v.data(), v.size()))) return fail("the Bloom filter", c, row);
          }
        } else if (type == ColumnType::kU32List) {
          for (uint32_t i = 0; i < ListSize(c, row); ++i) {
            if (!in_bloom(c, HashWord(U32ListAt(c, row, i)))) {
              return fail("the Bloom filter", c, row);
            }
          }
        } else if (!in_bloom(c, hash_of(c, row))) {
          return fail("the Bloom filter", c, row);
        }
      }
    }
    if (col.flags & bf::kFlagZoneMap) {
      for (uint32_t row = 0; row < h.count; ++row) {
        if (!h.GroupMayHold(c, h.GroupOf(row), UintAt(c, row))) {
          return fail("the zone map", c, row);
        }
      }
    }
  }
  for (const BlockHeader::PairFilter& f : h.pair_filters) {
    if (f.column_a >= ncols || f.column_b >= ncols) continue;  // the parser rejects these
    const ColumnType ta = info.defs[f.column_a].type, tb = info.defs[f.column_b].type;
    if (ta == ColumnType::kStringList || ta == ColumnType::kU32List ||
        tb == ColumnType::kStringList || tb == ColumnType::kU32List) {
      continue;  // no pair of lists is declared; a filter over one proves nothing to check
    }
    PairProbe probe;
    probe.column_a = f.column_a;
    probe.column_b = f.column_b;
    probe.b_shift = f.b_shift;
    for (uint32_t row = 0; row < h.count; ++row) {
      const uint64_t hb = f.b_shift ? bf::PairBucketHash(UintAt(f.column_b, row), f.b_shift)
                                    : hash_of(f.column_b, row);
      probe.key = bf::PairKey(hash_of(f.column_a, row), hb, f.column_a, f.column_b);
      if (!h.GroupMayContain(probe, h.GroupOf(row)))
        return fail("the pair filter", f.column_a, row);
    }
  }
  return Status::OK();
}

void BlockReader::ExpectRows(uint32_t g, size_t n) {
  Impl& m = *impl_;
  if (n <= kOneReadsPerGroup || g >= m.header_->groups.size()) return;
  for (size_t c = 0; c < m.cols_.size(); ++c) {
    if (m.Implicit(c)) continue;  // its rows resolved one by one or the group whole, as before
    m.Size(c);
    Impl::Chunk& chunk = m.cols_[c].chunks[g];
    chunk.one_reads = std::max(chunk.one_reads, kOneReadsPerGroup);
  }
}

Status BlockReader::RowTime(uint32_t row, TimestampUs* ts) {
  Impl& m = *impl_;
  if (row >= m.header_->count || !m.ts_first_) {
    return Status::InvalidArgument(m.where_,
                                   "RowTime: no row " + std::to_string(row) + " or no ts");
  }
  uint64_t v = 0;
  if (Status s = m.RowTs(m.header_->GroupOf(row), m.Local(row), &v); !s.ok()) return s;
  *ts = static_cast<TimestampUs>(v);
  return Status::OK();
}

TimestampUs BlockReader::TimeAt(size_t column, uint32_t row) const {
  return impl_->ChunkOf(impl_->cols_[column], row).times[impl_->Local(row)];
}
uint64_t BlockReader::UintAt(size_t column, uint32_t row) const {
  return impl_->ChunkOf(impl_->cols_[column], row).uints[impl_->Local(row)];
}
const IpAddress& BlockReader::IpAt(size_t column, uint32_t row) const {
  return impl_->ChunkOf(impl_->cols_[column], row).ips[impl_->Local(row)];
}
std::string_view BlockReader::StringAt(size_t column, uint32_t row) const {
  const Impl::Chunk& chunk = impl_->ChunkOf(impl_->cols_[column], row);
  return Impl::Span(chunk, chunk.ids[impl_->Local(row)]);
}
uint32_t BlockReader::StringIdAt(size_t column, uint32_t row) const {
  return impl_->ChunkOf(impl_->cols_[column], row).ids[impl_->Local(row)];
}
uint32_t BlockReader::StringValueCount(size_t column, uint32_t group) const {
  return static_cast<uint32_t>(impl_->cols_[column].chunks[group].values.size() / 2);
}
std::string_view BlockReader::StringValue(size_t column, uint32_t group, uint32_t id) const {
  return Impl::Span(impl_->cols_[column].chunks[group], id);
}
uint32_t BlockReader::ListSize(size_t column, uint32_t row) const {
  const Impl::Chunk& chunk = impl_->ChunkOf(impl_->cols_[column], row);
  const uint32_t local = impl_->Local(row);
  return chunk.row_first[local + 1] - chunk.row_first[local];
}
std::string_view BlockReader::StringListAt(size_t column, uint32_t row, uint32_t i) const {
  const Impl::Chunk& chunk = impl_->ChunkOf(impl_->cols_[column], row);
  return Impl::Span(chunk, chunk.row_first[impl_->Local(row)] + i);
}
uint32_t BlockReader::U32ListAt(size_t column, uint32_t row, uint32_t i) const {
  const Impl::Chunk& chunk = impl_->ChunkOf(impl_->cols_[column], row);
  return chunk.u32s[chunk.row_first[impl_->Local(row)] + i];
}

Status BlockReader::ForEachExplicitRow(
    const std::function<void(uint32_t, const IpAddress&, std::string_view)>& fn) {
  Impl& m = *impl_;
  const BlockHeader& h = *m.header_;
  const StreamInfo& info = *m.info_;
  if (info.key_column < 0) return Status::OK();
  const auto key = static_cast<size_t>(info.key_column);
  const size_t n = info.dependent.size();
  const bool implicit = h.has_implicit_rows();
  std::vector<Impl::Chunk> own(implicit ? n : 0);  // the explicit rows' values, unresolved
  std::vector<const Impl::Chunk*> chunks(n);
  std::string tuple;
  for (uint32_t g = 0; g < h.groups.size(); ++g) {
    if (Status s = m.LoadGroup(key, g); !s.ok()) return s;
    if (implicit) {
      if (Status s = m.LoadMap(g); !s.ok()) return s;
    }
    for (size_t j = 0; j < n; ++j) {
      const size_t c = info.dependent[j];
      if (implicit) {
        own[j] = Impl::Chunk();
        if (Status s = m.DecodeDependent(c, g, own[j]); !s.ok()) return s;
        if (Status s = m.CheckChunk(c, g); !s.ok()) return s;
        chunks[j] = &own[j];
      } else {
        if (Status s = m.LoadGroup(c, g); !s.ok()) return s;
        chunks[j] = &m.cols_[c].chunks[g];
      }
    }
    const std::vector<IpAddress>& keys = m.cols_[key].chunks[g].ips;
    const uint32_t rows = h.GroupEnd(g) - h.GroupBegin(g);
    uint32_t e = 0;  // the explicit row's index in the chunks
    for (uint32_t i = 0; i < rows; ++i) {
      if (implicit && !m.IsExplicit(g, i)) continue;
      tuple.clear();
      for (size_t j = 0; j < n; ++j) {
        const Impl::Chunk& chunk = *chunks[j];
        uint8_t buf[kMaxVarint64];
        switch (info.defs[info.dependent[j]].type) {
          case ColumnType::kString: {
            const std::string_view v = Impl::Span(chunk, chunk.ids[e]);
            tuple.append(reinterpret_cast<const char*>(buf), PutVarint64(buf, v.size()) - buf);
            tuple.append(v);
            break;
          }
          case ColumnType::kIp: {
            uint8_t ip[bf::kMaxIpEncoding];
            tuple.append(reinterpret_cast<const char*>(ip), bf::EncodeIp(ip, chunk.ips[e]) - ip);
            break;
          }
          default:
            tuple.append(reinterpret_cast<const char*>(buf),
                         PutVarint64(buf, chunk.uints[e]) - buf);
            break;
        }
      }
      fn(h.GroupBegin(g) + i, keys[i], tuple);
      ++e;
    }
  }
  return Status::OK();
}

// The value of dependent column c at `row` without resolving its whole group (a query's few
// matching rows): an explicit row's from the group's explicit rows, an implicit row's from its
// key's tuple. The same checks as LoadGroup's (stored hashes, the map, the dictionary).
Status BlockReader::Impl::AppendDependent(size_t c, uint32_t row, std::string* out) {
  const uint32_t g = header_->GroupOf(row), i = Local(row);
  Column& col = cols_[c];
  if (col.explicit_rows.empty()) col.explicit_rows.resize(header_->groups.size());
  Chunk& chunk = col.explicit_rows[g];
  if (!chunk.decoded) {
    chunk.decoded = true;
    chunk.status = DecodeDependent(c, g, chunk);
    if (chunk.status.ok()) chunk.status = CheckChunk(c, g);
  }
  if (!chunk.status.ok()) return chunk.status;
  const ColumnType type = info_->defs[c].type;
  if (IsExplicit(g, i)) {
    uint32_t e = 0;  // explicit rows before it
    const uint8_t* bits = maps_[g].bits;
    for (uint32_t k = 0; k < i / 8; ++k) e += std::popcount(bits[k]);
    e += std::popcount(static_cast<uint8_t>(bits[i / 8] & ((1u << (i % 8)) - 1)));
    switch (type) {
      case ColumnType::kString:
        record::detail::AppendJsonString(Span(chunk, chunk.ids[e]), out);
        break;
      case ColumnType::kIp:
        record::detail::AppendIp(chunk.ips[e], out);
        break;
      default:
        record::detail::AppendUnsigned(chunk.uints[e], out);
        break;
    }
    return Status::OK();
  }
  const std::vector<std::string_view>* tuples = nullptr;
  if (tuples_.empty() || !tuples_[g].done) {  // not looked up for the whole group: this row
    const auto key_column = static_cast<size_t>(header_->key_column);
    if (Status s = LoadGroup(key_column, g); !s.ok()) {
      return Fail(c, "row group " + std::to_string(g) + ": its key column does not decode");
    }
    const IpAddress& key = cols_[key_column].chunks[g].ips[i];
    if (!dict_) {
      return RowFail(c, row,
                     "its subscriber columns are implicit (from the segment's dictionary) but "
                     "the block was read on its own");
    }
    row_tuple_ = dict_->Find(key, header_->first_seq);
    if (row_tuple_.empty()) {
      return RowFail(c, row,
                     "its subscriber columns are implicit but the segment's dictionary holds "
                     "none for " +
                         std::string(info_->defs[key_column].name) + " " + key.ToString() +
                         " before this block");
    }
  } else {
    if (Status s = GroupTuples(g, &tuples); !s.ok()) return Fail(c, s.message());
    row_tuple_ = (*tuples)[i];
  }
  const uint8_t *p = nullptr, *end = nullptr;
  if (!TupleField(*info_, row_tuple_, c, &p, &end)) {
    return RowFail(c, row, "the dictionary's tuple does not decode");
  }
  uint64_t v = 0;
  switch (type) {
    case ColumnType::kString:
      GetVarint64(&p, end, &v);
      record::detail::AppendJsonString(
          std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(v)), out);
      break;
    case ColumnType::kIp: {
      const uint8_t family = *p++;
      record::detail::AppendIp(family == 4   ? IpAddress::FromV4(p)
                               : family == 6 ? IpAddress::FromV6(p)
                                             : IpAddress(),
                               out);
      break;
    }
    default:
      GetVarint64(&p, end, &v);
      record::detail::AppendUnsigned(v, out);
      break;
  }
  return Status::OK();
}

bool BlockReader::IsResolved(size_t c) const {
  return c < impl_->cols_.size() && impl_->Implicit(c);
}

std::vector<IpAddress> BlockReader::DependentKeys(StreamId stream, const SubscriberDictionary& dict,
                                                  size_t c, std::string_view value) {
  std::vector<IpAddress> keys;
  const StreamInfo& info = Info(stream);
  if (c >= info.columns || info.dependent_index[c] < 0 ||
      info.defs[c].type != ColumnType::kString) {
    return keys;
  }
  dict.ForEachTuple([&](const IpAddress& key, std::string_view tuple) {
    const uint8_t *p = nullptr, *end = nullptr;
    uint64_t len = 0;
    if (!TupleField(info, tuple, c, &p, &end) || !GetVarint64(&p, end, &len)) return;
    if (std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(len)) == value &&
        (keys.empty() || !(keys.back() == key))) {
      keys.push_back(key);
    }
  });
  return keys;
}

// Equality on a packed chunk without decoding it: each row's code (base + mul * its bits,
// int_codec.h) is compared with the target's, with no vector of values built.
Status BlockReader::Impl::FilterPacked(size_t c, uint32_t g, uint64_t code,
                                       std::vector<uint32_t>* rows) {
  Chunk& chunk = cols_[c].chunks[g];
  if (Status s = Inflate(c, g, chunk); !s.ok()) return s;
  if (Status s = CheckStoredOnce(c, g, chunk); !s.ok()) return s;
  const BlockHeader::Chunk& entry = header_->columns[c].chunks[g];
  const uint32_t begin = header_->GroupBegin(g);
  const uint32_t n = header_->GroupEnd(g) - begin;
  const uint8_t* p = chunk.data;
  const uint8_t* const end = p + entry.raw_bytes;
  if (Status s = PackedKeyMode(c, g, &p, end); !s.ok()) return s;
  int_codec::PackedView view;
  if (!int_codec::ParsePacked(p, end, n, &view)) {
    return Fail(c, "row group " + std::to_string(g) + ": bad packed values");
  }
  size_t kept = 0;
  const unsigned w = view.width;
  // The target's bits: when mul * (2^w - 1) does not wrap, the codes base + mul * p of the
  // chunk's p < 2^w are distinct, and `code` is one of them only as (code - base) / mul.
  if (w > 0 && w < 64 && view.mul <= (UINT64_MAX >> w)) {
    const uint64_t d = code - view.base;
    if (d % view.mul != 0 || (d / view.mul) >> w != 0) {
      rows->clear();
      return Status::OK();
    }
    const uint64_t want = d / view.mul, mask = (uint64_t{1} << w) - 1;
    // Whole 8-byte loads while they stay inside the bits (w <= 56 bits from any bit offset < 8).
    const uint8_t* bits = view.bits;
    const size_t safe = view.nbytes >= 8 ? (view.nbytes - 8) * 8 / w + 1 : 0;  // rows i < safe
    auto at = [&](uint32_t i) {
      const uint64_t bit = uint64_t{i} * w;
      uint64_t word;
      std::memcpy(&word, bits + (bit >> 3), 8);
      return (word >> (bit & 7)) & mask;
    };
    const bool all = !rows->empty() && rows->front() == begin && rows->size() == n;
    if (all) {  // every row of the group (no time check left some out): no index to read
      uint32_t i = 0;
      for (; i < n && i < safe; ++i) {
        if (at(i) == want) (*rows)[kept++] = begin + i;
      }
      for (; i < n; ++i) {
        if ((view.Code(i) - view.base) / view.mul == want) (*rows)[kept++] = begin + i;
      }
    } else {
      for (uint32_t row : *rows) {
        const uint32_t i = row - begin;
        const uint64_t p = i < safe ? at(i) : (view.Code(i) - view.base) / view.mul;
        if (p == want) (*rows)[kept++] = row;
      }
    }
    rows->resize(kept);
    return Status::OK();
  }
  for (uint32_t row : *rows) {
    if (view.Code(row - begin) == code) (*rows)[kept++] = row;
  }
  rows->resize(kept);
  return Status::OK();
}

// FilterEqual's shared part: the arguments checked, then a packed chunk not decoded yet searched
// in place for `code`, or the group loaded and `same(row)` asked of each row.
template <typename Same>
Status BlockReader::Impl::FilterEqualBy(size_t c, uint32_t g, bool type_ok,
                                        std::optional<uint64_t> code, std::vector<uint32_t>* rows,
                                        Same same) {
  if (c >= cols_.size() || g >= header_->groups.size()) {
    return Status::InvalidArgument(
        where_, "no column " + std::to_string(c) + " row group " + std::to_string(g));
  }
  if (!type_ok) {
    return Status::InvalidArgument(
        where_,
        "FilterEqual: column " + std::string(info_->defs[c].name) + " is not of the value's type");
  }
  Size(c);
  if (!Implicit(c) && !cols_[c].full && !cols_[c].chunks[g].decoded &&
      header_->columns[c].chunks[g].codec == bf::kCodecPacked) {
    if (!code) {  // a value no packed row can hold
      rows->clear();
      return Status::OK();
    }
    return FilterPacked(c, g, *code, rows);
  }
  if (Status s = LoadGroup(c, g); !s.ok()) return s;
  size_t kept = 0;
  for (uint32_t row : *rows) {
    if (same(row)) (*rows)[kept++] = row;
  }
  rows->resize(kept);
  return Status::OK();
}

Status BlockReader::FilterEqual(size_t c, uint32_t g, uint64_t value, std::vector<uint32_t>* rows) {
  const ColumnType type = c < impl_->cols_.size() ? impl_->info_->defs[c].type : ColumnType{};
  const bool integer =
      type == ColumnType::kU16 || type == ColumnType::kU32 || type == ColumnType::kU64;
  return impl_->FilterEqualBy(c, g, integer, value, rows,
                              [&](uint32_t row) { return UintAt(c, row) == value; });
}

Status BlockReader::FilterEqual(size_t c, uint32_t g, const IpAddress& ip,
                                std::vector<uint32_t>* rows) {
  const bool address = c < impl_->cols_.size() && impl_->info_->defs[c].type == ColumnType::kIp;
  // Packed codes: 0 unset, an IPv4 address + 1 (host order); no IPv6 address is packed.
  std::optional<uint64_t> code;
  if (ip.is_unspecified() || ip.is_v4()) code = bf::PackedIpCode(ip);
  return impl_->FilterEqualBy(c, g, address, code, rows,
                              [&](uint32_t row) { return IpAt(c, row) == ip; });
}

Status BlockReader::FilterDependent(size_t c, uint32_t g, std::string_view value,
                                    const std::vector<IpAddress>& keys,
                                    std::vector<uint32_t>* rows) {
  Impl& m = *impl_;
  if (!m.Implicit(c) || m.info_->defs[c].type != ColumnType::kString ||
      g >= m.header_->groups.size()) {
    return Status::InvalidArgument(m.where_, "not a dependent String column's row group");
  }
  Impl::Column& col = m.cols_[c];
  if (col.explicit_rows.empty()) col.explicit_rows.resize(m.header_->groups.size());
  Impl::Chunk& chunk = col.explicit_rows[g];
  if (!chunk.decoded) {
    chunk.decoded = true;
    chunk.status = m.DecodeDependent(c, g, chunk);
    if (chunk.status.ok()) chunk.status = m.CheckChunk(c, g);
  }
  if (!chunk.status.ok()) return chunk.status;
  const auto key_column = static_cast<size_t>(m.header_->key_column);
  if (!keys.empty()) {
    if (Status s = m.LoadGroup(key_column, g); !s.ok()) {
      return m.Fail(c, "row group " + std::to_string(g) + ": its key column does not decode");
    }
  }
  const uint8_t* bits = m.maps_[g].bits;
  const uint32_t begin = m.header_->GroupBegin(g);
  uint32_t e = 0, next = 0;  // explicit rows among the group's rows [0, next)
  size_t kept = 0;
  for (uint32_t row : *rows) {
    const uint32_t i = row - begin;
    for (; next < i; ++next) e += (bits[next >> 3] >> (next & 7)) & 1;
    if (m.IsExplicit(g, i)) {
      if (Impl::Span(chunk, chunk.ids[e]) == value) (*rows)[kept++] = row;
      continue;
    }
    if (keys.empty()) continue;
    const IpAddress& key = m.cols_[key_column].chunks[g].ips[i];
    bool candidate = false;
    for (const IpAddress& k : keys) candidate |= k == key;
    if (!candidate) continue;
    if (!m.dict_) return m.RowFail(c, row, "implicit, but the block was read on its own");
    const std::string_view tuple = m.dict_->Find(key, m.header_->first_seq);
    const uint8_t *p = nullptr, *end = nullptr;
    uint64_t len = 0;
    if (tuple.empty() || !TupleField(*m.info_, tuple, c, &p, &end) || !GetVarint64(&p, end, &len)) {
      return m.RowFail(c, row, "implicit, but the segment's dictionary holds no tuple for it");
    }
    if (std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(len)) == value) {
      (*rows)[kept++] = row;
    }
  }
  rows->resize(kept);
  return Status::OK();
}

Status BlockReader::AppendJsonLine(uint32_t row, std::string* out) {
  Impl& m = *impl_;
  if (row >= m.header_->count) {
    return Status::InvalidArgument(m.where_, "no row " + std::to_string(row));
  }
  const uint32_t g = m.header_->GroupOf(row);
  const size_t ncols = m.cols_.size();
  // A dependent column whose group is not resolved yet: this row's value alone (below).
  auto by_row = [&](size_t c) { return m.Implicit(c) && !m.Resolved(c, g); };
  // A scalar or String column whose group is not decoded: the group's first kOneReadsPerGroup
  // rows asked for are read straight from the chunk's bytes (ReadOne), a further one decodes the
  // group whole.
  const uint32_t local = m.Local(row);
  std::array<bool, 256> one{};
  for (size_t c = 0; c < ncols; ++c) {
    if (by_row(c)) continue;
    m.Size(c);
    Impl::Column& col = m.cols_[c];
    if (col.full) {  // LoadColumn ran (its chunks are freed when it failed)
      if (!col.status.ok()) return col.status;
      continue;
    }
    Impl::Chunk& chunk = col.chunks[g];
    const ColumnType type = m.info_->defs[c].type;
    if (c < one.size() && !m.Implicit(c) && !chunk.decoded && chunk.one_reads < kOneReadsPerGroup &&
        chunk.prefix_rows <= local && type != ColumnType::kStringList &&
        type != ColumnType::kU32List) {
      ++chunk.one_reads;
      one[c] = true;
      continue;
    }
    Status s = chunk.one_reads > 0 ? m.LoadGroup(c, g) : m.LoadRows(c, g, row + 1);
    if (!s.ok()) return s;
  }
  const size_t start = out->size();
  char sep = '{';
  for (size_t c = 0; c < ncols; ++c) {
    out->push_back(sep);
    sep = ',';
    out->push_back('"');
    out->append(m.info_->defs[c].name);
    out->append("\":");
    if (by_row(c)) {
      if (Status s = m.AppendDependent(c, row, out); !s.ok()) {
        out->resize(start);
        return s;
      }
    } else if (one[c]) {
      Impl::One v;
      if (Status s = m.ReadOne(c, g, local, &v); !s.ok()) {
        out->resize(start);
        return s;
      }
      switch (m.info_->defs[c].type) {
        case ColumnType::kTime:
          record::detail::AppendTime(static_cast<TimestampUs>(v.u), out);
          break;
        case ColumnType::kIp:
          record::detail::AppendIp(v.ip, out);
          break;
        case ColumnType::kString:
          record::detail::AppendJsonString(v.s, out);
          break;
        default:
          record::detail::AppendUnsigned(v.u, out);
          break;
      }
    } else {
      m.AppendValue(c, row, out);
    }
  }
  out->append("}\n");
  return Status::OK();
}

}  // namespace netward::store
