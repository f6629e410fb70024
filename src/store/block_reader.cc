// src/store/block_reader.cc: block headers and BlockReader (block_codec.h). The layout is
// described at the top of block_codec.cc and in docs/store-format.md, "Block format".
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "record/json_encoder.h"
#include "store/block_codec.h"
#include "store/block_columns.h"
#include "store/block_format.h"
#include "store/bloom_filter.h"
#include "store/hash64.h"
#include "store/varint.h"

namespace netward::store {
namespace bf = block_format;
using block_columns::Info;
using block_columns::StreamInfo;
using record::StreamId;

// ---- The header. ----

namespace {

Status HeaderCorruption(std::string_view what) { return Status::Corruption("block header", what); }

Result<BlockHeader> ParseHeader(std::string_view bytes, bool verify_checksum) {
  auto sizes = PeekBlockSizes(bytes);
  if (!sizes.ok()) return sizes.status();
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t ncols = bf::Load<uint16_t>(b + bf::kColumnCountOffset);
  const size_t bloom_offset = bf::kFixedBytes + ncols * bf::kColumnEntryBytes;
  const size_t min_header = bloom_offset + bf::kBloomFixedBytes + bf::kChecksumBytes;
  const uint32_t header_bytes = sizes->header_bytes;
  if (header_bytes < min_header) {
    return HeaderCorruption("header size " + std::to_string(header_bytes) + " cannot hold " +
                            std::to_string(ncols) + " columns");
  }
  if (bytes.size() < header_bytes) {
    return HeaderCorruption("truncated: " + std::to_string(bytes.size()) +
                            " bytes, the header has " + std::to_string(header_bytes));
  }
  const uint8_t hashes = b[bloom_offset];
  const uint32_t nbits = bf::Load<uint32_t>(b + bloom_offset + 1);
  if (nbits % kBloomBlockBits != 0 || min_header + uint64_t{nbits} / 8 != header_bytes) {
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
  h.count = bf::Load<uint32_t>(b + bf::kCountOffset);
  if (h.count > kMaxBlockRecords) {
    return HeaderCorruption("record count " + std::to_string(h.count) + " over the limit");
  }
  h.first_seq = bf::Load<uint64_t>(b + bf::kFirstSeqOffset);
  h.min_ts = bf::Load<int64_t>(b + bf::kMinTsOffset);
  h.max_ts = bf::Load<int64_t>(b + bf::kMaxTsOffset);
  if (h.count == 0 ? (h.min_ts != 0 || h.max_ts != 0) : h.min_ts > h.max_ts) {
    return HeaderCorruption("min_ts/max_ts out of order");
  }
  if (nbits > 0 && (hashes == 0 || hashes > kBloomHashes)) {
    return HeaderCorruption("Bloom hash count " + std::to_string(hashes));
  }
  h.header_bytes = header_bytes;
  h.total_bytes = sizes->total_bytes;
  h.bloom_hashes = hashes;
  h.bloom.assign(bytes.data() + bloom_offset + bf::kBloomFixedBytes, nbits / 8);

  h.columns.resize(ncols);
  uint64_t offset = header_bytes;
  for (size_t c = 0; c < ncols; ++c) {
    const uint8_t* e = b + bf::kFixedBytes + c * bf::kColumnEntryBytes;
    BlockHeader::Column& col = h.columns[c];
    col.codec = e[bf::kEntryCodec];
    col.flags = e[bf::kEntryFlags];
    col.offset = static_cast<uint32_t>(std::min<uint64_t>(offset, UINT32_MAX));
    col.stored_bytes = bf::Load<uint32_t>(e + bf::kEntryStored);
    col.raw_bytes = bf::Load<uint32_t>(e + bf::kEntryRaw);
    col.sum0 = bf::Load<uint64_t>(e + bf::kEntrySum0);
    col.sum1 = bf::Load<uint64_t>(e + bf::kEntrySum1);
    col.stored_hash = bf::Load<uint64_t>(e + bf::kEntryStoredHash);
    offset += col.stored_bytes;
    const std::string where = "column " + std::string(info.defs[c].name) + ": ";
    const size_t max_row = block_columns::MaxRowBytes(info.defs[c].type);
    if (col.codec > bf::kCodecZstd) {
      return HeaderCorruption(where + "unknown codec " + std::to_string(col.codec));
    }
    if ((col.flags & ~bf::kKnownFlags) || ((col.flags & bf::kFlagInBloom) && nbits == 0)) {
      return HeaderCorruption(where + "bad flags " + std::to_string(col.flags));
    }
    if (col.codec == bf::kCodecRaw ? col.stored_bytes != col.raw_bytes : col.stored_bytes == 0) {
      return HeaderCorruption(where + "stored size " + std::to_string(col.stored_bytes) +
                              " does not fit raw size " + std::to_string(col.raw_bytes));
    }
    if (col.raw_bytes < h.count || col.raw_bytes > bf::kMaxColumnRawBytes ||
        (max_row && col.raw_bytes > uint64_t{h.count} * max_row)) {
      return HeaderCorruption(where + std::to_string(col.raw_bytes) + " bytes cannot hold " +
                              std::to_string(h.count) + " rows");
    }
    if (col.sum0 >= bf::kPrime || col.sum1 >= bf::kPrime) {
      return HeaderCorruption(where + "checksum out of range");
    }
  }
  if (offset != h.total_bytes) {
    return HeaderCorruption("total size " + std::to_string(h.total_bytes) +
                            " is not the header plus the columns (" + std::to_string(offset) + ")");
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
    return HeaderCorruption("unknown version " + std::to_string(b[bf::kVersionOffset]));
  }
  BlockSizes sizes;
  sizes.header_bytes = bf::Load<uint32_t>(b + bf::kHeaderBytesOffset);
  sizes.total_bytes = bf::Load<uint32_t>(b + bf::kTotalBytesOffset);
  if (sizes.header_bytes < bf::kFixedBytes + bf::kBloomFixedBytes + bf::kChecksumBytes ||
      sizes.total_bytes < sizes.header_bytes) {
    return HeaderCorruption("bad sizes: header " + std::to_string(sizes.header_bytes) + ", block " +
                            std::to_string(sizes.total_bytes));
  }
  return sizes;
}

Result<BlockHeader> ParseBlockHeader(std::string_view bytes) { return ParseHeader(bytes, true); }

// ---- BlockReader. ----

class BlockReader::Impl {
 public:
  struct Column {
    bool done = false;
    Status status;
    uint32_t bad_row = UINT32_MAX;
    std::unique_ptr<uint8_t[]> owned;  // decompressed bytes; raw columns view the block
    const uint8_t* data = nullptr;
    std::vector<TimestampUs> times;
    std::vector<uint64_t> uints;
    std::vector<IpAddress> ips;
    std::vector<uint32_t> spans;      // String: (offset, length) per row; lists: per element
    std::vector<uint32_t> row_first;  // lists: first element of each row, count + 1 entries
    std::vector<uint32_t> u32s;       // U32List elements
  };

  Impl(BlockHeader header, std::string_view bytes, bool verify)
      : header_(std::move(header)),
        bytes_(bytes),
        verify_(verify),
        info_(&Info(header_.stream)),
        cols_(info_->columns),
        where_("block at seq " + std::to_string(header_.first_seq)) {}
  ~Impl() { ZSTD_freeDCtx(dctx_); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Load(size_t c, uint32_t* bad_row);
  Status Decode(size_t c, const uint8_t* data, size_t size, bf::Locator* locator);
  void AppendValue(size_t c, uint32_t row, std::string* out) const;

  std::string_view Span(const Column& col, size_t i) const {
    return {reinterpret_cast<const char*>(col.data) + col.spans[2 * i], col.spans[2 * i + 1]};
  }
  Status Fail(size_t c, std::string_view what) const {
    return Status::Corruption(
        where_, "column " + std::string(info_->defs[c].name) + ": " + std::string(what));
  }
  Status RowFail(size_t c, uint32_t row, std::string_view what) const {
    return Fail(c, "row " + std::to_string(row) + ": " + std::string(what));
  }

  BlockHeader header_;
  std::string_view bytes_;
  bool verify_;
  const StreamInfo* info_;
  std::vector<Column> cols_;
  std::string where_;
  ZSTD_DCtx* dctx_ = nullptr;
};

Status BlockReader::Impl::Decode(size_t c, const uint8_t* data, size_t size, bf::Locator* locator) {
  Column& col = cols_[c];
  const uint32_t n = header_.count;
  const uint8_t* p = data;
  const uint8_t* const end = data + size;
  auto get = [&](uint64_t* v) { return GetVarint64(&p, end, v); };
  switch (info_->defs[c].type) {
    case ColumnType::kTime: {
      col.times.resize(n);
      uint64_t prev = 0;
      for (uint32_t r = 0; r < n; ++r) {
        uint64_t z;
        if (!get(&z)) return RowFail(c, r, "bad or truncated varint");
        prev += static_cast<uint64_t>(UnZigZag(z));
        auto ts = static_cast<TimestampUs>(prev);
        col.times[r] = ts;
        locator->Add(HashWord(prev));
      }
      break;
    }
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64: {
      const uint64_t max = info_->defs[c].type == ColumnType::kU16   ? UINT16_MAX
                           : info_->defs[c].type == ColumnType::kU32 ? UINT32_MAX
                                                                     : UINT64_MAX;
      col.uints.resize(n);
      for (uint32_t r = 0; r < n; ++r) {
        uint64_t v;
        if (!get(&v)) return RowFail(c, r, "bad or truncated varint");
        if (v > max) return RowFail(c, r, "value " + std::to_string(v) + " out of range");
        col.uints[r] = v;
        locator->Add(HashWord(v));
      }
      break;
    }
    case ColumnType::kIp: {
      col.ips.resize(n);
      for (uint32_t r = 0; r < n; ++r) {
        if (p == end) return RowFail(c, r, "truncated");
        const uint8_t family = *p++;
        const size_t len = family == 4 ? 4 : family == 6 ? 16 : 0;
        if (family != 0 && len == 0) {
          return RowFail(c, r, "bad address family " + std::to_string(family));
        }
        if (static_cast<size_t>(end - p) < len) return RowFail(c, r, "truncated");
        IpAddress ip = family == 4   ? IpAddress::FromV4(p)
                       : family == 6 ? IpAddress::FromV6(p)
                                     : IpAddress();
        if (family == 6 && (ip.is_v4() || ip.is_unspecified())) {
          return RowFail(c, r, "non-canonical address");
        }
        p += len;
        col.ips[r] = ip;
        locator->Add(bf::IpHash(ip));
      }
      break;
    }
    case ColumnType::kString: {
      col.spans.resize(2 * size_t{n});
      struct Value {
        uint32_t offset;
        uint32_t length;
        uint64_t hash;
      };
      std::vector<Value> values;  // the column's new values, in order
      for (uint32_t r = 0; r < n; ++r) {
        uint64_t tag;
        if (!get(&tag)) return RowFail(c, r, "bad or truncated varint");
        Value v;
        if (tag == 0) {
          uint64_t len;
          if (!get(&len)) return RowFail(c, r, "bad or truncated length");
          if (len > static_cast<uint64_t>(end - p)) return RowFail(c, r, "truncated string");
          v = {static_cast<uint32_t>(p - data), static_cast<uint32_t>(len), Hash64(p, len)};
          values.push_back(v);
          p += len;
        } else if (tag <= values.size()) {
          v = values[tag - 1];
        } else {
          return RowFail(
              c, r,
              "refers to value " + std::to_string(tag) + " of " + std::to_string(values.size()));
        }
        col.spans[2 * r] = v.offset;
        col.spans[2 * r + 1] = v.length;
        locator->Add(v.hash);
      }
      break;
    }
    case ColumnType::kStringList:
    case ColumnType::kU32List: {
      const bool strings = info_->defs[c].type == ColumnType::kStringList;
      col.row_first.resize(size_t{n} + 1);
      col.spans.clear();
      col.u32s.clear();
      for (uint32_t r = 0; r < n; ++r) {
        const uint8_t* begin = p;
        uint64_t count;
        if (!get(&count)) return RowFail(c, r, "bad or truncated element count");
        if (count > static_cast<uint64_t>(end - p)) return RowFail(c, r, "truncated list");
        col.row_first[r] = static_cast<uint32_t>(strings ? col.spans.size() / 2 : col.u32s.size());
        for (uint64_t i = 0; i < count; ++i) {
          uint64_t v;
          if (!get(&v)) return RowFail(c, r, "bad or truncated element");
          if (strings) {
            if (v > static_cast<uint64_t>(end - p)) return RowFail(c, r, "truncated string");
            col.spans.push_back(static_cast<uint32_t>(p - data));
            col.spans.push_back(static_cast<uint32_t>(v));
            p += v;
          } else {
            if (v > UINT32_MAX) return RowFail(c, r, "element out of range");
            col.u32s.push_back(static_cast<uint32_t>(v));
          }
        }
        locator->Add(Hash64(begin, static_cast<size_t>(p - begin)));
      }
      col.row_first[n] = static_cast<uint32_t>(strings ? col.spans.size() / 2 : col.u32s.size());
      break;
    }
  }
  if (p != end) {
    return Fail(c, std::to_string(end - p) + " bytes left after the last of " + std::to_string(n) +
                       " rows");
  }
  return Status::OK();
}

Status BlockReader::Impl::Load(size_t c, uint32_t* bad_row) {
  if (bad_row) *bad_row = UINT32_MAX;
  if (c >= cols_.size()) {
    return Status::InvalidArgument(where_, "no column " + std::to_string(c));
  }
  Column& col = cols_[c];
  if (!col.done) {
    col.done = true;
    const BlockHeader::Column& entry = header_.columns[c];
    const auto* stored = reinterpret_cast<const uint8_t*>(bytes_.data()) + entry.offset;
    if (entry.codec == bf::kCodecRaw) {
      col.data = stored;
    } else {
      unsigned long long content = ZSTD_getFrameContentSize(stored, entry.stored_bytes);
      if (content != entry.raw_bytes) {
        col.status =
            Fail(c, "compressed frame does not hold " + std::to_string(entry.raw_bytes) + " bytes");
        return col.status;
      }
      if (!dctx_) dctx_ = ZSTD_createDCtx();
      col.owned = std::make_unique_for_overwrite<uint8_t[]>(entry.raw_bytes);
      size_t n =
          ZSTD_decompressDCtx(dctx_, col.owned.get(), entry.raw_bytes, stored, entry.stored_bytes);
      if (ZSTD_isError(n) || n != entry.raw_bytes) {
        col.status = Fail(c, ZSTD_isError(n) ? std::string("zstd: ") + ZSTD_getErrorName(n)
                                             : std::string("short decompression"));
        return col.status;
      }
      col.data = col.owned.get();
    }
    bf::Locator actual;
    col.status = Decode(c, col.data, entry.raw_bytes, &actual);
    const bf::Sums sums = actual.Finish(header_.count);
    if (col.status.ok() && verify_ && (sums.sum0 != entry.sum0 || sums.sum1 != entry.sum1)) {
      int64_t row = bf::LocateChangedRow({entry.sum0, entry.sum1}, sums, header_.count);
      if (row >= 0) {
        col.bad_row = static_cast<uint32_t>(row);
        col.status = Fail(c, "row " + std::to_string(row) + " (seq " +
                                 std::to_string(header_.first_seq + static_cast<uint64_t>(row)) +
                                 ") does not match the block's checksum");
      } else {
        col.status = Fail(c, "several rows do not match the block's checksum");
      }
    }
    if (col.status.ok() && verify_ &&
        Hash64(stored, entry.stored_bytes, bf::kStoredSeed) != entry.stored_hash) {
      col.status = Fail(c, "stored bytes changed (they still decode to the same values)");
    }
    if (col.status.ok() && verify_ && c == 0 && info_->defs[0].type == ColumnType::kTime &&
        header_.count > 0) {
      auto [lo, hi] = std::minmax_element(col.times.begin(), col.times.end());
      if (*lo != header_.min_ts || *hi != header_.max_ts) {
        col.status = Fail(c, "min_ts/max_ts of the header do not match the rows");
      }
    }
    if (!col.status.ok()) {  // free what a failed decode built
      col.times = {};
      col.uints = {};
      col.ips = {};
      col.spans = {};
      col.row_first = {};
      col.u32s = {};
    }
  }
  if (bad_row) *bad_row = col.bad_row;
  return col.status;
}

void BlockReader::Impl::AppendValue(size_t c, uint32_t row, std::string* out) const {
  const Column& col = cols_[c];
  switch (info_->defs[c].type) {
    case ColumnType::kTime:
      record::detail::AppendTime(col.times[row], out);
      break;
    case ColumnType::kU16:
    case ColumnType::kU32:
    case ColumnType::kU64:
      record::detail::AppendUnsigned(col.uints[row], out);
      break;
    case ColumnType::kIp:
      record::detail::AppendIp(col.ips[row], out);
      break;
    case ColumnType::kString:
      record::detail::AppendJsonString(Span(col, row), out);
      break;
    case ColumnType::kStringList:
    case ColumnType::kU32List: {
      out->push_back('[');
      for (uint32_t i = col.row_first[row]; i < col.row_first[row + 1]; ++i) {
        if (i != col.row_first[row]) out->push_back(',');
        if (info_->defs[c].type == ColumnType::kStringList) {
          record::detail::AppendJsonString(Span(col, i), out);
        } else {
          record::detail::AppendUnsigned(col.u32s[i], out);
        }
      }
      out->push_back(']');
      break;
    }
  }
}

namespace {
Result<std::unique_ptr<BlockReader::Impl>> OpenImpl(std::string_view bytes, bool verify) {
  auto header = ParseHeader(bytes, verify);
  if (!header.ok()) return header.status();
  if (bytes.size() < header->total_bytes) {
    return Status::Corruption("block at seq " + std::to_string(header->first_seq),
                              "truncated: " + std::to_string(bytes.size()) +
                                  " bytes, the header says " + std::to_string(header->total_bytes));
  }
  return std::make_unique<BlockReader::Impl>(std::move(header).value(), bytes, verify);
}
}  // namespace

BlockReader::BlockReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BlockReader::~BlockReader() = default;

Result<std::unique_ptr<BlockReader>> BlockReader::Open(std::string_view bytes) {
  auto impl = OpenImpl(bytes, true);
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<BlockReader>(new BlockReader(std::move(impl).value()));
}

Result<std::unique_ptr<BlockReader>> BlockReader::OpenUnverifiedForFuzzing(std::string_view bytes) {
  auto impl = OpenImpl(bytes, false);
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<BlockReader>(new BlockReader(std::move(impl).value()));
}

const BlockHeader& BlockReader::header() const { return impl_->header_; }

Status BlockReader::LoadColumn(size_t column, uint32_t* bad_row) {
  return impl_->Load(column, bad_row);
}

TimestampUs BlockReader::TimeAt(size_t column, uint32_t row) const {
  return impl_->cols_[column].times[row];
}
uint64_t BlockReader::UintAt(size_t column, uint32_t row) const {
  return impl_->cols_[column].uints[row];
}
const IpAddress& BlockReader::IpAt(size_t column, uint32_t row) const {
  return impl_->cols_[column].ips[row];
}
std::string_view BlockReader::StringAt(size_t column, uint32_t row) const {
  return impl_->Span(impl_->cols_[column], row);
}
uint32_t BlockReader::ListSize(size_t column, uint32_t row) const {
  const auto& first = impl_->cols_[column].row_first;
  return first[row + 1] - first[row];
}
std::string_view BlockReader::StringListAt(size_t column, uint32_t row, uint32_t i) const {
  const Impl::Column& col = impl_->cols_[column];
  return impl_->Span(col, col.row_first[row] + i);
}
uint32_t BlockReader::U32ListAt(size_t column, uint32_t row, uint32_t i) const {
  const Impl::Column& col = impl_->cols_[column];
  return col.u32s[col.row_first[row] + i];
}

Status BlockReader::AppendJsonLine(uint32_t row, std::string* out) {
  Impl& m = *impl_;
  if (row >= m.header_.count) {
    return Status::InvalidArgument(m.where_, "no row " + std::to_string(row));
  }
  for (size_t c = 0; c < m.cols_.size(); ++c) {
    Status s = m.Load(c, nullptr);
    if (!s.ok()) return s;
  }
  char sep = '{';
  for (size_t c = 0; c < m.cols_.size(); ++c) {
    out->push_back(sep);
    sep = ',';
    out->push_back('"');
    out->append(m.info_->defs[c].name);
    out->append("\":");
    m.AppendValue(c, row, out);
  }
  out->append("}\n");
  return Status::OK();
}

}  // namespace netward::store
