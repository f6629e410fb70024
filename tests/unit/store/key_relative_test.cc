// Tests of block format version 6 (src/store/block_codec.h, block_format.h): key-relative NAT
// columns (each row coded from the last earlier rows of its row group with the same inside_ip,
// store/same_key_rows.h; inside_ip itself by the distance to the row before it with the same
// address), Time chunks stored with their unit, and the nat pair filter over 16-port buckets
// sized by its distinct keys. The records are shaped as a CGNAT gateway logs them; damage to a
// key-relative chunk is Corruption, never a crash.
#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "record/json_encoder.h"
#include "store/block_codec.h"
#include "store/block_format.h"
#include "store/hash64.h"
#include "store/same_key_rows.h"
#include "store/varint.h"

namespace netward::store {
namespace {

namespace bf = block_format;
using record::NatRecord;
using record::StreamId;

constexpr TimestampUs kMs = 1000;
constexpr TimestampUs kSecond = 1'000'000;
constexpr TimestampUs kStart = 1'790'000'000 * kSecond;
constexpr uint32_t kGroupRows = 1u << bf::kGroupShift;

// ---- Helpers. ----

template <typename R>
std::string BlockOf(const std::vector<R>& records, int level = 3) {
  BlockBuilder builder(R::kStream);
  for (const R& r : records) builder.Add(r, "s1");
  std::string block;
  builder.Finish(7, level, &block);
  return block;
}

template <typename R>
std::string Line(const R& r) {
  std::string line;
  record::EncodeJsonLine(r, "s1", &line);
  return line;
}

size_t Col(std::string_view field) {
  const int c = ColumnIndex(StreamId::kNat, field);
  EXPECT_GE(c, 0) << field;
  return static_cast<size_t>(c);
}

// The bytes of chunk (c, g) before compression: a zstd chunk decompressed, a raw or packed one
// as stored (a packed chunk keeps its mode byte first).
std::string ChunkRaw(std::string_view block, const BlockHeader& h, size_t c, uint32_t g) {
  const BlockHeader::Chunk& e = h.columns[c].chunks[g];
  const char* stored = block.data() + e.offset;
  if (e.codec != bf::kCodecZstd) return std::string(stored, e.stored_bytes);
  std::string raw(e.raw_bytes, '\0');
  const size_t n = ZSTD_decompress(raw.data(), raw.size(), stored, e.stored_bytes);
  EXPECT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  EXPECT_EQ(n, raw.size());
  return raw;
}

// Where the header entry of chunk (c, g) starts (block_format.h: fixed part, group entries,
// column entries, then the chunk entries column by column).
size_t ChunkEntryOffset(const BlockHeader& h, size_t c, uint32_t g) {
  const size_t groups = h.groups.size();
  return bf::kFixedBytes + groups * bf::kGroupEntryBytes +
         h.columns.size() * bf::kColumnEntryBytes + (c * groups + g) * bf::kChunkEntryBytes;
}

// The block with chunk (c, g) replaced by `raw` stored raw (codec kCodecRaw, stored bytes = raw
// bytes), and what the header says of it fixed: the chunk's entry (codec, sizes, stored hash),
// the block's size and the header checksum. The chunks after it move with it. The column's
// locator checksums are left alone: they are over the values, which a faithful rewrite keeps.
std::string WithChunkStoredRaw(const std::string& block, size_t c, uint32_t g,
                               std::string_view raw) {
  auto h = ParseBlockHeader(block);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  if (!h.ok()) return block;
  const BlockHeader::Chunk& e = h->columns[c].chunks[g];
  std::string out = block.substr(0, e.offset);
  out.append(raw);
  out.append(block, e.offset + e.stored_bytes);
  const size_t entry = ChunkEntryOffset(*h, c, g);
  EXPECT_EQ(bf::Load<uint64_t>(block.data() + entry + bf::kChunkStoredHash), e.stored_hash);
  out[entry + bf::kChunkCodec] = static_cast<char>(bf::kCodecRaw);
  bf::Store<uint32_t>(out.data() + entry + bf::kChunkStored, static_cast<uint32_t>(raw.size()));
  bf::Store<uint32_t>(out.data() + entry + bf::kChunkRaw, static_cast<uint32_t>(raw.size()));
  bf::Store<uint64_t>(out.data() + entry + bf::kChunkStoredHash,
                      Hash64(raw.data(), raw.size(), bf::kStoredSeed));
  bf::Store<uint32_t>(out.data() + bf::kTotalBytesOffset, static_cast<uint32_t>(out.size()));
  const size_t sum_at = h->header_bytes - bf::kChecksumBytes;
  bf::Store<uint64_t>(out.data() + sum_at, bf::HeaderChecksum(out.data(), sum_at));
  return out;
}

// The group's rows' previous rows with the same inside_ip, as the format defines them.
std::vector<int32_t> SameKeyRowsOf(const std::vector<NatRecord>& records, uint32_t g) {
  const uint32_t begin = g * kGroupRows;
  const uint32_t n = std::min<uint32_t>(kGroupRows, static_cast<uint32_t>(records.size()) - begin);
  std::vector<IpAddress> keys(n);
  for (uint32_t i = 0; i < n; ++i) keys[i] = records[begin + i].inside_ip;
  std::vector<int32_t> prev, table;
  PreviousRowsWithSameKey(keys.data(), n, &prev, &table);
  return prev;
}

// ---- CGNAT-shaped mappings. ----

// Mappings as a CGNAT gateway logs them: 700 subscribers behind 128 public addresses spread over
// a /16 (outside_ip a function of inside_ip), each handed consecutive ports of its own port
// block; a subscriber's mappings come in bursts of 2..12 (a page load: one remote peer,
// consecutive inside ports) interleaved with 11 other bursts; times in whole milliseconds, end_ts
// the ts plus whole milliseconds (1 in 10 still open). Every 16th subscriber has an IPv6 inside
// address (DS-Lite: its outside address stays IPv4) and reaches IPv6 peers, one has the unset
// address, and 1 burst in 12 logs no peer (unset remote_ip, port 0).
// distinct_keys: the same rows with every inside_ip different (no key repeats in a group).
std::vector<NatRecord> CgnatRecords(size_t n, bool distinct_keys = false, uint64_t seed = 7) {
  std::mt19937_64 rng(seed);
  constexpr uint32_t kSubscribers = 700;
  struct Subscriber {
    IpAddress inside, outside;
    uint16_t block = 0;  // first port of its 512-port block
    uint16_t next = 0;   // the next port of the block it hands out
    bool v6 = false;
  };
  std::vector<Subscriber> subs(kSubscribers);
  for (uint32_t s = 0; s < kSubscribers; ++s) {
    Subscriber& sub = subs[s];
    if (s == 5) {
      sub.inside = IpAddress();
    } else if (s % 16 == 3) {
      uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00};
      b[14] = static_cast<uint8_t>(s >> 8);
      b[15] = static_cast<uint8_t>(s);
      sub.inside = IpAddress::FromV6(b);
      sub.v6 = true;
    } else {
      sub.inside = IpAddress::FromV4HostOrder(0x64400000u + s * 3);  // 100.64.0.0/10
    }
    const uint32_t o = (s * 2654435761u >> 8) % 128;
    sub.outside = IpAddress::FromV4HostOrder(0xC6120000u + o * 509);  // 198.18.0.0/15
    sub.block = static_cast<uint16_t>(1024 + (s % 100) * 640);
    sub.next = static_cast<uint16_t>(rng() % 512);
  }
  std::vector<IpAddress> remotes;
  for (uint32_t k = 0; k < 300; ++k) {
    remotes.push_back(IpAddress::FromV4HostOrder(0x5DB80000u + k * 7919));  // 93.184.0.0/13
  }
  struct Burst {
    uint32_t sub = 0;
    int left = 0;
    IpAddress remote;
    uint16_t remote_port = 0;
    uint16_t inside_port = 0;
    bool udp = false;
  };
  auto new_burst = [&]() {
    Burst b;
    b.sub = static_cast<uint32_t>(rng() % kSubscribers);
    b.left = 2 + static_cast<int>(rng() % 11);
    b.udp = rng() % 5 == 0;
    if (rng() % 12 == 0) return b;  // a port block's log: no peer
    if (subs[b.sub].v6) {
      uint8_t a[16] = {0x26, 0x06, 0x28, 0x00, 0x02, 0x20};
      a[15] = static_cast<uint8_t>(rng() % 40);
      b.remote = IpAddress::FromV6(a);
    } else {
      const bool popular = rng() % 4 != 0;  // 3 in 4 bursts go to one of 20 peers
      const uint64_t pick = rng();
      b.remote = remotes[popular ? pick % 20 : pick % remotes.size()];
    }
    const uint64_t port = rng() % 10;
    b.remote_port = b.udp ? 53 : port < 7 ? 443 : port < 9 ? 80 : static_cast<uint16_t>(rng());
    b.inside_port = static_cast<uint16_t>(32768 + rng() % 28000);
    return b;
  };
  std::vector<Burst> active(12);
  for (Burst& b : active) b = new_burst();
  std::vector<NatRecord> out(n);
  TimestampUs ts = kStart;
  for (size_t i = 0; i < n; ++i) {
    Burst& b = active[rng() % active.size()];
    if (b.left == 0) b = new_burst();
    --b.left;
    Subscriber& sub = subs[b.sub];
    NatRecord& r = out[i];
    ts += static_cast<TimestampUs>(rng() % 40) * kMs;
    r.ts = ts;
    r.end_ts = rng() % 10 == 0 ? 0 : ts + static_cast<TimestampUs>(1 + rng() % 300'000) * kMs;
    r.proto = b.udp ? "udp" : "tcp";
    r.inside_ip = distinct_keys ? IpAddress::FromV4HostOrder(0x0a000000u + static_cast<uint32_t>(i))
                                : sub.inside;
    r.inside_port = b.inside_port;
    b.inside_port = static_cast<uint16_t>(b.inside_port + 1 + (rng() % 4 == 0));
    r.outside_ip = sub.outside;
    r.outside_port = static_cast<uint16_t>(sub.block + sub.next);
    sub.next = static_cast<uint16_t>((sub.next + 1) % 512);
    r.remote_ip = b.remote;
    r.remote_port = b.remote_port;
    r.source = "syslog";
  }
  return out;
}

constexpr size_t kCgnatRows = 2 * kGroupRows + 17;  // two whole row groups and a short one

// ---- PreviousRowsWithSameKey. ----

std::vector<int32_t> BruteForcePrevious(const std::vector<IpAddress>& keys) {
  std::vector<int32_t> out(keys.size(), -1);
  for (size_t i = 0; i < keys.size(); ++i) {
    for (size_t j = i; j-- > 0;) {
      if (std::memcmp(keys[j].bytes, keys[i].bytes, 16) == 0) {
        out[i] = static_cast<int32_t>(j);
        break;
      }
    }
  }
  return out;
}

// For random key sequences over a small pool (IPv4, IPv6 addresses that differ only in their
// high or only in their low 8 bytes, the unset address, an IPv4 address's unmapped IPv6 twin)
// and a large one (long probe chains), each row's previous row with the same key is the one a
// brute-force search finds; `prev` and `table` are reused across calls of every size.
TEST(KeyRelativeTest, PreviousRowsWithSameKeyMatchesBruteForce) {
  std::vector<IpAddress> small = {
      IpAddress(),
      IpAddress::FromV4HostOrder(0x0a000001),
      IpAddress::FromV4HostOrder(0x0a000002),
      IpAddress::FromV4HostOrder(0x64400001),
      *IpAddress::Parse("::10.0.0.1"),   // not the IPv4 address 10.0.0.1
      *IpAddress::Parse("2001:db8::1"),  // these three differ in one half only
      *IpAddress::Parse("2001:db9::1"),
      *IpAddress::Parse("2001:db8::2"),
  };
  std::vector<IpAddress> large = small;
  for (uint32_t k = 0; k < 3000; ++k) large.push_back(IpAddress::FromV4HostOrder(0x64400000 + k));
  std::mt19937_64 rng(3);
  std::vector<int32_t> prev = {5, 5, 5}, table;  // stale contents must not matter
  for (const auto* pool : {&small, &large}) {
    for (uint32_t n : {0u, 1u, 2u, 4096u, 5000u, 2u, 0u, 4096u}) {
      std::vector<IpAddress> keys(n);
      for (auto& k : keys) k = (*pool)[rng() % pool->size()];
      PreviousRowsWithSameKey(keys.data(), n, &prev, &table);
      ASSERT_EQ(prev, BruteForcePrevious(keys)) << "n " << n << " pool " << pool->size();
    }
  }
  // One key throughout: each row's previous is the row before it.
  std::vector<IpAddress> same(100, small[5]);
  PreviousRowsWithSameKey(same.data(), 100, &prev, &table);
  for (int32_t i = 0; i < 100; ++i) ASSERT_EQ(prev[static_cast<size_t>(i)], i - 1);
}

// ---- The CGNAT block. ----

// The whole block read on one reader, and every column loaded with its checksums verified and
// the search structures checked (CheckFilters): each row is its record.
TEST(KeyRelativeTest, CgnatBlockRoundTrips) {
  const auto records = CgnatRecords(kCgnatRows);
  const std::string block = BlockOf(records);
  auto reader = BlockReader::Open(block);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ((*reader)->header().groups.size(), 3u);
  for (uint32_t row = 0; row < records.size(); ++row) {
    std::string got;
    ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok()) << "row " << row;
    ASSERT_EQ(got, Line(records[row])) << "row " << row;
  }
  auto verified = BlockReader::Open(block);
  ASSERT_TRUE(verified.ok());
  for (size_t c = 0; c < ColumnCount(StreamId::kNat); ++c) {
    uint32_t bad_row = 0;
    Status s = (*verified)->LoadColumn(c, &bad_row);
    EXPECT_TRUE(s.ok()) << ColumnName(StreamId::kNat, c) << ": " << s.ToString();
  }
  EXPECT_TRUE((*verified)->CheckFilters().ok());
  for (uint32_t row = 0; row < records.size(); row += 7) {
    EXPECT_EQ((*verified)->IpAt(Col("outside_ip"), row), records[row].outside_ip) << row;
    EXPECT_EQ((*verified)->UintAt(Col("outside_port"), row), records[row].outside_port) << row;
    EXPECT_EQ((*verified)->IpAt(Col("remote_ip"), row), records[row].remote_ip) << row;
  }
}

// Every row alone on a fresh reader (RowTime, then the one-row path: a plain chunk read straight
// from its bytes, a key-relative one decoded with its group's key column) is its record, and so
// is a second row of the same group read on that reader.
TEST(KeyRelativeTest, CgnatEveryRowAloneOnFreshReaders) {
  const auto records = CgnatRecords(kCgnatRows);
  const std::string block = BlockOf(records);
  for (uint32_t row = 0; row < records.size(); ++row) {
    auto reader = BlockReader::Open(block);
    ASSERT_TRUE(reader.ok());
    TimestampUs ts = 0;
    ASSERT_TRUE((*reader)->RowTime(row, &ts).ok());
    ASSERT_EQ(ts, records[row].ts) << "row " << row;
    std::string got;
    ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok()) << "row " << row;
    ASSERT_EQ(got, Line(records[row])) << "row " << row;
    if (row % 5 == 0) {
      const uint32_t other = row ^ 1;
      if (other < records.size()) {
        got.clear();
        ASSERT_TRUE((*reader)->AppendJsonLine(other, &got).ok()) << "row " << other;
        ASSERT_EQ(got, Line(records[other])) << "row " << other;
      }
    }
  }
}

// Several rows of one group on one reader, in and out of order, in a whole group and in the
// short last one, with and without the ExpectRows hint: each row is its record.
TEST(KeyRelativeTest, CgnatSeveralRowsOfAGroupOnOneReader) {
  const auto records = CgnatRecords(kCgnatRows);
  const std::string block = BlockOf(records);
  const std::vector<std::vector<uint32_t>> orders = {
      {0, 1, 2, 3, 4, 5, 6, 7},
      {4095, 17, 4000, 3, 100, 2000, 4094},
      {5000, 4096, 8191, 6000, 4097, 4098},
      {8208, 8192, 8200, 8193, 8207, 8195},
  };
  for (size_t expect : {size_t{0}, size_t{3}, size_t{100}}) {
    for (const auto& order : orders) {
      auto reader = BlockReader::Open(block);
      ASSERT_TRUE(reader.ok());
      if (expect > 0) (*reader)->ExpectRows(order[0] >> bf::kGroupShift, expect);
      for (uint32_t row : order) {
        std::string got;
        ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok()) << "row " << row;
        ASSERT_EQ(got, Line(records[row])) << "row " << row << " expecting " << expect;
      }
    }
  }
}

// FilterEqual on the key-relative columns keeps the rows a compare of the records keeps: on
// fresh readers (a packed plain chunk searched in its packed form, others loaded), and once the
// columns are decoded; for values in the group, values of other groups and absent values.
TEST(KeyRelativeTest, CgnatFilterEqualAgreesWithDecodedValues) {
  const auto records = CgnatRecords(kCgnatRows);
  const std::string block = BlockOf(records);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  const size_t outside_ip = Col("outside_ip"), outside_port = Col("outside_port");
  const size_t inside_port = Col("inside_port"), remote_ip = Col("remote_ip");
  const size_t remote_port = Col("remote_port"), inside_ip = Col("inside_ip");
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 60; ++trial) {
    const uint32_t pick = static_cast<uint32_t>(rng() % records.size());
    const uint32_t g = trial % 2 ? header->GroupOf(pick) : static_cast<uint32_t>(trial / 2 % 3);
    std::vector<uint32_t> rows;
    for (uint32_t r = header->GroupBegin(g); r < header->GroupEnd(g); ++r) {
      if (trial % 3 == 0 || rng() % 4) rows.push_back(r);  // whole, or as a time range leaves
    }
    const NatRecord& target = records[pick];
    auto want = [&](auto same) {
      std::vector<uint32_t> out;
      for (uint32_t r : rows) {
        if (same(records[r])) out.push_back(r);
      }
      return out;
    };
    const auto oip = want([&](const NatRecord& r) { return r.outside_ip == target.outside_ip; });
    const auto oport =
        want([&](const NatRecord& r) { return r.outside_port == target.outside_port; });
    const auto iport =
        want([&](const NatRecord& r) { return r.inside_port == target.inside_port; });
    const auto rip = want([&](const NatRecord& r) { return r.remote_ip == target.remote_ip; });
    const auto rport =
        want([&](const NatRecord& r) { return r.remote_port == target.remote_port; });
    const auto iip = want([&](const NatRecord& r) { return r.inside_ip == target.inside_ip; });
    auto reader = BlockReader::Open(block);
    ASSERT_TRUE(reader.ok());
    auto check = [&](size_t c, const auto& value, const std::vector<uint32_t>& expected) {
      std::vector<uint32_t> got = rows;
      Status s = (*reader)->FilterEqual(c, g, value, &got);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(got, expected) << "trial " << trial << " group " << g << " column "
                               << ColumnName(StreamId::kNat, c);
    };
    for (int pass = 0; pass < 2; ++pass) {  // fresh, then decoded
      check(outside_ip, target.outside_ip, oip);
      check(outside_port, uint64_t{target.outside_port}, oport);
      check(inside_port, uint64_t{target.inside_port}, iport);
      check(remote_ip, target.remote_ip, rip);
      check(remote_port, uint64_t{target.remote_port}, rport);
      check(inside_ip, target.inside_ip, iip);
      for (size_t c : {outside_ip, outside_port, inside_port, remote_ip, remote_port}) {
        ASSERT_TRUE((*reader)->LoadColumn(c).ok());
      }
    }
    // Absent values keep no row.
    std::vector<uint32_t> got = rows;
    ASSERT_TRUE((*reader)->FilterEqual(outside_ip, g, *IpAddress::Parse("11.0.0.1"), &got).ok());
    EXPECT_TRUE(got.empty());
    got = rows;
    ASSERT_TRUE((*reader)->FilterEqual(remote_ip, g, *IpAddress::Parse("2001:db8::99"), &got).ok());
    EXPECT_TRUE(got.empty());
    got = rows;
    ASSERT_TRUE((*reader)->FilterEqual(outside_port, g, uint64_t{70000}, &got).ok());
    EXPECT_TRUE(got.empty());
  }
}

// The CGNAT shape is what the key-relative form is for: every chunk of a key-relative column
// (the key inside_ip itself, coded by row distances, too) starts with a mode byte 0 or 1;
// inside_ip, outside_ip and outside_port have chunks in the kKeyRelative form (never packed);
// and the columns coded from the key take less room than in the same rows with every inside_ip
// distinct, where no row has an earlier row of its key and every chunk is plain.
TEST(KeyRelativeTest, CgnatRelativeChunksAreStoredAndPay) {
  const auto records = CgnatRecords(kCgnatRows);
  const std::string block = BlockOf(records);
  const std::string distinct = BlockOf(CgnatRecords(kCgnatRows, true));
  auto h = ParseBlockHeader(block);
  auto hd = ParseBlockHeader(distinct);
  ASSERT_TRUE(h.ok() && hd.ok());
  const std::vector<std::string_view> relative = {"inside_ip",    "inside_port", "outside_ip",
                                                  "outside_port", "remote_ip",   "remote_port"};
  size_t bytes = 0, distinct_bytes = 0;
  for (std::string_view name : relative) {
    SCOPED_TRACE(std::string(name));
    const size_t c = Col(name);
    int relative_chunks = 0;
    for (uint32_t g = 0; g < h->groups.size(); ++g) {
      const std::string raw = ChunkRaw(block, *h, c, g);
      ASSERT_FALSE(raw.empty());
      const auto mode = static_cast<uint8_t>(raw[0]);
      EXPECT_TRUE(mode == bf::kKeyPlain || mode == bf::kKeyRelative) << int{mode};
      if (mode == bf::kKeyRelative) {
        EXPECT_NE(h->columns[c].chunks[g].codec, bf::kCodecPacked) << g;
        ++relative_chunks;
      }
      const std::string plain = ChunkRaw(distinct, *hd, c, g);
      ASSERT_FALSE(plain.empty());
      EXPECT_EQ(static_cast<uint8_t>(plain[0]), bf::kKeyPlain) << g;
    }
    if (name == "inside_ip" || name == "outside_ip" || name == "outside_port") {
      EXPECT_GT(relative_chunks, 0);
    }
    if (name != "inside_ip") {  // whose values differ between the two
      bytes += h->columns[c].stored_bytes;
      distinct_bytes += hd->columns[c].stored_bytes;
    }
    std::printf("  %-13s %6u bytes, %6u with distinct keys (%d relative chunks)\n",
                std::string(name).c_str(), h->columns[c].stored_bytes, hd->columns[c].stored_bytes,
                relative_chunks);
  }
  EXPECT_LT(bytes * 10, distinct_bytes * 8) << bytes << " vs " << distinct_bytes;
  EXPECT_LT(block.size(), distinct.size());
  std::printf("  block %zu bytes, %zu with distinct keys\n", block.size(), distinct.size());
}

// Differences as large as a u16 column's can make: per key, inside_ip's rows take 0 and 16383
// in turn in inside_port (zigzag codes of 3 bytes where the values take 1 and 2: the
// key-relative form is twice the plain one, and the writer builds it before it drops it),
// 0 and 65535 in outside_port, the reverse of inside_port in remote_port; addresses that change
// between a key's rows, unset ones and IPv6 ones. 13 rows in 16 have the unset inside_ip, the
// others one of two IPv4 addresses, so the first key-relative chunks a fresh builder builds are
// small (what it has made room for). At two zstd levels, the block round-trips and verifies
// whichever forms the writer kept.
TEST(KeyRelativeTest, ExtremeDifferencesRoundTrip) {
  std::vector<NatRecord> records(kGroupRows + 300);
  const IpAddress v6 = *IpAddress::Parse("2001:db8::7");
  uint32_t seen[3] = {};
  for (uint32_t i = 0; i < records.size(); ++i) {
    NatRecord& r = records[i];
    r.ts = kStart + i * kMs;
    const uint32_t key = i % 16 < 13 ? 0 : 1 + i % 2;
    r.inside_ip = key == 0 ? IpAddress() : IpAddress::FromV4HostOrder(0x0a000000u + key);
    const bool odd = seen[key]++ % 2;
    r.inside_port = odd ? 16383 : 0;
    r.outside_port = odd ? 65535 : 0;
    r.remote_port = odd ? 0 : 16383;
    r.outside_ip = odd ? IpAddress() : key == 1 ? v6 : IpAddress::FromV4HostOrder(0xffffffffu);
    r.remote_ip = (i / 7) % 2 ? v6 : IpAddress::FromV4HostOrder(i);
    r.source = "x";
  }
  for (int level : {1, 3}) {
    const std::string block = BlockOf(records, level);
    auto reader = BlockReader::Open(block);
    ASSERT_TRUE(reader.ok());
    for (size_t c = 0; c < ColumnCount(StreamId::kNat); ++c) {
      Status s = (*reader)->LoadColumn(c);
      ASSERT_TRUE(s.ok()) << ColumnName(StreamId::kNat, c) << ": " << s.ToString();
    }
    for (uint32_t row = 0; row < records.size(); ++row) {
      std::string got;
      ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok());
      ASSERT_EQ(got, Line(records[row])) << "row " << row;
    }
    for (uint32_t row = 0; row < records.size(); row += 97) {
      auto alone = BlockReader::Open(block);
      ASSERT_TRUE(alone.ok());
      std::string got;
      ASSERT_TRUE((*alone)->AppendJsonLine(row, &got).ok());
      ASSERT_EQ(got, Line(records[row])) << "row " << row;
    }
  }
}

// ---- Damage to key-relative chunks. ----

// The first key-relative chunk of column c in the block (-1 if none).
int FirstRelativeGroup(const std::string& block, const BlockHeader& h, size_t c) {
  for (uint32_t g = 0; g < h.groups.size(); ++g) {
    if (h.columns[c].chunks[g].codec == bf::kCodecPacked) continue;
    if (static_cast<uint8_t>(ChunkRaw(block, h, c, g)[0]) == bf::kKeyRelative) {
      return static_cast<int>(g);
    }
  }
  return -1;
}

// What every reader call on a damaged block may say: OK, or Corruption (never another code, an
// out-of-range read or a crash). Returns whether all were OK.
bool ReadEverything(const std::string& block, size_t c, uint32_t g,
                    const std::vector<NatRecord>& records, bool* column_ok) {
  auto reader = BlockReader::Open(block);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return false;
  bool ok = true;
  auto allowed = [&](const Status& s) {
    EXPECT_TRUE(s.ok() || s.code() == Status::Code::kCorruption) << s.ToString();
    ok = ok && s.ok();
  };
  const uint32_t begin = g * kGroupRows;
  std::string line;
  allowed((*reader)->AppendJsonLine(begin + 1, &line));  // one row, on a fresh reader
  std::vector<uint32_t> rows;
  for (uint32_t r = begin; r < begin + 50; ++r) rows.push_back(r);
  if (ColumnTypeOf(StreamId::kNat, c) == ColumnType::kIp) {
    allowed((*reader)->FilterEqual(c, g, records[begin].outside_ip, &rows));
  } else {
    allowed((*reader)->FilterEqual(c, g, uint64_t{records[begin].outside_port}, &rows));
  }
  allowed((*reader)->LoadGroup(c, g));
  auto verified = BlockReader::Open(block);
  Status s = (*verified)->LoadColumn(c);
  allowed(s);
  *column_ok = s.ok();
  return ok;
}

// A key-relative outside_ip chunk with each of its bytes changed in turn:
// - as stored (compressed), nothing fixed: the stored hash no longer matches, every read is
//   Corruption;
// - stored raw with its stored hash and the header checksum fixed, so that the damage reaches
//   the decoder: every call is OK or Corruption, and a verified load (LoadColumn) is Corruption
//   or, were the values unchanged, OK with every row its record.
TEST(KeyRelativeTest, EveryChangedByteOfARelativeChunkIsCorruptionOrHarmless) {
  const auto records = CgnatRecords(kCgnatRows);
  const std::string block = BlockOf(records);
  auto h = ParseBlockHeader(block);
  ASSERT_TRUE(h.ok());
  const size_t c = Col("outside_ip");
  const int found = FirstRelativeGroup(block, *h, c);
  ASSERT_GE(found, 0);
  const auto g = static_cast<uint32_t>(found);
  const BlockHeader::Chunk& e = h->columns[c].chunks[g];
  for (uint32_t i = 0; i < e.stored_bytes; ++i) {
    std::string damaged = block;
    damaged[e.offset + i] ^= static_cast<char>(i % 3 == 0 ? 0x01 : i % 3 == 1 ? 0x80 : 0xff);
    auto reader = BlockReader::Open(damaged);
    ASSERT_TRUE(reader.ok());
    std::string line;
    EXPECT_EQ((*reader)->AppendJsonLine(g * kGroupRows + 3, &line).code(),
              Status::Code::kCorruption)
        << i;
    EXPECT_EQ((*reader)->LoadGroup(c, g).code(), Status::Code::kCorruption) << i;
  }
  // The chunk stored raw reads as before.
  const std::string raw = ChunkRaw(block, *h, c, g);
  const std::string rewritten = WithChunkStoredRaw(block, c, g, raw);
  bool column_ok = false;
  ASSERT_TRUE(ReadEverything(rewritten, c, g, records, &column_ok));
  int corrupt = 0;
  for (uint32_t i = 0; i < raw.size(); ++i) {
    std::string changed = raw;
    changed[i] ^= static_cast<char>(i % 3 == 0 ? 0x01 : i % 3 == 1 ? 0x80 : 0xff);
    const std::string damaged = WithChunkStoredRaw(block, c, g, changed);
    ReadEverything(damaged, c, g, records, &column_ok);
    if (!column_ok) {
      ++corrupt;
      continue;
    }
    auto reader = BlockReader::Open(damaged);
    ASSERT_TRUE(reader.ok() && (*reader)->LoadColumn(c).ok());
    for (uint32_t r = 0; r < records.size(); ++r) {
      ASSERT_EQ((*reader)->IpAt(c, r), records[r].outside_ip) << "byte " << i << " row " << r;
    }
  }
  EXPECT_EQ(corrupt, static_cast<int>(raw.size()));  // each change is seen, in practice
}

// Key-relative chunks crafted wrong, stored raw under a fixed stored hash and header checksum:
// each is Corruption that says what is wrong, from a group load, a one-row read, a search and a
// verified column load alike.
TEST(KeyRelativeTest, CraftedRelativeChunksAreCorruption) {
  const auto records = CgnatRecords(kCgnatRows);
  const std::string block = BlockOf(records);
  auto h = ParseBlockHeader(block);
  ASSERT_TRUE(h.ok());
  const size_t oip = Col("outside_ip"), oport = Col("outside_port"), key = Col("inside_ip");
  const int gi = FirstRelativeGroup(block, *h, oip);
  const int gp = FirstRelativeGroup(block, *h, oport);
  const int gk = FirstRelativeGroup(block, *h, key);
  ASSERT_GE(gi, 0);
  ASSERT_GE(gp, 0);
  ASSERT_GE(gk, 0);
  auto expect_corruption = [&](const std::string& damaged, size_t c, uint32_t g,
                               std::string_view what) {
    SCOPED_TRACE(std::string(what));
    auto reader = BlockReader::Open(damaged);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    Status s = (*reader)->LoadGroup(c, g);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    EXPECT_NE(s.ToString().find(what), std::string::npos) << s.ToString();
    auto one = BlockReader::Open(damaged);
    std::string line;
    s = (*one)->AppendJsonLine(g * kGroupRows + 2, &line);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    auto search = BlockReader::Open(damaged);
    std::vector<uint32_t> rows = {g * kGroupRows, g * kGroupRows + 1};
    s = ColumnTypeOf(StreamId::kNat, c) == ColumnType::kIp
            ? (*search)->FilterEqual(c, g, IpAddress(), &rows)
            : (*search)->FilterEqual(c, g, uint64_t{1}, &rows);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    auto whole = BlockReader::Open(damaged);
    s = (*whole)->LoadColumn(c);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    // The other columns are unharmed (those coded from the key, but in this group, too: on a
    // fresh reader, as the failed LoadColumn of the key stopped at the damaged group).
    EXPECT_TRUE((*whole)->LoadColumn(Col("proto")).ok());
    if (c != key) {
      EXPECT_TRUE((*whole)->LoadColumn(key).ok());
    } else {
      auto fresh = BlockReader::Open(damaged);
      s = (*fresh)->LoadGroup(oport, g == 0 ? 1 : 0);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  };
  for (size_t c : {oip, oport, key}) {
    const auto g = static_cast<uint32_t>(c == oip ? gi : c == oport ? gp : gk);
    const std::string raw = ChunkRaw(block, *h, c, g);
    // A mode byte other than kKeyPlain and kKeyRelative.
    std::string bad = raw;
    bad[0] = 9;
    expect_corruption(WithChunkStoredRaw(block, c, g, bad), c, g, "unknown mode 9");
    // Cut short by a byte; a byte too many.
    expect_corruption(WithChunkStoredRaw(block, c, g, raw.substr(0, raw.size() - 1)), c, g,
                      "truncated");
    expect_corruption(WithChunkStoredRaw(block, c, g, raw + '\0'), c, g, "bytes left");
  }
  // outside_ip: the group's first row (no earlier row of its key) coded as kIpAsPrevious.
  {
    const auto g = static_cast<uint32_t>(gi);
    const std::string raw = ChunkRaw(block, *h, oip, g);
    const auto family = static_cast<uint8_t>(raw[1]);
    const size_t len = family == 4 ? 5 : family == 6 ? 17 : 1;
    std::string bad = raw.substr(0, 1) + static_cast<char>(bf::kIpAsPrevious) + raw.substr(1 + len);
    expect_corruption(WithChunkStoredRaw(block, oip, g, bad), oip, g,
                      "row " + std::to_string(g * kGroupRows) + ": refers to");
    // An unknown family byte.
    bad = raw;
    bad[1] = 5;
    expect_corruption(WithChunkStoredRaw(block, oip, g, bad), oip, g, "bad address family 5");
  }
  // inside_ip (coded by row distances): the group's first row as the row 1 before it; the first
  // row coded by a distance, coded by the distance 0; a non-key column's "same-key row back"
  // byte, which the key column does not have.
  {
    const auto g = static_cast<uint32_t>(gk);
    const std::string raw = ChunkRaw(block, *h, key, g);
    auto length = [&](size_t at) {  // of the row encoded at raw[at]
      const auto family = static_cast<uint8_t>(raw[at]);
      if (family != bf::kIpAsRowBefore) return family == 4 ? size_t{5} : family == 6 ? 17 : 1;
      size_t n = 2;
      while (static_cast<uint8_t>(raw[at + n - 1]) & 0x80) ++n;
      return n;
    };
    const std::string row_before = {static_cast<char>(bf::kIpAsRowBefore), 1};
    std::string bad = raw.substr(0, 1) + row_before + raw.substr(1 + length(1));
    expect_corruption(WithChunkStoredRaw(block, key, g, bad), key, g,
                      "row " + std::to_string(g * kGroupRows) + ": refers to 1 rows before it");
    size_t at = 1;
    uint32_t row = 0;
    while (at < raw.size() && static_cast<uint8_t>(raw[at]) != bf::kIpAsRowBefore) {
      at += length(at);
      ++row;
    }
    ASSERT_LT(at, raw.size());
    bad = raw.substr(0, at) + std::string{static_cast<char>(bf::kIpAsRowBefore), 0} +
          raw.substr(at + length(at));
    expect_corruption(WithChunkStoredRaw(block, key, g, bad), key, g,
                      "row " + std::to_string(g * kGroupRows + row) + ": refers to 0 rows");
    bad = raw;
    bad[1] = static_cast<char>(bf::kIpAsPrevious);
    expect_corruption(WithChunkStoredRaw(block, key, g, bad), key, g,
                      "bad address family " + std::to_string(bf::kIpAsPrevious));
  }
  // outside_port: the first row coded from an earlier row, with a difference that leaves the
  // u16 range.
  {
    const auto g = static_cast<uint32_t>(gp);
    const std::string raw = ChunkRaw(block, *h, oport, g);
    const std::vector<int32_t> prev = SameKeyRowsOf(records, g);
    const auto* p = reinterpret_cast<const uint8_t*>(raw.data()) + 1;
    const auto* end = reinterpret_cast<const uint8_t*>(raw.data()) + raw.size();
    uint32_t i = 0;
    for (; i < prev.size() && prev[i] < 0; ++i) {
      uint64_t v;
      ASSERT_TRUE(GetVarint64(&p, end, &v));
    }
    ASSERT_LT(i, prev.size());
    const auto at = static_cast<size_t>(p - reinterpret_cast<const uint8_t*>(raw.data()));
    uint64_t code;
    ASSERT_TRUE(GetVarint64(&p, end, &code));
    const auto after = static_cast<size_t>(p - reinterpret_cast<const uint8_t*>(raw.data()));
    uint8_t big[kMaxVarint64];
    const size_t n = static_cast<size_t>(PutVarint64(big, ZigZag(70000)) - big);
    const std::string bad =
        raw.substr(0, at) + std::string(reinterpret_cast<char*>(big), n) + raw.substr(after);
    expect_corruption(WithChunkStoredRaw(block, oport, g, bad), oport, g, "out of range");
  }
  // The key column does not decode: the columns coded from it are Corruption too.
  {
    const size_t key = Col("inside_ip");
    const auto g = static_cast<uint32_t>(gi);
    std::string damaged = block;
    const BlockHeader::Chunk& e = h->columns[key].chunks[g];
    damaged[e.offset + e.stored_bytes / 2] ^= 0x10;
    auto reader = BlockReader::Open(damaged);
    ASSERT_TRUE(reader.ok());
    Status s = (*reader)->LoadGroup(oip, g);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    EXPECT_NE(s.ToString().find("inside_ip"), std::string::npos) << s.ToString();
    std::string line;
    auto one = BlockReader::Open(damaged);
    EXPECT_EQ((*one)->AppendJsonLine(g * kGroupRows + 9, &line).code(), Status::Code::kCorruption);
  }
}

// A key chunk (inside_ip) that fails its stored hash: the columns coded from it are not read
// from its damaged rows. The chunk is stored raw (as the writer stores a chunk zstd cannot
// shrink) and each of its bytes changed in turn, the stored hash left as it was: a group load,
// a search and a one-row read of outside_ip are each Corruption.
TEST(KeyRelativeTest, ColumnsCodedFromADamagedKeyChunkAreCorruption) {
  const auto records = CgnatRecords(kCgnatRows);
  const std::string block = BlockOf(records);
  auto h = ParseBlockHeader(block);
  ASSERT_TRUE(h.ok());
  const size_t key = Col("inside_ip"), oip = Col("outside_ip");
  const int found = FirstRelativeGroup(block, *h, oip);
  ASSERT_GE(found, 0);
  const auto g = static_cast<uint32_t>(found);
  const std::string raw = ChunkRaw(block, *h, key, g);
  const std::string rewritten = WithChunkStoredRaw(block, key, g, raw);
  auto hr = ParseBlockHeader(rewritten);
  ASSERT_TRUE(hr.ok());
  const BlockHeader::Chunk& e = hr->columns[key].chunks[g];
  int read_ok = 0, read_wrong = 0;  // of them, with a row's value not its record's
  uint32_t first_ok = UINT32_MAX;
  for (uint32_t i = 0; i < e.stored_bytes; ++i) {
    std::string damaged = rewritten;
    damaged[e.offset + i] ^= 0x01;
    auto reader = BlockReader::Open(damaged);
    ASSERT_TRUE(reader.ok());
    Status s = (*reader)->LoadGroup(oip, g);
    if (s.ok()) {
      ++read_ok;
      first_ok = std::min(first_ok, i);
      for (uint32_t r = h->GroupBegin(g); r < h->GroupEnd(g); ++r) {
        if (!((*reader)->IpAt(oip, r) == records[r].outside_ip)) {
          ++read_wrong;
          break;
        }
      }
      continue;
    }
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    auto search = BlockReader::Open(damaged);
    std::vector<uint32_t> rows = {g * kGroupRows + 5};
    s = (*search)->FilterEqual(oip, g, records[g * kGroupRows + 5].outside_ip, &rows);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << "byte " << i << ": " << s.ToString();
  }
  EXPECT_EQ(read_ok, 0) << read_ok << " of " << e.stored_bytes
                        << " changed bytes of the key chunk left outside_ip readable ("
                        << read_wrong << " with wrong values), the first at " << first_ok;
}

// A packed chunk of a key-relative column is in the plain form: a packed chunk whose mode byte
// says kKeyRelative is Corruption, for a decode and for a search of its packed bits alike.
TEST(KeyRelativeTest, PackedChunkInTheRelativeFormIsCorruption) {
  const auto records = CgnatRecords(kCgnatRows, true);  // no key repeats: plain chunks
  const std::string block = BlockOf(records);
  auto h = ParseBlockHeader(block);
  ASSERT_TRUE(h.ok());
  int tested = 0;
  for (std::string_view name : {"inside_port", "outside_ip", "outside_port", "remote_port"}) {
    const size_t c = Col(name);
    for (uint32_t g = 0; g < h->groups.size(); ++g) {
      if (h->columns[c].chunks[g].codec != bf::kCodecPacked) continue;
      SCOPED_TRACE(std::string(name) + " group " + std::to_string(g));
      std::string damaged = block;
      const BlockHeader::Chunk& e = h->columns[c].chunks[g];
      ASSERT_EQ(static_cast<uint8_t>(damaged[e.offset]), bf::kKeyPlain);
      damaged[e.offset] = static_cast<char>(bf::kKeyRelative);
      const size_t entry = ChunkEntryOffset(*h, c, g);
      bf::Store<uint64_t>(damaged.data() + entry + bf::kChunkStoredHash,
                          Hash64(damaged.data() + e.offset, e.stored_bytes, bf::kStoredSeed));
      const size_t sum_at = h->header_bytes - bf::kChecksumBytes;
      bf::Store<uint64_t>(damaged.data() + sum_at, bf::HeaderChecksum(damaged.data(), sum_at));
      auto reader = BlockReader::Open(damaged);
      ASSERT_TRUE(reader.ok()) << reader.status().ToString();
      std::vector<uint32_t> rows = {g * kGroupRows};
      Status s = ColumnTypeOf(StreamId::kNat, c) == ColumnType::kIp
                     ? (*reader)->FilterEqual(c, g, records[g * kGroupRows].outside_ip, &rows)
                     : (*reader)->FilterEqual(c, g, uint64_t{1}, &rows);
      EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
      EXPECT_NE(s.ToString().find("cannot be packed"), std::string::npos) << s.ToString();
      auto other = BlockReader::Open(damaged);
      s = (*other)->LoadGroup(c, g);
      EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
      EXPECT_NE(s.ToString().find("cannot be packed"), std::string::npos) << s.ToString();
      auto one = BlockReader::Open(damaged);
      std::string line;
      EXPECT_EQ((*one)->AppendJsonLine(g * kGroupRows + 1, &line).code(),
                Status::Code::kCorruption);
      ++tested;
    }
  }
  EXPECT_GT(tested, 0);
}

// ---- Time chunks with their unit. ----

// The mode byte (end_ts; 0 for ts) and the varint unit of Time chunk (c, g) stored zstd or raw;
// unit 0 for a packed chunk, which has none.
std::pair<uint8_t, uint64_t> TimeUnitOf(const std::string& block, const BlockHeader& h, size_t c,
                                        uint32_t g) {
  if (h.columns[c].chunks[g].codec == bf::kCodecPacked) return {0, 0};
  const std::string raw = ChunkRaw(block, h, c, g);
  const auto* p = reinterpret_cast<const uint8_t*>(raw.data()) + (c > 0 ? 1 : 0);
  uint64_t unit = 0;
  EXPECT_TRUE(GetVarint64(&p, reinterpret_cast<const uint8_t*>(raw.data()) + raw.size(), &unit));
  return {c > 0 ? static_cast<uint8_t>(raw[0]) : uint8_t{0}, unit};
}

// The unit the format defines for Time column c (0 ts, 1 end_ts) of group g: the greatest common
// divisor of the differences its rows are coded as (ts: to the row before, the first to 0;
// end_ts: to the row's ts, or with kTimeFromPrevious as ts), 1 when all are 0.
uint64_t ExpectedUnit(const std::vector<NatRecord>& records, uint32_t g, size_t c, uint8_t mode) {
  uint64_t unit = 0, prev = 0;
  for (uint32_t r = g * kGroupRows; r < std::min<size_t>(records.size(), (g + 1) * kGroupRows);
       ++r) {
    const auto v = static_cast<uint64_t>(c == 0 ? records[r].ts : records[r].end_ts);
    const uint64_t base =
        c > 0 && mode == bf::kTimeFromTs ? static_cast<uint64_t>(records[r].ts) : prev;
    const auto d = static_cast<int64_t>(v - base);
    unit =
        std::gcd(unit, d < 0 ? uint64_t{0} - static_cast<uint64_t>(d) : static_cast<uint64_t>(d));
    prev = v;
  }
  return unit == 0 ? 1 : unit;
}

// Mappings whose ts step by a few irregular amounts in `unit` (1 to 3 units, ~4 minutes, an hour
// and a bit, and now and then back by 17 units), and whose end_ts is open (0) or the ts plus one
// of a few durations in `unit`: a wide range of differences (a packed chunk needs over 20 bits
// a row) from few distinct values (zstd stores a row in a byte or two), so the Time chunks are
// stored zstd, with their unit.
std::vector<NatRecord> TimeRecords(size_t n, TimestampUs unit, uint64_t seed) {
  std::mt19937_64 rng(seed);
  constexpr TimestampUs kSteps[] = {1, 2, 3, 250'000, 3'600'001};
  constexpr TimestampUs kDurations[] = {1, 30'000, 120'017, 900'000};
  std::vector<NatRecord> records(n);
  TimestampUs ts = kStart;
  for (size_t i = 0; i < n; ++i) {
    NatRecord& r = records[i];
    ts += (rng() % 13 == 0 ? -17 : kSteps[rng() % 5]) * unit;
    r.ts = ts;
    r.end_ts = rng() % 9 == 0 ? 0 : ts + kDurations[rng() % 4] * unit;
    r.inside_ip = IpAddress::FromV4HostOrder(0x64400000u + static_cast<uint32_t>(i % 300));
    r.outside_port = static_cast<uint16_t>(i);
  }
  return records;
}

// ts and end_ts (TimeRecords) in whole milliseconds, in whole seconds, and in whole
// milliseconds but for one row's ts, 1 us off: each
// block round-trips, RowTime of each row alone equals its ts, and the unit stored with each
// unpacked Time chunk is the greatest common divisor of the differences its rows are coded as
// (1000 for whole milliseconds, 1000000 for whole seconds, 1 where one row is 1 us off).
TEST(KeyRelativeTest, TimeUnitRoundTrips) {
  struct Case {
    const char* name;
    TimestampUs unit;
    bool odd_row;  // one row 1 us off
  };
  int with_unit = 0;
  for (const Case& k :
       {Case{"ms", kMs, false}, Case{"s", kSecond, false}, Case{"ms but one row", kMs, true}}) {
    SCOPED_TRACE(k.name);
    std::vector<NatRecord> records = TimeRecords(2 * kGroupRows + 500, k.unit, 17);
    if (k.odd_row) records[kGroupRows + 100].ts += 1;  // in the second group
    const std::string block = BlockOf(records);
    auto reader = BlockReader::Open(block);
    ASSERT_TRUE(reader.ok());
    ASSERT_TRUE((*reader)->LoadColumn(0).ok());
    ASSERT_TRUE((*reader)->LoadColumn(1).ok());
    for (uint32_t row = 0; row < records.size(); ++row) {
      ASSERT_EQ((*reader)->TimeAt(0, row), records[row].ts) << row;
      ASSERT_EQ((*reader)->TimeAt(1, row), records[row].end_ts) << row;
    }
    for (uint32_t row = 0; row < records.size(); row += 13) {
      auto alone = BlockReader::Open(block);
      ASSERT_TRUE(alone.ok());
      TimestampUs got = 0;
      ASSERT_TRUE((*alone)->RowTime(row, &got).ok()) << row;
      EXPECT_EQ(got, records[row].ts) << row;
      std::string line;
      auto fresh = BlockReader::Open(block);
      ASSERT_TRUE((*fresh)->AppendJsonLine(row, &line).ok());
      ASSERT_EQ(line, Line(records[row])) << row;
    }
    const BlockHeader& h = (*reader)->header();
    for (size_t c : {size_t{0}, size_t{1}}) {
      for (uint32_t g = 0; g < h.groups.size(); ++g) {
        const auto [mode, unit] = TimeUnitOf(block, h, c, g);
        if (unit == 0) continue;  // packed
        ++with_unit;
        EXPECT_EQ(unit, ExpectedUnit(records, g, c, mode))
            << ColumnName(StreamId::kNat, c) << " group " << g << " mode " << int{mode};
        if (!k.odd_row) {
          EXPECT_EQ(unit % static_cast<uint64_t>(k.unit), 0u) << ColumnName(StreamId::kNat, c);
        } else if (c == 0) {
          EXPECT_EQ(unit, g == 1 ? 1u : static_cast<uint64_t>(kMs)) << "group " << g;
        }
        std::printf("  %s %s group %u: unit %llu\n", k.name,
                    std::string(ColumnName(StreamId::kNat, c)).c_str(), g,
                    static_cast<unsigned long long>(unit));
      }
    }
  }
  EXPECT_GE(with_unit, 12);  // the shape stores its ts and end_ts chunks with a unit
}

// A Time chunk whose unit is 0 is Corruption ("bad time unit"), for ts and end_ts, from a group
// load, RowTime and a one-row read.
TEST(KeyRelativeTest, TimeUnitZeroIsCorruption) {
  const std::vector<NatRecord> records = TimeRecords(600, kMs, 4);
  const std::string block = BlockOf(records);
  auto h = ParseBlockHeader(block);
  ASSERT_TRUE(h.ok());
  int tested = 0;
  for (size_t c : {size_t{0}, size_t{1}}) {
    ASSERT_NE(h->columns[c].chunks[0].codec, bf::kCodecPacked);
    SCOPED_TRACE(std::string(ColumnName(StreamId::kNat, c)));
    const std::string raw = ChunkRaw(block, *h, c, 0);
    const size_t skip = c > 0 ? 1 : 0;
    const auto* p = reinterpret_cast<const uint8_t*>(raw.data()) + skip;
    uint64_t unit;
    ASSERT_TRUE(GetVarint64(&p, reinterpret_cast<const uint8_t*>(raw.data()) + raw.size(), &unit));
    EXPECT_EQ(unit, static_cast<uint64_t>(kMs));
    const auto after = static_cast<size_t>(p - reinterpret_cast<const uint8_t*>(raw.data()));
    const std::string bad = raw.substr(0, skip) + '\0' + raw.substr(after);
    const std::string damaged = WithChunkStoredRaw(block, c, 0, bad);
    auto reader = BlockReader::Open(damaged);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    Status s = (*reader)->LoadGroup(c, 0);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    EXPECT_NE(s.ToString().find("bad time unit"), std::string::npos) << s.ToString();
    auto one = BlockReader::Open(damaged);
    std::string line;
    s = (*one)->AppendJsonLine(5, &line);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    if (c == 0) {
      auto rt = BlockReader::Open(damaged);
      TimestampUs ts = 0;
      s = (*rt)->RowTime(5, &ts);
      EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
      EXPECT_NE(s.ToString().find("bad time unit"), std::string::npos) << s.ToString();
    }
    ++tested;
  }
  EXPECT_GT(tested, 0);
}

// ---- The nat pair filter over port buckets. ----

// The CGNAT block's (outside_ip, outside_port) filters: made with bucket shift 4, sized by each
// group's distinct (address, port >> 4) keys at kPairBitsPerKey bits; every row's pair is found
// in its group, and so is every port of the row's 16-port bucket (documented: the filter cannot
// tell them apart); of 1000 absent addresses' pairs, under 1 % of group probes are claimed; a
// probe made with another shift proves nothing (every group may contain it).
TEST(KeyRelativeTest, PairFilterOverPortBuckets) {
  const auto records = CgnatRecords(kCgnatRows);
  const std::string block = BlockOf(records);
  auto h = ParseBlockHeader(block);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->pair_filters.size(), 1u);
  const BlockHeader::PairFilter& f = h->pair_filters[0];
  const size_t oip = Col("outside_ip"), oport = Col("outside_port");
  EXPECT_EQ(f.column_a, oip);
  EXPECT_EQ(f.column_b, oport);
  EXPECT_EQ(f.b_shift, 4);
  const uint32_t groups = static_cast<uint32_t>(h->groups.size());
  for (uint32_t g = 0; g < groups; ++g) {
    std::set<uint64_t> keys;
    for (uint32_t r = h->GroupBegin(g); r < h->GroupEnd(g); ++r) {
      keys.insert(bf::PairKey(bf::IpHash(records[r].outside_ip),
                              HashWord(records[r].outside_port >> 4), oip, oport));
    }
    const uint64_t blocks = (keys.size() * bf::kPairBitsPerKey + 511) / 512;
    EXPECT_EQ(f.nbits[g], blocks * 512) << "group " << g << ": " << keys.size() << " keys";
    if (h->GroupEnd(g) - h->GroupBegin(g) == kGroupRows) {  // ports share buckets
      EXPECT_LT(keys.size() * 3, kGroupRows) << "group " << g;
    }
  }
  for (uint32_t row = 0; row < records.size(); ++row) {
    const std::string ip = records[row].outside_ip.ToString();
    const uint16_t port = records[row].outside_port;
    PairProbe p =
        MakePairProbe(StreamId::kNat, "outside_ip", ip, "outside_port", std::to_string(port));
    ASSERT_EQ(p.column_a, static_cast<int>(oip));
    ASSERT_EQ(p.b_shift, 4);
    ASSERT_TRUE(h->GroupMayContain(p, h->GroupOf(row))) << row;
    if (row % 50 == 0) {
      for (uint32_t k = 0; k < 16; ++k) {  // every port of its bucket, in either field order
        const uint32_t other = (port & ~15u) | k;
        p = MakePairProbe(StreamId::kNat, "outside_port", std::to_string(other), "outside_ip", ip);
        EXPECT_TRUE(h->GroupMayContain(p, h->GroupOf(row))) << row << " port " << other;
      }
    }
  }
  std::mt19937_64 rng(8);
  int claims = 0, probes = 0, shifted_claims = 0;
  for (uint32_t k = 0; k < 1000; ++k) {
    const std::string ip = IpAddress::FromV4HostOrder(0x0b000000u + k * 13).ToString();
    const std::string port = std::to_string(1024 + rng() % 64000);
    PairProbe p = MakePairProbe(StreamId::kNat, "outside_ip", ip, "outside_port", port);
    ASSERT_GE(p.column_a, 0);
    PairProbe other = p;
    other.b_shift = k % 2 ? 0 : 5;  // keys made another way
    for (uint32_t g = 0; g < groups; ++g, ++probes) {
      claims += h->GroupMayContain(p, g);
      shifted_claims += h->GroupMayContain(other, g);
    }
  }
  EXPECT_LT(claims * 100, probes) << claims << " of " << probes;
  EXPECT_EQ(shifted_claims, probes);
  std::printf("  %d of %d probes of absent pairs claimed\n", claims, probes);
}

// ---- Fuzz seeds. ----

// The block fuzzer's seeds (tests/fuzz/seeds/block, written by BlockCodecTest's
// DISABLED_WriteFuzzSeeds) are blocks of this format version, and the CGNAT-shaped one holds
// key-relative chunks, so that fuzzing starts from the decoders of this version.
TEST(KeyRelativeTest, FuzzSeedsAreBlocksOfThisVersion) {
  const std::filesystem::path dir = std::filesystem::path(NW_SOURCE_DIR) / "tests/fuzz/seeds/block";
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string block = bytes.str();
    auto h = ParseBlockHeader(block);
    ASSERT_TRUE(h.ok()) << entry.path() << ": " << h.status().ToString();
    ++seeds;
    if (entry.path().filename() != "nat_cgnat") continue;
    int relative = 0;
    for (std::string_view name : {"outside_ip", "outside_port", "remote_ip"}) {
      relative += FirstRelativeGroup(block, *h, Col(name)) >= 0;
    }
    EXPECT_GT(relative, 0) << "no key-relative chunk in nat_cgnat";
    auto reader = BlockReader::Open(block);
    ASSERT_TRUE(reader.ok());
    for (size_t c = 0; c < ColumnCount(StreamId::kNat); ++c) {
      EXPECT_TRUE((*reader)->LoadColumn(c).ok()) << ColumnName(StreamId::kNat, c);
    }
  }
  EXPECT_GE(seeds, 8);
}

}  // namespace
}  // namespace netward::store

namespace netward::store {
namespace {

// A block of one row: each chunk holds its mode byte or time unit besides the row, and a row
// at its type's widest (a 3-byte port varint, a 9-byte time unit) must still fit what the
// header check allows. The trace e2e test's single conntrack mapping (outside port 20090) was
// refused as damaged when the check left the mode byte out.
TEST(KeyRelativeTest, OneRowBlocksWithWideValuesAreRead) {
  for (const uint16_t port : {uint16_t{0}, uint16_t{127}, uint16_t{20090}, uint16_t{65535}}) {
    for (const TimestampUs ts : {TimestampUs{1}, TimestampUs{1'795'000'000'317'218}, INT64_MAX}) {
      NatRecord r;
      r.ts = ts;
      r.end_ts = ts == INT64_MAX ? 0 : ts + 1'234'567;
      r.proto = "tcp";
      r.inside_ip = IpAddress::FromV4HostOrder(0x0ac80102);
      r.inside_port = port;
      r.outside_ip = IpAddress::FromV4HostOrder(0x0ac80201);
      r.outside_port = port;
      r.remote_ip = IpAddress::FromV4HostOrder(0x0ac80202);
      r.remote_port = port;
      r.source = "conntrack";
      BlockBuilder builder(StreamId::kNat);
      builder.Add(r, "TRACE01");
      std::string block;
      builder.Finish(0, 1, &block);
      auto reader = BlockReader::Open(block);
      ASSERT_TRUE(reader.ok()) << "port " << port << " ts " << ts << ": "
                               << reader.status().ToString();
      std::string line, want;
      ASSERT_TRUE((*reader)->AppendJsonLine(0, &line).ok());
      record::EncodeJsonLine(r, "TRACE01", &want);
      EXPECT_EQ(line, want);
      for (size_t c = 0; c < ColumnCount(StreamId::kNat); ++c) {
        EXPECT_TRUE((*reader)->LoadColumn(c).ok()) << "port " << port << " column " << c;
      }
    }
  }
}

}  // namespace
}  // namespace netward::store
