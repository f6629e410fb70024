// Tests of the block format's compact column encodings (docs/store-format.md, "Packed chunks"
// and "String chunks"): frame-of-reference bit packing of Time, integer and Ip chunks
// (store/int_codec.h), later Time columns coded from ts, fixed-length String values stored byte
// plane by plane; each round-trips, is chosen where it is smaller, and its damage is Corruption.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "record/json_encoder.h"
#include "store/block_codec.h"
#include "store/block_format.h"
#include "store/int_codec.h"

namespace netward::store {
namespace {

namespace bf = block_format;
using record::StreamId;

// ---- int_codec. ----

std::vector<uint64_t> RoundTrip(const std::vector<uint64_t>& codes, bool is_signed,
                                int_codec::Plan* plan_out = nullptr) {
  int_codec::Plan plan = int_codec::MakePlan(codes.data(), codes.size(), is_signed);
  EXPECT_TRUE(plan.ok);
  std::vector<uint8_t> bytes(plan.bytes + 16, 0xee);
  uint8_t* end = int_codec::Pack(codes.data(), codes.size(), plan, bytes.data());
  EXPECT_EQ(static_cast<size_t>(end - bytes.data()), plan.bytes);
  std::vector<uint64_t> out(codes.size(), 12345);
  EXPECT_TRUE(int_codec::Unpack(bytes.data(), bytes.data() + plan.bytes, codes.size(), out.data()));
  if (plan_out) *plan_out = plan;
  return out;
}

TEST(IntCodecTest, RoundTripsEveryWidth) {
  std::mt19937_64 rng(3);
  for (unsigned width = 0; width <= int_codec::kMaxWidth; ++width) {
    for (size_t n : {1, 2, 7, 8, 9, 63, 64, 65, 4096}) {
      std::vector<uint64_t> codes(n);
      const uint64_t mask = width == 0 ? 0 : (width == 64 ? ~0ull : (1ull << width) - 1);
      for (auto& c : codes) c = 1000 + (rng() & mask);
      int_codec::Plan plan;
      ASSERT_EQ(RoundTrip(codes, false, &plan), codes) << "width " << width << " n " << n;
      EXPECT_LE(plan.width, width);
    }
  }
}

// PackedView::Sum: the sum of the first `count` codes as Unpack gives them (modulo 2^64), at
// every width, with signed bases and strides, for every count up to n (the tail's short loads).
TEST(IntCodecTest, PackedSumEqualsTheSumOfTheCodes) {
  std::mt19937_64 rng(4);
  int tested = 0;
  for (unsigned width = 0; width <= int_codec::kMaxWidth; width += 1 + width / 8) {
    for (size_t n : {1, 2, 9, 65, 300}) {
      std::vector<uint64_t> codes(n);
      const uint64_t mask = width == 0 ? 0 : (1ull << width) - 1;
      const uint64_t stride = rng() % 3 == 0 ? 1'000'000 : 1;
      for (auto& c : codes) c = static_cast<uint64_t>(-5'000'000'000LL) + stride * (rng() & mask);
      int_codec::Plan plan = int_codec::MakePlan(codes.data(), n, true);
      if (!plan.ok) continue;
      ++tested;
      std::vector<uint8_t> bytes(plan.bytes);
      int_codec::Pack(codes.data(), n, plan, bytes.data());
      int_codec::PackedView view;
      ASSERT_TRUE(int_codec::ParsePacked(bytes.data(), bytes.data() + bytes.size(), n, &view));
      uint64_t want = 0;
      for (size_t count = 0; count <= n; ++count) {
        ASSERT_EQ(view.Sum(count), want) << "width " << width << " n " << n << " count " << count;
        if (count < n) want += codes[count];
      }
    }
  }
  EXPECT_GT(tested, 70);
}

TEST(IntCodecTest, SignedBaseAndCommonStride) {
  // Differences of a timestamp column in whole seconds, some negative: width of (max-min)/1e6.
  std::vector<uint64_t> codes;
  for (int i = 0; i < 100; ++i) codes.push_back(static_cast<uint64_t>((i % 7 - 3) * 1'000'000LL));
  int_codec::Plan plan;
  EXPECT_EQ(RoundTrip(codes, true, &plan), codes);
  EXPECT_EQ(plan.mul, 1'000'000u);
  EXPECT_EQ(plan.width, 3);  // 0..6
  EXPECT_EQ(static_cast<int64_t>(plan.base), -3'000'000);
  // All equal: width 0, no bits.
  std::vector<uint64_t> same(50, 443);
  EXPECT_EQ(RoundTrip(same, false, &plan), same);
  EXPECT_EQ(plan.width, 0);
  EXPECT_EQ(plan.bytes, 1u + 2u + 1u);
  // Too wide to pack.
  std::vector<uint64_t> wide = {0, 1, uint64_t{1} << 60};
  EXPECT_FALSE(int_codec::MakePlan(wide.data(), wide.size(), false).ok);
}

TEST(IntCodecTest, MalformedBytesAreRejected) {
  std::vector<uint64_t> codes = {5, 9, 13, 6, 7};
  int_codec::Plan plan = int_codec::MakePlan(codes.data(), codes.size(), false);
  std::vector<uint8_t> bytes(plan.bytes);
  int_codec::Pack(codes.data(), codes.size(), plan, bytes.data());
  ASSERT_EQ(plan.width, 4);  // differences 0, 4, 8, 1, 2: 20 bits in 3 bytes
  std::vector<uint64_t> out(codes.size() + 2);
  const uint8_t* b = bytes.data();
  EXPECT_TRUE(int_codec::Unpack(b, b + bytes.size(), codes.size(), out.data()));
  EXPECT_FALSE(int_codec::Unpack(b, b + bytes.size() - 1, codes.size(), out.data()));  // short
  EXPECT_FALSE(int_codec::Unpack(b, b + bytes.size(), codes.size() + 2, out.data()));
  EXPECT_FALSE(int_codec::Unpack(b, b, codes.size(), out.data()));  // empty
  std::vector<uint8_t> bad = bytes;
  bad[0] = 57;  // width over kMaxWidth
  EXPECT_FALSE(int_codec::Unpack(bad.data(), bad.data() + bad.size(), codes.size(), out.data()));
  bad = bytes;
  bad[2] = 0;  // mul 0
  EXPECT_FALSE(int_codec::Unpack(bad.data(), bad.data() + bad.size(), codes.size(), out.data()));
  bad = bytes;
  bad.back() |= 0x80;  // an unused bit set: 5 codes of 4 bits use 20 of 24
  EXPECT_FALSE(int_codec::Unpack(bad.data(), bad.data() + bad.size(), codes.size(), out.data()));
}

// ---- Packed and transposed chunks in blocks. ----

template <typename R>
std::string Encode(const std::vector<R>& records) {
  BlockBuilder builder(R::kStream);
  for (const R& r : records) builder.Add(r, "site-1");
  std::string out;
  builder.Finish(100, 1, &out);
  return out;
}

template <typename R>
void ExpectSameJson(const std::vector<R>& records, const std::string& block) {
  auto reader = BlockReader::Open(block);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  for (size_t c = 0; c < ColumnCount(R::kStream); ++c) {
    ASSERT_TRUE((*reader)->LoadColumn(c).ok()) << ColumnName(R::kStream, c);
  }
  for (uint32_t row = 0; row < records.size(); ++row) {
    std::string want, got;
    record::EncodeJsonLine(records[row], "site-1", &want);
    ASSERT_TRUE((*reader)->AppendJsonLine(row, &got).ok());
    ASSERT_EQ(got, want) << "row " << row;
  }
}

// NAT mappings shaped like a CGNAT's: second timestamps, ports of a block, few public addresses.
std::vector<record::NatRecord> CgnatRecords(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<record::NatRecord> records(n);
  for (size_t i = 0; i < n; ++i) {
    record::NatRecord& r = records[i];
    r.ts = 1'795'000'000'000'000 + static_cast<TimestampUs>(i / 3) * 1'000'000;
    r.end_ts = i % 10 == 0 ? 0 : r.ts + static_cast<TimestampUs>(10 + rng() % 40) * 1'000'000;
    r.proto = rng() & 1 ? "tcp" : "udp";
    r.inside_ip = IpAddress::FromV4HostOrder(0x64400000u + static_cast<uint32_t>(rng() % 100000));
    r.inside_port = static_cast<uint16_t>(1024 + rng() % 64000);
    r.outside_ip = IpAddress::FromV4HostOrder(0xcb007100u + static_cast<uint32_t>(rng() % 1500));
    r.outside_port = static_cast<uint16_t>(1024 + rng() % 64000);
    if (i % 5 != 0) {
      r.remote_ip = IpAddress::FromV4HostOrder(0x08000000u + static_cast<uint32_t>(rng() % 5000));
    }
    r.remote_port = rng() & 1 ? 443 : 80;
    r.source = "ipfix";
  }
  return records;
}

TEST(BlockPackedTest, CgnatColumnsArePackedAndRoundTrip) {
  auto records = CgnatRecords(10000, 1);
  std::string block = Encode(records);
  ExpectSameJson(records, block);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  for (std::string_view field : {"inside_ip", "inside_port", "outside_ip", "outside_port"}) {
    const auto c = static_cast<size_t>(ColumnIndex(StreamId::kNat, field));
    for (const auto& chunk : header->columns[c].chunks) {
      EXPECT_EQ(chunk.codec, bf::kCodecPacked) << field;
    }
  }
  // 100 000 inside addresses: 17 bits a row, well under the 5-byte inline encoding.
  const auto inside = static_cast<size_t>(ColumnIndex(StreamId::kNat, "inside_ip"));
  EXPECT_LT(header->columns[inside].stored_bytes, 10000u * 17 / 8 + 100);
  // end_ts is coded from ts, so whole-second durations take a few bits even with open mappings.
  const auto end_ts = static_cast<size_t>(ColumnIndex(StreamId::kNat, "end_ts"));
  EXPECT_LT(header->columns[end_ts].stored_bytes, 10000u * 3);
}

TEST(BlockPackedTest, MixedAddressFamiliesAndExtremeTimes) {
  // IPv6 rows leave their row group's chunk unpacked; extreme ts differences too; both must
  // still round-trip, as must unset addresses among IPv4 ones.
  auto records = CgnatRecords(9000, 2);
  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  records[100].inside_ip = IpAddress::FromV6(v6);  // row group 0
  records[5000].ts = INT64_MIN;                    // row group 1
  records[5001].ts = INT64_MAX;
  records[5001].end_ts = INT64_MIN;
  records[8200].outside_ip = IpAddress();  // row group 2
  std::string block = Encode(records);
  ExpectSameJson(records, block);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  const auto inside = static_cast<size_t>(ColumnIndex(StreamId::kNat, "inside_ip"));
  EXPECT_NE(header->columns[inside].chunks[0].codec, bf::kCodecPacked);
  EXPECT_EQ(header->columns[inside].chunks[1].codec, bf::kCodecPacked);
  EXPECT_NE(header->columns[0].chunks[1].codec, bf::kCodecPacked);
}

TEST(BlockPackedTest, UnsetEndTimesCostNothing) {
  // Open mappings (end_ts 0) in one row group, half open in the next: the first is coded from
  // the row before (all 0), the second from ts; both round-trip.
  auto records = CgnatRecords(8192, 5);
  for (size_t i = 0; i < records.size(); ++i) {
    if (i < 4096 || i % 2 == 0) records[i].end_ts = 0;
  }
  std::string block = Encode(records);
  ExpectSameJson(records, block);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  const auto end_ts = static_cast<size_t>(ColumnIndex(StreamId::kNat, "end_ts"));
  EXPECT_LT(header->columns[end_ts].chunks[0].stored_bytes, 64u);
}

TEST(BlockPackedTest, FixedLengthStringsAreTransposed) {
  // MACs, calling numbers and accounts of 3000 subscribers: new values of one length.
  std::mt19937_64 rng(9);
  std::vector<record::SessionRecord> records(8192);
  for (size_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    const uint64_t s = rng() % 3000;
    char mac[32];
    std::snprintf(mac, sizeof mac, "02:%02x:%02x:%02x:%02x:%02x", unsigned(s * 7 & 255),
                  unsigned(s * 13 & 255), unsigned(s & 255), unsigned(s >> 8), unsigned(s % 7));
    r.ts = 1'780'000'000'000'000 + static_cast<TimestampUs>(i) * 1000;
    r.mac = mac;
    r.account = "u" + std::to_string(1000000 + s);
    r.calling_id = i % 2 ? "" : std::to_string(100000000 + s * 31);  // mixed: empty and 9
    r.host = "h" + std::to_string(s % 3);                            // short, repeated
  }
  std::string block = Encode(records);
  ExpectSameJson(records, block);
  auto reader = BlockReader::Open(block);
  ASSERT_TRUE(reader.ok());
  const auto mac = static_cast<size_t>(ColumnIndex(StreamId::kSession, "mac"));
  ASSERT_TRUE((*reader)->LoadGroup(mac, 1).ok());
  // Distinct values by number, as a search tests them.
  const uint32_t values = (*reader)->StringValueCount(mac, 1);
  EXPECT_GT(values, 1000u);
  for (uint32_t row = 4096; row < 4200; ++row) {
    EXPECT_EQ((*reader)->StringValue(mac, 1, (*reader)->StringIdAt(mac, row)), records[row].mac);
  }
}

TEST(BlockPackedTest, DamagedPackedOrTransposedChunkIsCorruption) {
  auto records = CgnatRecords(300, 3);
  std::string block = Encode(records);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  // Every byte of the packed and transposed chunks, flipped, with the checksums skipped: the
  // decoder either rejects it or decodes other values; never reads out of bounds.
  for (size_t c = 0; c < header->columns.size(); ++c) {
    const BlockHeader::Chunk& chunk = header->columns[c].chunks[0];
    if (chunk.codec != bf::kCodecPacked) continue;
    for (uint32_t i = 0; i < chunk.stored_bytes; ++i) {
      std::string damaged = block;
      damaged[chunk.offset + i] = static_cast<char>(damaged[chunk.offset + i] ^ 0x41);
      auto verified = BlockReader::Open(damaged);
      ASSERT_TRUE(verified.ok());
      Status s = (*verified)->LoadColumn(c);
      EXPECT_EQ(s.code(), Status::Code::kCorruption) << ColumnName(StreamId::kNat, c) << " " << i;
      auto unverified = BlockReader::OpenUnverifiedForFuzzing(damaged);
      ASSERT_TRUE(unverified.ok());
      Status u = (*unverified)->LoadColumn(c);
      EXPECT_TRUE(u.ok() || u.code() == Status::Code::kCorruption) << u.ToString();
    }
  }
}

TEST(BlockPackedTest, PackedCodecOnAStringColumnIsCorruption) {
  auto records = CgnatRecords(10, 4);
  std::string block = Encode(records);
  auto header = ParseBlockHeader(block);
  ASSERT_TRUE(header.ok());
  // The chunk entries follow the group and column entries; proto is column 2.
  const size_t groups = header->groups.size();
  const size_t entry = bf::kFixedBytes + groups * bf::kGroupEntryBytes +
                       header->columns.size() * bf::kColumnEntryBytes +
                       2 * groups * bf::kChunkEntryBytes;
  block[entry + bf::kChunkCodec] = static_cast<char>(bf::kCodecPacked);
  auto reader = BlockReader::OpenUnverifiedForFuzzing(block);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), Status::Code::kCorruption);
  EXPECT_NE(reader.status().message().find("unknown codec 2"), std::string::npos)
      << reader.status().ToString();
}

}  // namespace
}  // namespace netward::store
