// Tests of the columnar block codec (src/store/block_codec.h): round trips of every stream,
// the Bloom filter, and damage — flipped header bytes, a re-encoded row, truncation — each
// reported as Corruption that names what is wrong.
#include "store/block_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fuzz/fuzz_block_dict.h"
#include "record/json_encoder.h"
#include "store/block_format.h"
#include "store/hash64.h"
#include "store/varint.h"

namespace netward::store {
namespace {

namespace bf = block_format;
using record::StreamId;

// ---- Random records of any stream, schema-driven. ----

class RandomValues {
 public:
  explicit RandomValues(uint64_t seed) : rng_(seed) {}

  uint64_t Below(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  void Fill(TimestampUs& v) {
    switch (Below(8)) {
      case 0:
        v = 0;
        break;
      case 1:
        v = Below(2) ? INT64_MAX : INT64_MIN;
        break;
      case 2:
        v = -static_cast<TimestampUs>(Below(1'000'000'000));
        break;
      default:
        v = 1'780'000'000'000'000 + static_cast<TimestampUs>(Below(86'400'000'000));
    }
  }
  void Fill(std::string& v) {
    v.clear();
    switch (Below(8)) {
      case 0:
        break;  // empty
      case 1:   // arbitrary bytes: invalid UTF-8, controls, NUL, quotes, backslashes
        for (uint64_t i = 0, n = Below(40); i < n; ++i) v.push_back(static_cast<char>(Below(256)));
        break;
      case 2:
        v.assign(1000 + Below(3000), 'a' + static_cast<char>(Below(26)));
        break;
      case 3:
        v = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \"q\" \\ \x01";
        break;
      default:
        for (uint64_t i = 0, n = 1 + Below(20); i < n; ++i) {
          v.push_back(static_cast<char>('a' + Below(26)));
        }
    }
  }
  void Fill(IpAddress& v) {
    v = IpAddress();
    switch (Below(4)) {
      case 0:
        break;  // unset
      case 1: {
        uint8_t b[16];
        for (auto& x : b) x = static_cast<uint8_t>(Below(256));
        b[0] |= 0x20;  // neither v4-mapped nor unset
        v = IpAddress::FromV6(b);
        break;
      }
      default:
        v = IpAddress::FromV4HostOrder(static_cast<uint32_t>(Below(Below(8) ? 5000 : 1ULL << 32)));
    }
  }
  void Fill(uint16_t& v) { v = Below(4) ? static_cast<uint16_t>(Below(65536)) : UINT16_MAX; }
  void Fill(uint32_t& v) { v = Below(4) ? static_cast<uint32_t>(Below(1ULL << 32)) : UINT32_MAX; }
  void Fill(uint64_t& v) {
    v = Below(4) ? (Below(2) ? Below(1000) : static_cast<uint64_t>(rng_())) : UINT64_MAX;
  }
  void Fill(std::vector<std::string>& v) {
    v.resize(Below(10) == 0 ? 100 + Below(200) : Below(4));
    for (auto& s : v) Fill(s);
  }
  void Fill(std::vector<uint32_t>& v) {
    v.resize(Below(10) == 0 ? 100 + Below(200) : Below(4));
    for (auto& x : v) Fill(x);
  }

  template <typename R>
  R Record() {
    R r;
    r.ForEachField([&](std::string_view, auto& value) { this->Fill(value); });
    return r;
  }

 private:
  std::mt19937_64 rng_;
};

// Changes the value in place (always to a different value).
[[maybe_unused]] void Perturb(TimestampUs& v) { v += 1; }
[[maybe_unused]] void Perturb(std::string& v) { v.push_back('x'); }
[[maybe_unused]] void Perturb(IpAddress& v) { v.bytes[15] ^= 1; }
[[maybe_unused]] void Perturb(uint16_t& v) { v ^= 1; }
[[maybe_unused]] void Perturb(uint32_t& v) { v ^= 1; }
[[maybe_unused]] void Perturb(uint64_t& v) { v ^= 1; }
[[maybe_unused]] void Perturb(std::vector<std::string>& v) { v.push_back("tampered"); }
[[maybe_unused]] void Perturb(std::vector<uint32_t>& v) { v.push_back(7); }

template <typename R>
void PerturbColumn(R* r, size_t column) {
  size_t c = 0;
  r->ForEachField([&](std::string_view, auto& value) {
    if (c++ == column) Perturb(value);
  });
}

template <typename R>
std::string EncodeBlock(const std::vector<R>& records, uint64_t first_seq, int level = 3,
                        std::string_view site = "site-1") {
  BlockBuilder builder(R::kStream);
  for (const R& r : records) builder.Add(r, site);
  std::string out;
  builder.Finish(first_seq, level, &out);
  return out;
}

uint64_t HeaderU64(const std::string& block, size_t offset) {
  return bf::Load<uint64_t>(block.data() + offset);
}

// Where the header's column entries and chunk entries start (block_format.h).
size_t GroupCount(const std::string& block) {
  const uint32_t count = bf::Load<uint32_t>(block.data() + bf::kCountOffset);
  const uint32_t shift = static_cast<uint8_t>(block[bf::kGroupShiftOffset]);
  return count == 0 ? 0 : ((count - 1) >> shift) + 1;
}
size_t ColumnsOffset(const std::string& block) {
  return bf::kFixedBytes + GroupCount(block) * bf::kGroupEntryBytes;
}
size_t ChunkEntryOffset(const std::string& block, size_t column, size_t group) {
  const size_t ncols = bf::Load<uint16_t>(block.data() + bf::kColumnCountOffset);
  return ColumnsOffset(block) + ncols * bf::kColumnEntryBytes +
         (column * GroupCount(block) + group) * bf::kChunkEntryBytes;
}

// Rewrites the header checksum after a deliberate edit.
void Reseal(std::string* block) {
  uint32_t header_bytes = bf::Load<uint32_t>(block->data() + bf::kHeaderBytesOffset);
  size_t at = header_bytes - bf::kChecksumBytes;
  bf::Store<uint64_t>(block->data() + at, bf::HeaderChecksum(block->data(), at));
}

std::vector<record::HttpRecord> SmallHttp(int n);

// ---- Round trips. ----

template <typename R>
void RoundTrip(uint64_t seed) {
  SCOPED_TRACE(std::string(record::StreamName(R::kStream)));
  RandomValues random(seed);
  BlockBuilder builder(R::kStream);  // reused across blocks
  for (int level : {1, 3, -5}) {
    std::vector<R> records;
    for (int i = 0; i < 700; ++i) records.push_back(random.template Record<R>());
    const std::string site = level == 1 ? "" : "pop-\xff-1";
    TimestampUs min_ts = records[0].ts, max_ts = records[0].ts;
    for (const R& r : records) {
      builder.Add(r, site);
      min_ts = std::min(min_ts, r.ts);
      max_ts = std::max(max_ts, r.ts);
    }
    EXPECT_EQ(builder.count(), records.size());
    EXPECT_EQ(builder.min_ts(), min_ts);
    EXPECT_EQ(builder.max_ts(), max_ts);
    std::string block = "prefix";  // Finish appends
    builder.Finish(1000 + level, level, &block);
    EXPECT_EQ(builder.count(), 0u);
    std::string_view bytes = std::string_view(block).substr(6);

    auto reader = BlockReader::Open(bytes);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    const BlockHeader& h = (*reader)->header();
    EXPECT_EQ(h.stream, R::kStream);
    EXPECT_EQ(h.count, records.size());
    EXPECT_EQ(h.first_seq, static_cast<uint64_t>(1000 + level));
    EXPECT_EQ(h.min_ts, min_ts);
    EXPECT_EQ(h.max_ts, max_ts);
    EXPECT_EQ(h.total_bytes, bytes.size());
    EXPECT_EQ(h.columns.size(), ColumnCount(R::kStream));

    for (uint32_t row = 0; row < records.size(); ++row) {
      std::string want, got;
      record::EncodeJsonLine(records[row], site, &want);
      ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok());
      ASSERT_EQ(got, want) << "row " << row;
    }
    // Typed accessors agree with the originals.
    for (uint32_t row = 0; row < records.size(); row += 37) {
      size_t c = 0;
      records[row].ForEachField([&](std::string_view name, const auto& value) {
        using T = std::decay_t<decltype(value)>;
        SCOPED_TRACE(std::string(name));
        if constexpr (std::is_same_v<T, TimestampUs>) {
          EXPECT_EQ((*reader)->TimeAt(c, row), value);
        } else if constexpr (std::is_same_v<T, std::string>) {
          EXPECT_EQ((*reader)->StringAt(c, row), value);
        } else if constexpr (std::is_same_v<T, IpAddress>) {
          EXPECT_EQ((*reader)->IpAt(c, row), value);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          ASSERT_EQ((*reader)->ListSize(c, row), value.size());
          for (uint32_t i = 0; i < value.size(); ++i) {
            EXPECT_EQ((*reader)->StringListAt(c, row, i), value[i]);
          }
        } else if constexpr (std::is_same_v<T, std::vector<uint32_t>>) {
          ASSERT_EQ((*reader)->ListSize(c, row), value.size());
          for (uint32_t i = 0; i < value.size(); ++i) {
            EXPECT_EQ((*reader)->U32ListAt(c, row, i), value[i]);
          }
        } else {
          EXPECT_EQ((*reader)->UintAt(c, row), value);
        }
        ++c;
      });
      EXPECT_EQ((*reader)->StringAt(c, row), site);
    }
    std::string ignored;
    EXPECT_EQ((*reader)->AppendJsonLine(static_cast<uint32_t>(records.size()), &ignored).code(),
              Status::Code::kInvalidArgument);
  }
}

TEST(BlockCodecTest, RoundTripOfEveryStream) {
  uint64_t seed = 1;
#define NW_ROUND_TRIP(Name, sname, FIELDS) RoundTrip<record::Name##Record>(seed++);
  NW_STREAMS(NW_ROUND_TRIP)
#undef NW_ROUND_TRIP
}

TEST(BlockCodecTest, EncodeKeepsTheRows) {
  auto records = SmallHttp(30);
  BlockBuilder builder(StreamId::kHttp);
  for (int i = 0; i < 10; ++i) builder.Add(records[i], "s");
  std::string snapshot;
  builder.Encode(9, 3, &snapshot);
  EXPECT_EQ(builder.count(), 10u);
  for (int i = 10; i < 30; ++i) builder.Add(records[i], "s");
  std::string block;
  builder.Finish(9, 3, &block);
  EXPECT_EQ(builder.count(), 0u);
  std::vector<record::HttpRecord> first(records.begin(), records.begin() + 10);
  EXPECT_EQ(snapshot, EncodeBlock(first, 9, 3, "s"));
  EXPECT_EQ(block, EncodeBlock(records, 9, 3, "s"));
}

TEST(BlockCodecTest, EmptyBlock) {
  std::string block = EncodeBlock(std::vector<record::DnsRecord>{}, 5);
  auto reader = BlockReader::Open(block);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->header().count, 0u);
  EXPECT_EQ((*reader)->header().min_ts, 0);
  for (size_t c = 0; c < ColumnCount(StreamId::kDns); ++c)
    EXPECT_TRUE((*reader)->LoadColumn(c).ok());
}

TEST(BlockCodecTest, SchemaLookups) {
  const StreamId s = StreamId::kSession;
  size_t fields = 0;
  record::SessionRecord().ForEachField([&](std::string_view, const auto&) { ++fields; });
  EXPECT_EQ(ColumnCount(s), fields + 1);
  EXPECT_EQ(ColumnName(s, fields), "site");
  EXPECT_EQ(ColumnIndex(s, "site"), static_cast<int>(fields));
  EXPECT_EQ(ColumnIndex(s, "ts"), 0);
  EXPECT_EQ(ColumnIndex(s, "no_such_field"), -1);
  EXPECT_EQ(ColumnTypeOf(s, 0), ColumnType::kTime);
  EXPECT_EQ(ColumnTypeOf(s, static_cast<size_t>(ColumnIndex(s, "src_ip"))), ColumnType::kIp);
  EXPECT_EQ(ColumnTypeOf(StreamId::kDns, static_cast<size_t>(ColumnIndex(StreamId::kDns, "ttls"))),
            ColumnType::kU32List);
  EXPECT_TRUE(IsIndexedField(s, "src_ip"));
  EXPECT_TRUE(IsIndexedField(s, "dst_port"));
  EXPECT_TRUE(IsIndexedField(s, "host"));
  EXPECT_FALSE(IsIndexedField(s, "url"));
  EXPECT_FALSE(IsIndexedField(s, "site"));
  EXPECT_FALSE(IsIndexedField(s, "bytes_up"));
  EXPECT_FALSE(IsIndexedField(s, "query"));  // not a session field
  EXPECT_TRUE(IsIndexedField(StreamId::kDns, "query"));
  EXPECT_TRUE(IsIndexedField(StreamId::kTls, "sni"));
  EXPECT_TRUE(IsIndexedField(StreamId::kMail, "auth_user"));
}

// ---- Bloom filter. ----

TEST(BlockCodecTest, BloomFilterFindsEveryValueAndFewOthers) {
  std::vector<record::SessionRecord> records;
  for (uint32_t i = 0; i < 10000; ++i) {
    record::SessionRecord r;
    r.ts = 1'780'000'000'000'000 + i;
    r.src_ip = IpAddress::FromV4HostOrder(0x0a000000 + i);
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    v6[12] = static_cast<uint8_t>(i >> 8);
    v6[13] = static_cast<uint8_t>(i);
    r.dst_ip = IpAddress::FromV6(v6);
    r.src_port = static_cast<uint16_t>(i % 3000);
    r.host = "h" + std::to_string(i) + ".example";
    r.url = "http://u" + std::to_string(i);
    records.push_back(r);
  }
  std::string block = EncodeBlock(records, 0);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  const BlockHeader& h = *header;
  for (const auto& r : records) {
    ASSERT_TRUE(h.MayContain("src_ip", r.src_ip.ToString()));
    ASSERT_TRUE(h.MayContain("dst_ip", r.dst_ip.ToString()));
    ASSERT_TRUE(h.MayContain("src_port", std::to_string(r.src_port)));
    ASSERT_TRUE(h.MayContain("host", r.host));
  }
  EXPECT_TRUE(h.MayContain("mac", ""));  // every value is inserted, empty ones too
  EXPECT_TRUE(h.MayContain("dst_port", "0"));
  int false_positives[3] = {0, 0, 0};
  for (uint32_t i = 0; i < 10000; ++i) {
    false_positives[0] +=
        h.MayContain("src_ip", IpAddress::FromV4HostOrder(0x0b000000 + i).ToString());
    false_positives[1] += h.MayContain("host", "h" + std::to_string(i) + ".example.org");
    false_positives[2] += h.MayContain("src_ip", "2001:db8::" + std::to_string(i));
  }
  for (int fp : false_positives) EXPECT_LT(fp, 800) << "false-positive rate over 8 %";
  // The filter is sized for the distinct keys (~7 bits each), not the rows times the columns.
  EXPECT_LT(h.bloom.size() * 8, 45000u * 9);
  EXPECT_GT(h.bloom.size() * 8, 30000u * 6);
  // Not indexed, unknown or unparsable: no pruning.
  EXPECT_TRUE(h.MayContain("url", "nothing like it"));
  EXPECT_TRUE(h.MayContain("no_such_field", "x"));
  EXPECT_TRUE(h.MayContain("src_ip", "not an address"));
  EXPECT_TRUE(h.MayContain("src_port", "port"));
  EXPECT_FALSE(h.MayContain("src_port", "70000"));  // no u16 holds it
}

TEST(BlockCodecTest, SaturatedPortColumnIsLeftOutOfTheFilter) {
  std::vector<record::SessionRecord> records(65536);
  std::mt19937_64 rng(5);
  for (uint32_t i = 0; i < records.size(); ++i) {
    records[i].ts = 1'780'000'000'000'000 + i;
    records[i].src_port = static_cast<uint16_t>(rng());  // ~41000 distinct: most of the domain
    records[i].dst_port = static_cast<uint16_t>(i % 100);
  }
  auto header = ParseBlockHeader(EncodeBlock(records, 0));
  ASSERT_TRUE(header.ok());
  const auto src = static_cast<size_t>(ColumnIndex(StreamId::kSession, "src_port"));
  const auto dst = static_cast<size_t>(ColumnIndex(StreamId::kSession, "dst_port"));
  EXPECT_EQ(header->columns[src].flags & 1, 0);  // not in the Bloom filter
  EXPECT_EQ(header->columns[dst].flags & 1, 1);
  EXPECT_EQ(header->columns[src].flags & 2, 2);  // integer columns have zone maps

  int maybe_src = 0, maybe_dst = 0;
  for (int port = 1000; port < 2000; ++port) {
    maybe_src += header->MayContain("src_port", std::to_string(port));
    maybe_dst +=
        header->MayContain(MakeBloomProbe(StreamId::kSession, "dst_port", std::to_string(port)));
  }
  EXPECT_EQ(maybe_src, 1000);  // never pruned
  EXPECT_LT(maybe_dst, 100);
  EXPECT_TRUE(header->MayContain(MakeBloomProbe(StreamId::kSession, "dst_port", "99")));
}

// Zone maps: each row group of an integer column knows its smallest and largest value, and an
// equality search skips the groups whose range lacks the value (the trace's port-block search,
// inside_port = 0, where port 0 sits in a few groups only).
TEST(BlockCodecTest, ZoneMapsBoundEachRowGroup) {
  std::vector<record::NatRecord> records(3 * 4096 + 17);
  for (uint32_t i = 0; i < records.size(); ++i) {
    records[i].ts = 1'780'000'000'000'000 + i;
    records[i].inside_port = static_cast<uint16_t>(1024 + (i * 7919) % 60000);
    if (i == 5000) records[i].inside_port = 0;  // a port block record in group 1
    records[i].outside_port = static_cast<uint16_t>(2000 + i / 4096);
  }
  auto header = ParseBlockHeader(EncodeBlock(records, 0));
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  const auto inside = static_cast<size_t>(ColumnIndex(StreamId::kNat, "inside_port"));
  const auto outside = static_cast<size_t>(ColumnIndex(StreamId::kNat, "outside_port"));
  ASSERT_EQ(header->groups.size(), 4u);
  for (uint32_t g = 0; g < 4; ++g) {
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t r = header->GroupBegin(g); r < header->GroupEnd(g); ++r) {
      lo = std::min<uint64_t>(lo, records[r].inside_port);
      hi = std::max<uint64_t>(hi, records[r].inside_port);
    }
    EXPECT_EQ(header->columns[inside].chunks[g].min_value, lo) << g;
    EXPECT_EQ(header->columns[inside].chunks[g].max_value, hi) << g;
    EXPECT_EQ(header->GroupMayHold(inside, g, 0), g == 1) << g;
    for (uint32_t k = 0; k < 4; ++k) EXPECT_EQ(header->GroupMayHold(outside, g, 2000 + k), g == k);
  }
  // Columns without a zone map never prune.
  const auto ts = static_cast<size_t>(ColumnIndex(StreamId::kNat, "ts"));
  EXPECT_TRUE(header->GroupMayHold(ts, 0, 1));
}

// Pair filters: every (outside_ip, outside_port) pair of a row group is found in its group and
// few other groups claim it; other streams and other column pairs have no probe.
TEST(BlockCodecTest, PairFiltersFindEveryPairAndFewOthers) {
  std::vector<record::NatRecord> records(65536);
  std::mt19937_64 rng(11);
  for (uint32_t i = 0; i < records.size(); ++i) {
    records[i].ts = 1'780'000'000'000'000 + i;
    records[i].outside_ip = IpAddress::FromV4HostOrder(0xCB007100u + rng() % 1562);
    records[i].outside_port = static_cast<uint16_t>(1024 + rng() % 64000);
  }
  auto header = ParseBlockHeader(EncodeBlock(records, 0));
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  ASSERT_EQ(header->pair_filters.size(), 1u);
  const uint32_t groups = static_cast<uint32_t>(header->groups.size());
  for (uint32_t i = 0; i < records.size(); i += 97) {
    PairProbe p = MakePairProbe(StreamId::kNat, "outside_port",
                                std::to_string(records[i].outside_port), "outside_ip",
                                records[i].outside_ip.ToString());  // either order
    ASSERT_GE(p.column_a, 0);
    EXPECT_TRUE(header->GroupMayContain(p, header->GroupOf(i))) << i;
  }
  // Pairs that are in no row: ~1 % of the group filters may claim them.
  int claims = 0, probes = 0;
  for (int k = 0; k < 2000; ++k) {
    PairProbe p =
        MakePairProbe(StreamId::kNat, "outside_ip", "198.51.100." + std::to_string(k % 250),
                      "outside_port", std::to_string(1024 + k));
    for (uint32_t g = 0; g < groups; ++g, ++probes) claims += header->GroupMayContain(p, g);
  }
  EXPECT_LT(claims, probes / 40) << claims << " of " << probes;
  EXPECT_FALSE(header->GroupMayContain(
      MakePairProbe(StreamId::kNat, "outside_ip", "203.0.113.1", "outside_port", "70000"), 0));
  EXPECT_LT(MakePairProbe(StreamId::kNat, "inside_ip", "10.0.0.1", "outside_port", "80").column_a,
            0);
  EXPECT_LT(MakePairProbe(StreamId::kSession, "src_ip", "10.0.0.1", "src_port", "80").column_a, 0);
  EXPECT_LT(MakePairProbe(StreamId::kNat, "outside_ip", "not-an-ip", "outside_port", "80").column_a,
            0);
}

// A column declared with itself (login ip) is a row-group filter of that column alone.
TEST(BlockCodecTest, LoginIpRowGroupFilter) {
  std::vector<record::LoginRecord> records(3 * 4096);
  for (uint32_t i = 0; i < records.size(); ++i) {
    records[i].ts = 1'780'000'000'000'000 + i;
    records[i].event = "interim";
    records[i].ip = IpAddress::FromV4HostOrder(0x64400000u + (i * 7919) % 100000);
  }
  auto header = ParseBlockHeader(EncodeBlock(records, 0));
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  ASSERT_EQ(header->pair_filters.size(), 1u);
  EXPECT_EQ(header->pair_filters[0].column_a, header->pair_filters[0].column_b);
  int claims = 0;
  for (uint32_t i = 0; i < records.size(); i += 101) {
    const std::string ip = records[i].ip.ToString();
    PairProbe p = MakePairProbe(StreamId::kLogin, "ip", ip, "ip", ip);
    ASSERT_GE(p.column_a, 0);
    for (uint32_t g = 0; g < header->groups.size(); ++g) {
      const bool may = header->GroupMayContain(p, g);
      if (g == header->GroupOf(i)) {
        EXPECT_TRUE(may) << i;
      }
      claims += may && g != header->GroupOf(i);
    }
  }
  EXPECT_LT(claims, 10);  // of 244 probes of groups without the address: ~0.5 % claim it
  EXPECT_LT(MakePairProbe(StreamId::kLogin, "account", "a", "account", "a").column_a, 0);
}

// CheckFilters (what `verify` runs): an intact block passes; blanked pair filter bits under a
// recomputed header checksum are found, with the row.
TEST(BlockCodecTest, CheckFiltersFindsABlankedPairFilter) {
  std::vector<record::NatRecord> records(5000);
  for (uint32_t i = 0; i < records.size(); ++i) {
    records[i].ts = 1'780'000'000'000'000 + i;
    records[i].outside_ip = IpAddress::FromV4HostOrder(0xCB007100u + i % 7);
    records[i].outside_port = static_cast<uint16_t>(1024 + i);
  }
  std::string block = EncodeBlock(records, 0);
  {
    auto reader = BlockReader::Open(block);
    ASSERT_TRUE(reader.ok());
    EXPECT_TRUE(reader.value()->CheckFilters().ok());
  }
  auto h = ParseBlockHeaderInPlace(block);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->pair_filters.size(), 1u);
  const std::string_view bits = h->pair_filters[0].bits;
  const size_t at = static_cast<size_t>(bits.data() - block.data());
  std::fill(block.begin() + static_cast<std::ptrdiff_t>(at),
            block.begin() + static_cast<std::ptrdiff_t>(at + bits.size()), '\0');
  const size_t sum_at = h->header_bytes - bf::kChecksumBytes;
  bf::Store<uint64_t>(block.data() + sum_at, bf::HeaderChecksum(block.data(), sum_at));
  auto reader = BlockReader::Open(block);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  uint32_t bad_row = 77;
  Status st = reader.value()->CheckFilters(&bad_row);
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_NE(st.ToString().find("pair filter of column outside_ip"), std::string::npos)
      << st.ToString();
  EXPECT_EQ(bad_row, 0u);
}

TEST(BlockCodecTest, StringDictionaryRoundTrip) {
  // uri: 3000 distinct values over and over; user_agent: all distinct and content_type: 30000
  // distinct (the writer stops looking both up); host: runs of one value; referrer: 3 values.
  std::vector<record::HttpRecord> records(65536);
  for (uint32_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    r.ts = 1'780'000'000'000'000 + i;
    r.uri = "/item/" + std::to_string(i * 7919 % 3000);
    r.content_type = "type/" + std::to_string(i * 7919 % 30000);
    r.user_agent = "agent " + std::to_string(i);
    r.host = "h" + std::to_string(i / 1000);
    r.referrer = i % 3 == 0 ? "" : i % 3 == 1 ? "a" : "http://referrer.example/long/enough/to/hash";
  }
  std::string block = EncodeBlock(records, 0);
  auto reader = BlockReader::Open(block);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  for (uint32_t row = 0; row < records.size(); row += 7) {
    std::string want, got;
    record::EncodeJsonLine(records[row], "site-1", &want);
    ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok());
    ASSERT_EQ(got, want) << "row " << row;
  }
  // Repeated values are stored once per row group: the raw uri column is far below 65536 full
  // values.
  const auto uri = static_cast<size_t>(ColumnIndex(StreamId::kHttp, "uri"));
  const size_t groups = (*reader)->header().groups.size();
  EXPECT_EQ(groups, 65536u >> bf::kGroupShift);
  EXPECT_LT((*reader)->header().columns[uri].raw_bytes, 65536u * 3 + groups * 3000u * 12);
}

TEST(BlockCodecTest, BadStringReferenceIsCorruption) {
  std::vector<record::HttpRecord> records(1);
  records[0].method = "GET";
  std::string block = EncodeBlock(records, 0);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  const auto method = static_cast<size_t>(ColumnIndex(StreamId::kHttp, "method"));
  const BlockHeader::Column& col = header->columns[method];
  ASSERT_EQ(col.chunks[0].codec, bf::kCodecRaw);
  // Layout byte 0 (inline), tag 0 (a new value), length 3, the bytes.
  ASSERT_EQ(block.substr(col.offset, col.stored_bytes), std::string("\0\0\3GET", 6));
  block[col.offset + 1] = 2;  // "the second new value": there is none yet
  auto reader = BlockReader::OpenUnverifiedForFuzzing(block);
  ASSERT_TRUE(reader.ok());
  Status s = (*reader)->LoadColumn(method);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("column method: row 0: refers to value 2 of 0"), std::string::npos)
      << s.ToString();
  // The verified reader stops at the stored-bytes hash... or the checksum of the values.
  auto verified = BlockReader::Open(block);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ((*verified)->LoadColumn(method).code(), Status::Code::kCorruption);
}

TEST(BlockCodecTest, SameValuesStoredDifferentlyAreCorruption) {
  // A tamperer who stores a repeated value again in full leaves every value as it was: only the
  // stored-bytes hash notices.
  std::vector<record::HttpRecord> records(2);
  records[0].method = records[1].method = "GET";
  std::string block = EncodeBlock(records, 0);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  const auto method = static_cast<size_t>(ColumnIndex(StreamId::kHttp, "method"));
  const BlockHeader::Column& col = header->columns[method];
  ASSERT_EQ(block.substr(col.offset, col.stored_bytes), std::string("\0\0\3GET\1", 7));
  // Rebuild the block with the column as "\0\0\3GET\0\3GET" and the original sums.
  std::string column("\0\0\3GET\0\3GET", 11);
  std::string rebuilt = block.substr(0, col.offset) + column + block.substr(col.offset + 7);
  char* entry = rebuilt.data() + ChunkEntryOffset(rebuilt, method, 0);
  bf::Store<uint32_t>(entry + bf::kChunkStored, 11);
  bf::Store<uint32_t>(entry + bf::kChunkRaw, 11);
  bf::Store<uint32_t>(rebuilt.data() + bf::kTotalBytesOffset,
                      static_cast<uint32_t>(rebuilt.size()));
  Reseal(&rebuilt);
  auto reader = BlockReader::Open(rebuilt);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Status s = (*reader)->LoadColumn(method);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("column method: row group 0: stored bytes changed"), std::string::npos)
      << s.ToString();
  auto unverified = BlockReader::OpenUnverifiedForFuzzing(rebuilt);
  ASSERT_TRUE(unverified.ok());
  ASSERT_TRUE((*unverified)->LoadColumn(method).ok());
  EXPECT_EQ((*unverified)->StringAt(method, 1), "GET");
}

// ---- Damage. ----

std::vector<record::HttpRecord> SmallHttp(int n) {
  RandomValues random(42);
  std::vector<record::HttpRecord> records;
  for (int i = 0; i < n; ++i) {
    auto r = random.Record<record::HttpRecord>();
    r.ts = 1'780'000'000'000'000 + i * 1000;
    records.push_back(r);
  }
  return records;
}

TEST(BlockCodecTest, EveryFlippedHeaderByteIsCorruption) {
  std::string block = EncodeBlock(SmallHttp(20), 77);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  // The header alone is enough to parse.
  EXPECT_TRUE(ParseBlockHeader(std::string_view(block).substr(0, header->header_bytes)).ok());
  for (size_t i = 0; i < header->header_bytes; ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string damaged = block;
      damaged[i] = static_cast<char>(damaged[i] ^ mask);
      auto parsed = ParseBlockHeader(damaged);
      ASSERT_FALSE(parsed.ok()) << "byte " << i << " mask " << int{mask};
      EXPECT_EQ(parsed.status().code(), Status::Code::kCorruption) << parsed.status().ToString();
      EXPECT_FALSE(BlockReader::Open(damaged).ok());
    }
  }
}

TEST(BlockCodecTest, TruncatedBlockIsCorruption) {
  std::string block = EncodeBlock(SmallHttp(20), 77);
  for (size_t n = 0; n < block.size(); ++n) {
    auto reader = BlockReader::Open(std::string_view(block).substr(0, n));
    ASSERT_FALSE(reader.ok()) << n;
    EXPECT_EQ(reader.status().code(), Status::Code::kCorruption);
    EXPECT_NE(reader.status().message().find("truncated"), std::string::npos)
        << reader.status().ToString();
  }
  EXPECT_TRUE(BlockReader::Open(block + "trailing bytes").ok());
}

TEST(BlockCodecTest, ChangedRowCountIsCorruption) {
  std::string block = EncodeBlock(SmallHttp(20), 77);
  for (uint32_t count : {19u, 21u, 10u}) {
    std::string damaged = block;
    bf::Store<uint32_t>(damaged.data() + bf::kCountOffset, count);
    Reseal(&damaged);
    auto reader = BlockReader::Open(damaged);
    if (!reader.ok()) {  // a column too short for the rows is caught by the header
      EXPECT_EQ(reader.status().code(), Status::Code::kCorruption);
      continue;
    }
    int failed = 0;
    for (size_t c = 0; c < ColumnCount(StreamId::kHttp); ++c) {
      Status s = (*reader)->LoadColumn(c);
      if (!s.ok()) {
        EXPECT_EQ(s.code(), Status::Code::kCorruption);
        ++failed;
      }
    }
    EXPECT_EQ(failed, static_cast<int>(ColumnCount(StreamId::kHttp))) << "count " << count;
  }
}

TEST(BlockCodecTest, FlippedColumnByteIsCorruption) {
  std::string block = EncodeBlock(SmallHttp(20), 77);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  for (size_t i = header->header_bytes; i < block.size(); ++i) {
    std::string damaged = block;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    auto reader = BlockReader::Open(damaged);
    ASSERT_TRUE(reader.ok());
    bool detected = false;
    for (size_t c = 0; c < header->columns.size(); ++c) {
      Status s = (*reader)->LoadColumn(c);
      if (!s.ok()) {
        EXPECT_EQ(s.code(), Status::Code::kCorruption);
        EXPECT_NE(s.message().find("column " + std::string(ColumnName(StreamId::kHttp, c))),
                  std::string::npos);
        detected = true;
      }
    }
    size_t c = 0;
    while (c + 1 < header->columns.size() && header->columns[c + 1].offset <= i) ++c;
    EXPECT_TRUE(detected) << "byte " << i << ": column " << c << " offset "
                          << i - header->columns[c].offset << " codec "
                          << int{header->columns[c].chunks[0].codec};
  }
}

// Re-encodes `records` with one row of one column changed, and puts the original header's
// checksums on it: what a careless tamperer who rewrites a block would leave.
template <typename R>
std::string TamperedBlock(const std::vector<R>& original, const std::vector<uint32_t>& rows,
                          size_t column, uint64_t first_seq) {
  std::string block = EncodeBlock(original, first_seq);
  std::vector<R> changed = original;
  for (uint32_t row : rows) PerturbColumn(&changed[row], column);
  std::string tampered = EncodeBlock(changed, first_seq);
  // Both headers have the same size only if the Bloom filters do; keep the tampered one's
  // layout and copy every column's sums from the original.
  for (size_t c = 0; c < ColumnCount(R::kStream); ++c) {
    size_t entry = ColumnsOffset(block) + c * bf::kColumnEntryBytes;
    bf::Store<uint64_t>(tampered.data() + entry + bf::kEntrySum0,
                        HeaderU64(block, entry + bf::kEntrySum0));
    bf::Store<uint64_t>(tampered.data() + entry + bf::kEntrySum1,
                        HeaderU64(block, entry + bf::kEntrySum1));
  }
  for (size_t g = 0; g < GroupCount(block); ++g) {  // the row groups' ts ranges too
    std::memcpy(tampered.data() + bf::kFixedBytes + g * bf::kGroupEntryBytes,
                block.data() + bf::kFixedBytes + g * bf::kGroupEntryBytes, bf::kGroupEntryBytes);
  }
  bf::Store<int64_t>(tampered.data() + bf::kMinTsOffset,
                     bf::Load<int64_t>(block.data() + bf::kMinTsOffset));
  bf::Store<int64_t>(tampered.data() + bf::kMaxTsOffset,
                     bf::Load<int64_t>(block.data() + bf::kMaxTsOffset));
  Reseal(&tampered);
  return tampered;
}

template <typename R>
void ExpectRowLocated(std::string_view field, uint32_t row) {
  SCOPED_TRACE(std::string(record::StreamName(R::kStream)) + "." + std::string(field));
  RandomValues random(7);
  std::vector<R> records;
  for (int i = 0; i < 300; ++i) {
    R r = random.template Record<R>();
    r.ts = 1'780'000'000'000'000 + i * 1000;
    records.push_back(r);
  }
  const int column = ColumnIndex(R::kStream, field);
  ASSERT_GE(column, 0);
  const uint64_t first_seq = 5000;
  std::string tampered = TamperedBlock(records, {row}, static_cast<size_t>(column), first_seq);
  auto reader = BlockReader::Open(tampered);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  for (size_t c = 0; c < ColumnCount(R::kStream); ++c) {
    uint32_t bad_row = 0;
    Status s = (*reader)->LoadColumn(c, &bad_row);
    if (c != static_cast<size_t>(column)) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(bad_row, UINT32_MAX);
      continue;
    }
    ASSERT_EQ(s.code(), Status::Code::kCorruption);
    EXPECT_EQ(bad_row, row);
    std::string want = "column " + std::string(field) + ": row " + std::to_string(row) + " (seq " +
                       std::to_string(first_seq + row) + ")";
    EXPECT_NE(s.message().find(want), std::string::npos) << s.ToString();
    // Asking again gives the same answer.
    Status again = (*reader)->LoadColumn(c, &bad_row);
    EXPECT_EQ(again.message(), s.message());
    EXPECT_EQ(bad_row, row);
  }
  std::string line;
  EXPECT_EQ((*reader)->AppendJsonLine(0, &line).code(), Status::Code::kCorruption);
}

TEST(BlockCodecTest, OneChangedRowIsLocated) {
  ExpectRowLocated<record::SessionRecord>("host", 37);
  ExpectRowLocated<record::SessionRecord>("dst_ip", 0);
  ExpectRowLocated<record::SessionRecord>("src_port", 299);
  ExpectRowLocated<record::SessionRecord>("bytes_up", 150);
  ExpectRowLocated<record::SessionRecord>("ts", 12);
  ExpectRowLocated<record::SessionRecord>("end_ts", 13);
  ExpectRowLocated<record::DnsRecord>("answers", 88);
  ExpectRowLocated<record::DnsRecord>("ttls", 89);
  ExpectRowLocated<record::HttpRecord>("status", 2);
}

TEST(BlockCodecTest, SeveralChangedRowsAreReportedAsSuch) {
  auto records = SmallHttp(50);
  const auto column = static_cast<size_t>(ColumnIndex(StreamId::kHttp, "uri"));
  std::string tampered = TamperedBlock(records, {3, 30}, column, 0);
  auto reader = BlockReader::Open(tampered);
  ASSERT_TRUE(reader.ok());
  uint32_t bad_row = 0;
  Status s = (*reader)->LoadColumn(column, &bad_row);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("column uri: several rows"), std::string::npos) << s.ToString();
  EXPECT_EQ(bad_row, UINT32_MAX);
}

TEST(BlockCodecTest, SwappedRowsAreDetected) {
  auto records = SmallHttp(50);
  std::string block = EncodeBlock(records, 0);
  std::swap(records[4], records[9]);
  std::string swapped = EncodeBlock(records, 0);
  auto original = ParseBlockHeader(block);
  ASSERT_TRUE(original.ok());
  for (size_t c = 0; c < ColumnCount(StreamId::kHttp); ++c) {
    size_t entry = ColumnsOffset(swapped) + c * bf::kColumnEntryBytes;
    bf::Store<uint64_t>(swapped.data() + entry + bf::kEntrySum0, original->columns[c].sum0);
    bf::Store<uint64_t>(swapped.data() + entry + bf::kEntrySum1, original->columns[c].sum1);
  }
  Reseal(&swapped);
  auto reader = BlockReader::Open(swapped);
  ASSERT_TRUE(reader.ok());
  const auto uri = static_cast<size_t>(ColumnIndex(StreamId::kHttp, "uri"));
  EXPECT_EQ((*reader)->LoadColumn(uri).code(), Status::Code::kCorruption);
}

TEST(BlockCodecTest, OtherSchemaIsNotSupported) {
  std::string block = EncodeBlock(SmallHttp(3), 0);
  bf::Store<uint32_t>(block.data() + bf::kFingerprintOffset, 12345);
  Reseal(&block);
  auto header = ParseBlockHeader(block);
  EXPECT_EQ(header.status().code(), Status::Code::kNotSupported) << header.status().ToString();
}

TEST(BlockCodecTest, PeekBlockSizes) {
  std::string block = EncodeBlock(SmallHttp(3), 0);
  auto sizes = PeekBlockSizes(std::string_view(block).substr(0, kBlockSizePrefix));
  ASSERT_TRUE(sizes.ok());
  EXPECT_EQ(sizes->total_bytes, block.size());
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(sizes->header_bytes, header->header_bytes);
  EXPECT_FALSE(PeekBlockSizes(std::string_view(block).substr(0, kBlockSizePrefix - 1)).ok());
  EXPECT_FALSE(PeekBlockSizes("NWB2" + block.substr(4)).ok());
}

// ---- The primitives the format depends on. ----

TEST(BlockFormatTest, Hash64IsPinned) {
  // The hash is part of the on-disk format: these values must never change.
  EXPECT_EQ(Hash64("", 0), 0x93228a4de0eec5a2ULL);
  EXPECT_EQ(Hash64("a", 1), 0xaced12527fe5bff8ULL);
  EXPECT_EQ(Hash64("netward", 7), 0x624c99c060fbf6dcULL);
  std::string long_text(100, 'z');
  EXPECT_EQ(Hash64(long_text.data(), long_text.size()), 0x6ba8dbe62f594e24ULL);
  EXPECT_NE(Hash64("a", 1, 1), Hash64("a", 1, 2));
}

TEST(BlockFormatTest, VarintsAreCanonical) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{16383},
                     uint64_t{16384}, uint64_t{UINT64_MAX}}) {
    uint8_t buf[kMaxVarint64];
    uint8_t* end = PutVarint64(buf, v);
    EXPECT_EQ(static_cast<size_t>(end - buf), Varint64Length(v));
    const uint8_t* p = buf;
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(&p, end, &got));
    EXPECT_EQ(got, v);
    EXPECT_EQ(p, end);
    p = buf;
    EXPECT_FALSE(GetVarint64(&p, end - 1, &got));  // truncated
    EXPECT_EQ(p, buf);
  }
  const uint8_t overlong[] = {0x80, 0x00};
  const uint8_t too_long[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  for (auto [bytes, n] : {std::pair{overlong, sizeof(overlong)},
                          {too_long, sizeof(too_long)},
                          {eleven, sizeof(eleven)}}) {
    const uint8_t* p = bytes;
    uint64_t v;
    EXPECT_FALSE(GetVarint64(&p, bytes + n, &v));
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, INT64_MIN, INT64_MAX}) {
    EXPECT_EQ(UnZigZag(ZigZag(v)), v);
  }
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
}

TEST(BlockFormatTest, LocatorFindsTheChangedRow) {
  std::mt19937_64 rng(3);
  std::vector<uint64_t> hashes(65536);
  for (auto& h : hashes) h = rng();
  bf::Locator stored_locator;
  for (uint64_t h : hashes) stored_locator.Add(h);
  const bf::Sums stored = stored_locator.Finish(65536);
  // The running form equals the definition S1 = sum (i + 1) * h_i.
  uint64_t sum1 = 0;
  for (uint32_t i = 0; i < hashes.size(); ++i) {
    sum1 = bf::AddModP(sum1, bf::MulModP(i + 1, bf::ModP(hashes[i])));
  }
  EXPECT_EQ(stored.sum1, sum1);
  for (uint32_t row : {0u, 1u, 4095u, 65535u}) {
    bf::Locator actual;
    for (uint32_t i = 0; i < hashes.size(); ++i) actual.Add(i == row ? rng() : hashes[i]);
    EXPECT_EQ(bf::LocateChangedRow(stored, actual.Finish(65536), 65536), row);
  }
  bf::Locator two;
  for (uint32_t i = 0; i < hashes.size(); ++i) two.Add(i == 5 || i == 6 ? rng() : hashes[i]);
  EXPECT_EQ(bf::LocateChangedRow(stored, two.Finish(65536), 65536), -1);
  EXPECT_EQ(bf::MulModP(bf::PowModP(12345, bf::kPrime - 2), 12345), 1u);
}

// Writes small valid blocks as fuzz seeds: NW_SEED_DIR=tests/fuzz/seeds/block
//   netward_store_tests --gtest_also_run_disabled_tests --gtest_filter=*WriteFuzzSeeds
TEST(BlockCodecTest, DISABLED_WriteFuzzSeeds) {
  const char* dir = std::getenv("NW_SEED_DIR");
  ASSERT_NE(dir, nullptr);
  RandomValues random(11);
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(std::string(dir) + "/" + name, std::ios::binary) << bytes;
  };
  std::vector<record::DnsRecord> dns;
  for (int i = 0; i < 4; ++i) dns.push_back(random.Record<record::DnsRecord>());
  write("dns4", EncodeBlock(dns, 1, 1));
  std::vector<record::SessionRecord> session;
  for (int i = 0; i < 3; ++i) session.push_back(random.Record<record::SessionRecord>());
  write("session3", EncodeBlock(session, 10, 3));
  std::vector<record::FtpRecord> ftp(2);
  ftp[0].ts = 1;
  ftp[1].user = "anonymous";
  write("ftp2_raw", EncodeBlock(ftp, 0, 1));
  write("empty_tls", EncodeBlock(std::vector<record::TlsRecord>{}, 0));
  // Two row groups (the second one row long), with repeated values in each.
  std::vector<record::NatRecord> nat((1u << bf::kGroupShift) + 1);
  for (size_t i = 0; i < nat.size(); ++i) {
    nat[i].ts = 1'780'000'000'000'000 + static_cast<TimestampUs>(i) * 1000;
    nat[i].proto = i % 3 ? "tcp" : "udp";
    nat[i].inside_ip = IpAddress::FromV4HostOrder(0x0a000000 + static_cast<uint32_t>(i % 7));
    nat[i].source = "conntrack";
  }
  write("nat_2groups", EncodeBlock(nat, 100, 3));
  // Packed Time, integer and Ip chunks, and fixed-length strings stored transposed.
  std::vector<record::SessionRecord> packed(16);
  for (size_t i = 0; i < packed.size(); ++i) {
    packed[i].ts = 1'780'000'000'000'000 + static_cast<TimestampUs>(i) * 1'000'000;
    packed[i].end_ts = packed[i].ts + static_cast<TimestampUs>(i % 4) * 1'000'000;
    packed[i].src_ip = IpAddress::FromV4HostOrder(0x0a000000 + static_cast<uint32_t>(i * 37));
    packed[i].src_port = static_cast<uint16_t>(40000 + i * 977);
    packed[i].mac = "02:00:00:00:00:0" + std::to_string(i % 10);
  }
  write("session_packed", EncodeBlock(packed, 0, 1));
  // Implicit rows (fuzz_block resolves them with the same dictionary), a new subscriber and
  // one whose account changed, over two row groups.
  SubscriberDictionary dict;
  fuzz::BuildFuzzDictionary(&dict);
  BlockBuilder builder(StreamId::kSession);
  for (int i = 0; i < (1 << bf::kGroupShift) + 40; ++i) {
    const int key = i % 70;  // 64..69 are new
    builder.Add(fuzz::FuzzSubscriber(key, 1'780'000'100'000'000 + i, key == 9 ? "moved" : ""), "s");
  }
  std::string implicit;
  builder.Finish(64, 1, &implicit, &dict);
  write("session_implicit", implicit);
  // CGNAT-shaped mappings (key-relative chunks, Time chunks with a unit): 40 subscribers, 4 at a
  // time in bursts of 3 interleaved rows, each keeping its outside address (shared by 5) and
  // taking consecutive ports of its block, one remote peer per burst; the unset and an IPv6
  // inside address among them; times in whole milliseconds.
  std::vector<record::NatRecord> cgnat(300);
  std::vector<uint16_t> next_port(40, 0);
  for (size_t i = 0; i < cgnat.size(); ++i) {
    record::NatRecord& r = cgnat[i];
    const auto sub = static_cast<uint32_t>(((i / 12) * 4 + i % 4) % 40);
    r.ts = 1'780'000'000'000'000 + static_cast<TimestampUs>(i * 37 + (i % 5) * 1000) * 1000;
    r.end_ts = i % 11 == 0 ? 0 : r.ts + static_cast<TimestampUs>(1 + i % 7) * 30'000'000;
    r.proto = i % 6 ? "tcp" : "udp";
    r.inside_ip = sub == 0   ? IpAddress()
                  : sub == 1 ? *IpAddress::Parse("2001:db8::1")
                             : IpAddress::FromV4HostOrder(0x64400000u + sub);
    r.inside_port = static_cast<uint16_t>(40000 + i);
    r.outside_ip = IpAddress::FromV4HostOrder(0xC6120001u + (sub % 8) * 256);
    r.outside_port = static_cast<uint16_t>(1024 + sub * 512 + next_port[sub]++);
    r.remote_ip = IpAddress::FromV4HostOrder(0x5DB8D800u + static_cast<uint32_t>(i / 12 % 30));
    r.remote_port = i % 6 ? 443 : 53;
    r.source = "syslog";
  }
  write("nat_cgnat", EncodeBlock(cgnat, 500, 3));
}

// ---- One row at a time: AppendJsonLine decodes a group's chunks only up to its row when it is
// the first row read there (a point search's case), then whole. ----

template <typename R>
std::string BlockOf(const std::vector<R>& records, std::string_view site, uint64_t first_seq = 5,
                    SubscriberDictionary* dict = nullptr) {
  BlockBuilder builder(R::kStream);
  for (const R& r : records) builder.Add(r, site);
  std::string block;
  builder.Finish(first_seq, 1, &block, dict);
  return block;
}

template <typename R>
void ExpectEveryRowAlone(const std::vector<R>& records, const std::string& block, uint64_t seed,
                         const SubscriberDictionary* dict = nullptr) {
  auto want = [&](uint32_t row) {
    std::string line;
    record::EncodeJsonLine(records[row], "s1", &line);
    return line;
  };
  // A fresh reader per row: the row's group is decoded only up to it.
  for (uint32_t row = 0; row < records.size(); row += 301) {
    auto reader = BlockReader::Open(block, dict);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    std::string got;
    ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok()) << "row " << row;
    ASSERT_EQ(got, want(row)) << "row " << row;
  }
  // One reader, rows in random order (prefix decodes, then whole ones), then whole columns.
  auto reader = BlockReader::Open(block, dict);
  ASSERT_TRUE(reader.ok());
  std::vector<uint32_t> order(records.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
  for (size_t i = 0; i < 200; ++i) {
    std::string got;
    ASSERT_TRUE((*reader)->AppendJsonLine(order[i], &got).ok());
    ASSERT_EQ(got, want(order[i])) << "row " << order[i];
  }
  for (size_t c = 0; c < ColumnCount(R::kStream); ++c) {
    ASSERT_TRUE((*reader)->LoadColumn(c).ok()) << ColumnName(R::kStream, c);
  }
  for (size_t i = 200; i < 400; ++i) {
    std::string got;
    ASSERT_TRUE((*reader)->AppendJsonLine(order[i], &got).ok());
    ASSERT_EQ(got, want(order[i])) << "row " << order[i];
  }
}

template <typename R>
void OneRowAtATime(uint64_t seed) {
  SCOPED_TRACE(std::string(record::StreamName(R::kStream)));
  RandomValues random(seed);
  std::vector<R> records;
  for (int i = 0; i < 4500; ++i) records.push_back(random.template Record<R>());  // 2 groups
  ExpectEveryRowAlone(records, BlockOf(records, "s1"), seed);
}

TEST(BlockCodecTest, OneRowAtATimeOfEveryStream) {
  uint64_t seed = 100;
#define NW_ONE_ROW(Name, sname, FIELDS) OneRowAtATime<record::Name##Record>(seed++);
  NW_STREAMS(NW_ONE_ROW)
#undef NW_ONE_ROW
}

// Sessions as a probe writes them: packed times, ports and addresses, transposed MACs and
// calling numbers (every new value of a chunk one length), repeated hosts.
std::vector<record::SessionRecord> ShapedSessions(size_t n) {
  std::mt19937_64 rng(9);
  std::vector<record::SessionRecord> out(n);
  TimestampUs ts = 1'790'000'000'000'000;
  for (size_t i = 0; i < n; ++i) {
    record::SessionRecord& r = out[i];
    ts += static_cast<TimestampUs>(rng() % 2000);
    r.ts = ts;
    r.end_ts = ts + static_cast<TimestampUs>(rng() % 60'000'000);
    r.proto = rng() % 4 ? "tcp" : "udp";
    const uint32_t sub = static_cast<uint32_t>(rng() % 3000);
    r.src_ip = IpAddress::FromV4HostOrder(0x0a000000u + sub);
    r.src_port = static_cast<uint16_t>(rng());
    r.dst_ip = IpAddress::FromV4HostOrder(0xc6336400u + static_cast<uint32_t>(rng() % 200));
    r.dst_port = rng() % 3 ? 443 : 80;
    char mac[18];
    std::snprintf(mac, sizeof mac, "02:00:00:%02x:%02x:%02x", sub >> 16, (sub >> 8) & 255,
                  sub & 255);
    r.mac = mac;
    r.calling_id = "1700" + std::to_string(1000000 + sub);
    r.account = "u" + std::to_string(100000 + sub);
    r.host = "h" + std::to_string(rng() % 50) + ".example";
    r.bytes_up = rng() % 100000;
    r.close = "fin";
  }
  return out;
}

TEST(BlockCodecTest, OneRowAtATimeOfShapedSessions) {
  auto records = ShapedSessions(10000);
  std::string block = BlockOf(records, "s1");
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  // The shapes this test is for: packed and zstd chunks, a transposed MAC chunk.
  std::set<int> codecs;
  for (const auto& col : header->columns) codecs.insert(col.chunks[0].codec);
  EXPECT_TRUE(codecs.count(bf::kCodecPacked) && codecs.count(bf::kCodecZstd));
  ExpectEveryRowAlone(records, block, 3);
}

// The same with the subscriber columns resolved from a dictionary (a segment's second block):
// those come from AppendDependent, the others from prefix decodes.
TEST(BlockCodecTest, OneRowAtATimeWithImplicitRows) {
  auto records = ShapedSessions(10000);
  SubscriberDictionary dict;
  const std::string first = BlockOf(records, "s1", 5, &dict);  // every row explicit
  const std::string second = BlockOf(records, "s1", 10005, &dict);
  auto header = ParseBlockHeader(second);
  ASSERT_TRUE(header.ok());
  ASSERT_TRUE(header->has_implicit_rows());
  SubscriberDictionary reader_dict;
  auto reader = BlockReader::Open(first);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(reader_dict.AddBlock(**reader).ok());
  ExpectEveryRowAlone(records, second, 4, &reader_dict);
}

TEST(BlockCodecTest, OneRowAloneStillChecksItsChunks) {
  auto records = ShapedSessions(9000);
  const std::string block = BlockOf(records, "s1");
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  // The last stored byte of each column's first chunk: past what row 0 decodes.
  for (size_t c = 0; c < header->columns.size(); ++c) {
    const BlockHeader::Chunk& chunk = header->columns[c].chunks[0];
    std::string damaged = block;
    damaged[chunk.offset + chunk.stored_bytes - 1] ^= 0x01;
    auto reader = BlockReader::Open(damaged);
    ASSERT_TRUE(reader.ok());
    std::string line;
    Status s = (*reader)->AppendJsonLine(0, &line);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << ColumnName(StreamId::kSession, c);
  }
}

// A group searched whole (no row left out by a time range) takes FilterEqual's scan of the packed
// bits: the same rows as a compare of decoded values, for values in the chunk (its last rows,
// past the 8-byte loads, too), between a column's stride, below its base and above its range.
TEST(BlockCodecTest, FilterEqualOverWholeGroupsAgreesWithDecodedValues) {
  auto records = ShapedSessions(9000);  // groups of 4096, 4096, 808 rows
  std::mt19937_64 rng(21);
  for (auto& r : records) r.nat_port = static_cast<uint16_t>(1024 + 64 * (rng() % 700));
  const std::string block = BlockOf(records, "s1");
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  const size_t src_ip = static_cast<size_t>(ColumnIndex(StreamId::kSession, "src_ip"));
  const size_t nat_port = static_cast<size_t>(ColumnIndex(StreamId::kSession, "nat_port"));
  ASSERT_EQ(header->columns[src_ip].chunks[0].codec, bf::kCodecPacked);
  ASSERT_EQ(header->columns[nat_port].chunks[0].codec, bf::kCodecPacked);
  for (uint32_t g = 0; g < header->groups.size(); ++g) {
    const uint32_t begin = header->GroupBegin(g), end = header->GroupEnd(g);
    std::vector<uint32_t> all;
    for (uint32_t r = begin; r < end; ++r) all.push_back(r);
    std::vector<uint64_t> ports = {0, 1023, 1024, 1025, 1024 + 64 * 699, 1024 + 64 * 700, 65535};
    std::vector<IpAddress> ips = {IpAddress(), *IpAddress::Parse("9.255.255.255"),
                                  *IpAddress::Parse("10.0.200.1"), *IpAddress::Parse("11.0.0.0")};
    for (uint32_t k = 0; k < 6; ++k) {  // the group's first and last rows
      const uint32_t r = k < 3 ? begin + k : end - 1 - (k - 3);
      ports.push_back(records[r].nat_port);
      ips.push_back(records[r].src_ip);
    }
    for (uint64_t port : ports) {
      std::vector<uint32_t> want, got = all;
      for (uint32_t r : all) {
        if (records[r].nat_port == port) want.push_back(r);
      }
      auto reader = BlockReader::Open(block);
      ASSERT_TRUE(reader.ok());
      ASSERT_TRUE((*reader)->FilterEqual(nat_port, g, port, &got).ok());
      EXPECT_EQ(got, want) << "group " << g << " nat_port " << port;
    }
    for (const IpAddress& ip : ips) {
      std::vector<uint32_t> want, got = all;
      for (uint32_t r : all) {
        if (records[r].src_ip == ip) want.push_back(r);
      }
      auto reader = BlockReader::Open(block);
      ASSERT_TRUE(reader.ok());
      ASSERT_TRUE((*reader)->FilterEqual(src_ip, g, ip, &got).ok());
      EXPECT_EQ(got, want) << "group " << g << " src_ip " << ip.ToString();
    }
  }
}

// Every row of shaped sessions and CGNAT-like NAT records, each on a fresh reader (the row is
// read straight from its chunks' bytes), as a plain decode gives it.
TEST(BlockCodecTest, EveryRowAloneOnFreshReaders) {
  auto sessions = ShapedSessions(5000);
  for (size_t i = 0; i < sessions.size(); i += 7) sessions[i].url = "/p?" + std::to_string(i);
  for (size_t i = 0; i < sessions.size(); i += 5) sessions[i].end_ts = 0;  // unset end times
  const std::string block = BlockOf(sessions, "s1");
  auto whole = BlockReader::Open(block);
  ASSERT_TRUE(whole.ok());
  for (size_t c = 0; c < ColumnCount(StreamId::kSession); ++c) {
    ASSERT_TRUE((*whole)->LoadColumn(c).ok());
  }
  for (uint32_t row = 0; row < sessions.size(); row += 3) {
    auto reader = BlockReader::Open(block);
    ASSERT_TRUE(reader.ok());
    std::string got, want;
    ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok()) << "row " << row;
    ASSERT_TRUE((*whole)->AppendJsonLine(row, &want).ok());
    ASSERT_EQ(got, want) << "row " << row;
    // A second row of the same group on the same reader (the group then decodes whole).
    const uint32_t other = row ^ 1;
    if (other < sessions.size()) {
      got.clear();
      want.clear();
      ASSERT_TRUE((*reader)->AppendJsonLine(other, &got).ok());
      ASSERT_TRUE((*whole)->AppendJsonLine(other, &want).ok());
      ASSERT_EQ(got, want) << "row " << other;
    }
  }
}

// Several rows of one group on one reader: the first four are read straight from the chunks
// (each chunk decompressed once), the fifth decodes the group whole; in any order, in the
// last, partial group too, each row is its record.
TEST(BlockCodecTest, SeveralRowsOfAGroupOnOneReader) {
  auto sessions = ShapedSessions(9000);
  for (size_t i = 0; i < sessions.size(); i += 7) sessions[i].url = "/p?" + std::to_string(i);
  const std::string block = BlockOf(sessions, "s1");
  const std::vector<std::vector<uint32_t>> orders = {
      {3, 100, 2000, 4095, 17, 4000, 5},        // ascending then back
      {4095, 4094, 0, 1, 2048, 2047, 3000},     // descending, then the group's start
      {8192, 8999, 8500, 8193, 8998, 9000 - 2}  // the partial group
  };
  for (size_t expect : {size_t{0}, size_t{2}, size_t{100}}) {  // ExpectRows: a hint only
    for (const auto& order : orders) {
      auto reader = BlockReader::Open(block);
      ASSERT_TRUE(reader.ok());
      if (expect > 0) (*reader)->ExpectRows(order[0] >> 12, expect);
      for (uint32_t row : order) {
        std::string got, want;
        ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok()) << "row " << row;
        record::EncodeJsonLine(sessions[row], "s1", &want);
        ASSERT_EQ(got, want) << "row " << row << " expecting " << expect;
      }
    }
  }
}

// RowTime on fresh readers (ts read straight from the chunk), after a prefix, and on a decoded
// group: the ts a whole decode gives, at group starts and ends and in the last, partial group.
TEST(BlockCodecTest, RowTimeEqualsTheDecodedTs) {
  auto sessions = ShapedSessions(9000);
  for (size_t i = 0; i < sessions.size(); i += 13) sessions[i].ts -= 5000;  // not in order
  const std::string block = BlockOf(sessions, "s1");
  auto whole = BlockReader::Open(block);
  ASSERT_TRUE(whole.ok());
  ASSERT_TRUE((*whole)->LoadColumn(0).ok());
  std::vector<uint32_t> rows = {0, 1, 4095, 4096, 4097, 8191, 8192, 8999};
  for (uint32_t row = 7; row < sessions.size(); row += 211) rows.push_back(row);
  for (uint32_t row : rows) {
    auto reader = BlockReader::Open(block);
    ASSERT_TRUE(reader.ok());
    TimestampUs got = 0;
    ASSERT_TRUE((*reader)->RowTime(row, &got).ok()) << "row " << row;
    EXPECT_EQ(got, (*whole)->TimeAt(0, row)) << "row " << row;
    EXPECT_EQ(got, sessions[row].ts) << "row " << row;
    // The same reader after the row's JSON line (a prefix or a one-row read) and whole.
    std::string line;
    ASSERT_TRUE((*reader)->AppendJsonLine(row, &line).ok());
    ASSERT_TRUE((*reader)->RowTime(row, &got).ok());
    EXPECT_EQ(got, sessions[row].ts);
    ASSERT_TRUE((*reader)->LoadGroup(0, row >> 12).ok());
    ASSERT_TRUE((*reader)->RowTime(row, &got).ok());
    EXPECT_EQ(got, sessions[row].ts);
  }
  TimestampUs ignored = 0;
  auto reader = BlockReader::Open(block);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->RowTime(9000, &ignored).code(), Status::Code::kInvalidArgument);
}

// FilterEqual searches packed chunks without decoding them; the rows it keeps must be those a
// decode and compare keeps: packed addresses (unset ones too) and integers, an address column
// stored otherwise, a group left unpacked by an IPv6 row, and the same columns once decoded.
TEST(BlockCodecTest, FilterEqualAgreesWithDecodedValues) {
  auto records = ShapedSessions(9000);
  std::mt19937_64 addresses(11);  // nat_ip: any IPv4 address or unset, packed in 33 bits
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].nat_ip =
        i % 50 == 17 ? IpAddress() : IpAddress::FromV4HostOrder(static_cast<uint32_t>(addresses()));
  }
  records[4100].nat_ip = *IpAddress::Parse("2001:db8::5");  // its group is not packed
  const std::string block = BlockOf(records, "s1");
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  const size_t nat_ip = static_cast<size_t>(ColumnIndex(StreamId::kSession, "nat_ip"));
  const size_t src_ip = static_cast<size_t>(ColumnIndex(StreamId::kSession, "src_ip"));
  const size_t src_port = static_cast<size_t>(ColumnIndex(StreamId::kSession, "src_port"));
  const size_t bytes_up = static_cast<size_t>(ColumnIndex(StreamId::kSession, "bytes_up"));
  EXPECT_EQ(header->columns[nat_ip].chunks[0].codec, bf::kCodecPacked);
  EXPECT_NE(header->columns[nat_ip].chunks[1].codec, bf::kCodecPacked);
  EXPECT_EQ(header->columns[src_port].chunks[0].codec, bf::kCodecPacked);
  std::mt19937_64 rng(5);
  auto some_rows = [&](uint32_t g) {
    std::vector<uint32_t> rows;
    for (uint32_t r = header->GroupBegin(g); r < header->GroupEnd(g); ++r) {
      if (rng() % 4) rows.push_back(r);  // as a time range leaves some out
    }
    return rows;
  };
  for (int trial = 0; trial < 60; ++trial) {
    const uint32_t pick = trial == 0 ? 17 : static_cast<uint32_t>(rng() % records.size());
    const uint32_t g = header->GroupOf(pick);
    const record::SessionRecord& target = records[pick];
    const std::vector<uint32_t> rows = some_rows(g);
    auto want = [&](auto same) {
      std::vector<uint32_t> out;
      for (uint32_t r : rows) {
        if (same(records[r])) out.push_back(r);
      }
      return out;
    };
    auto reader = BlockReader::Open(block);  // fresh: nothing decoded yet
    ASSERT_TRUE(reader.ok());
    auto check = [&](size_t c, const auto& value, const std::vector<uint32_t>& expected) {
      std::vector<uint32_t> got = rows;
      ASSERT_TRUE((*reader)->FilterEqual(c, g, value, &got).ok());
      EXPECT_EQ(got, expected) << "trial " << trial << " column "
                               << ColumnName(StreamId::kSession, c);
    };
    const auto nat = want([&](const auto& r) { return r.nat_ip == target.nat_ip; });
    const auto src = want([&](const auto& r) { return r.src_ip == target.src_ip; });
    const auto sport = want([&](const auto& r) { return r.src_port == target.src_port; });
    const auto up = want([&](const auto& r) { return r.bytes_up == target.bytes_up; });
    check(nat_ip, target.nat_ip, nat);
    check(src_ip, target.src_ip, src);
    check(src_port, uint64_t{target.src_port}, sport);
    check(bytes_up, target.bytes_up, up);
    // Decoded, the same answers from the decoded values.
    for (size_t c : {nat_ip, src_port, bytes_up}) ASSERT_TRUE((*reader)->LoadColumn(c).ok());
    check(nat_ip, target.nat_ip, nat);
    check(src_port, uint64_t{target.src_port}, sport);
    check(bytes_up, target.bytes_up, up);
  }
  // Values no packed row can hold: an IPv6 address, an address absent from the group.
  auto reader = BlockReader::Open(block);
  ASSERT_TRUE(reader.ok());
  std::vector<uint32_t> rows = some_rows(0);
  ASSERT_TRUE((*reader)->FilterEqual(nat_ip, 0, *IpAddress::Parse("2001:db8::5"), &rows).ok());
  EXPECT_TRUE(rows.empty());
  rows = some_rows(0);
  ASSERT_TRUE((*reader)->FilterEqual(nat_ip, 0, *IpAddress::Parse("192.0.2.1"), &rows).ok());
  EXPECT_TRUE(rows.empty());
  // Wrong column types are refused.
  rows = some_rows(0);
  EXPECT_EQ((*reader)->FilterEqual(0, 0, uint64_t{1}, &rows).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ((*reader)->FilterEqual(src_port, 0, IpAddress(), &rows).code(),
            Status::Code::kInvalidArgument);
  // A changed byte of a packed chunk is Corruption, as for a decode.
  const BlockHeader::Chunk& chunk = header->columns[nat_ip].chunks[0];
  std::string damaged = block;
  damaged[chunk.offset + chunk.stored_bytes - 1] ^= 0x01;
  auto bad = BlockReader::Open(damaged);
  ASSERT_TRUE(bad.ok());
  rows = some_rows(0);
  EXPECT_EQ((*bad)->FilterEqual(nat_ip, 0, records[3].nat_ip, &rows).code(),
            Status::Code::kCorruption);
}

}  // namespace
}  // namespace netward::store
