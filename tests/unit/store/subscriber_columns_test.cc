// Subscriber columns (block format v5): rows whose subscriber values repeat what the segment's
// earlier blocks stored for their client address are stored implicit and resolved from the
// segment's dictionary; blocks, stores, reopening, retention and verify must see the values as
// if every row stored them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "record/json_encoder.h"
#include "store/block_codec.h"
#include "store/store.h"
#include "store/stream_files.h"
#include "store/stream_snapshot.h"
#include "store/verifier.h"
#include "unit/store/store_test_util.h"

namespace netward::store {
namespace {

using record::SessionRecord;
using record::StreamId;

constexpr TimestampUs kDay = 86400LL * kUsPerSecond;

// Subscriber `key`'s session at ts; its subscriber fields derive from key (and `account`, when
// given: DHCP churn, the address now held by another account).
SessionRecord Sub(int key, TimestampUs ts, const std::string& account = "") {
  SessionRecord r;
  r.ts = ts;
  r.end_ts = ts + 700;
  r.proto = "tcp";
  r.src_ip = IpAddress::FromV4HostOrder(0x0a000000u + static_cast<uint32_t>(key));
  r.src_port = static_cast<uint16_t>(20000 + ts % 1000);
  r.nat_ip = IpAddress::FromV4HostOrder(0xc6336400u + static_cast<uint32_t>(key % 7));
  r.nat_port = static_cast<uint16_t>(30000 + ts % 997);
  r.dst_ip = IpAddress::FromV4HostOrder(0x5db8d822u);
  r.dst_port = 443;
  r.vlan = static_cast<uint16_t>(100 + key % 3);
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:00:00:00:%02x:%02x", (key >> 8) & 0xff, key & 0xff);
  r.mac = mac;
  r.account = account.empty() ? "acct" + std::to_string(key) : account;
  r.calling_id = "1555" + std::to_string(1000 + key);
  r.host = key % 5 == 0 ? "bank.example.com" : "news.example.org";
  r.bytes_up = static_cast<uint64_t>(ts % 100000);
  return r;
}

std::string Line(const SessionRecord& r) {
  std::string s;
  record::EncodeJsonLine(r, "site1", &s);
  return s;
}

// Four blocks of one segment; key 5 churns (new account in block 1, back in block 2); key 7
// changes mid-block 1 (its later rows there are explicit again: the dictionary is frozen at the
// block's start).
struct Built {
  std::vector<std::string> blocks;
  std::vector<uint64_t> first_seqs;
  std::vector<std::vector<std::string>> lines;
  SubscriberDictionary writer_dict;
};

Built BuildBlocks() {
  Built out;
  BlockBuilder builder(StreamId::kSession);
  uint64_t seq = 1000;
  for (int b = 0; b < 4; ++b) {
    out.lines.emplace_back();
    const int rows = b == 3 ? 5000 : 300;  // the last spans two row groups
    for (int i = 0; i < rows; ++i) {
      const int key = (i * 7 + b) % 40;
      std::string account;
      if (key == 5 && b == 1) account = "acct5-new";
      if (key == 7 && b == 1 && i >= rows / 2) account = "acct7-moved";
      const SessionRecord r = Sub(key, 1700000000000000 + b * 1000000 + i * 10, account);
      builder.Add(r, "site1");
      out.lines.back().push_back(Line(r));
    }
    out.first_seqs.push_back(seq);
    out.blocks.emplace_back();
    builder.Finish(seq, 1, &out.blocks.back(), &out.writer_dict);
    seq += static_cast<uint64_t>(rows);
  }
  return out;
}

TEST(SubscriberColumnsTest, StreamsDeclareTheirColumns) {
  const int key = SubscriberKeyColumn(StreamId::kSession);
  ASSERT_GE(key, 0);
  EXPECT_EQ(ColumnName(StreamId::kSession, static_cast<size_t>(key)), "src_ip");
  std::vector<std::string> names;
  for (size_t c : SubscriberColumns(StreamId::kSession)) {
    names.emplace_back(ColumnName(StreamId::kSession, c));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"nat_ip", "vlan", "mac", "account", "calling_id"}));
  for (StreamId s : {StreamId::kDns, StreamId::kHttp, StreamId::kTls, StreamId::kMail}) {
    EXPECT_EQ(SubscriberColumns(s).size(), 4u) << record::StreamName(s);  // not nat_port
  }
  EXPECT_EQ(SubscriberKeyColumn(StreamId::kNat), -1);
  EXPECT_TRUE(SubscriberColumns(StreamId::kLogin).empty());
}

TEST(SubscriberColumnsTest, ImplicitRowsRoundTripAcrossBlocks) {
  Built built = BuildBlocks();
  SubscriberDictionary dict;  // the reader's, block after block
  for (size_t b = 0; b < built.blocks.size(); ++b) {
    SCOPED_TRACE("block " + std::to_string(b));
    auto reader = BlockReader::Open(built.blocks[b], &dict);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    BlockReader& r = *reader.value();
    // The first block of a segment has nothing to refer to; the later ones mostly do.
    EXPECT_EQ(r.header().has_implicit_rows(), b > 0);
    for (size_t c = 0; c < ColumnCount(StreamId::kSession); ++c) {
      ASSERT_TRUE(r.LoadColumn(c).ok()) << ColumnName(StreamId::kSession, c);
    }
    ASSERT_TRUE(r.CheckFilters().ok());
    for (uint32_t row = 0; row < r.header().count; ++row) {
      std::string line;
      ASSERT_TRUE(r.AppendJsonLine(row, &line).ok());
      ASSERT_EQ(line, built.lines[b][row]) << "row " << row;
    }
    uint32_t explicit_rows = 0;
    ASSERT_TRUE(r.ForEachExplicitRow([&](uint32_t, const IpAddress&, std::string_view) {
                   ++explicit_rows;
                 }).ok());
    if (b == 0) {
      EXPECT_EQ(explicit_rows, r.header().count);
    }
    if (b == 2) {  // keys 5 and 7 back to their old values: explicit; nothing else is
      uint32_t churned = 0;
      for (const std::string& l : built.lines[b]) {
        churned += l.find("\"10.0.0.5\"") != std::string::npos ||
                   l.find("\"10.0.0.7\"") != std::string::npos;
      }
      EXPECT_GT(churned, 0u);
      EXPECT_EQ(explicit_rows, churned);
    }
    // Searches see the resolved values: the Bloom filter holds them.
    EXPECT_TRUE(r.header().MayContain("account", "acct11"));
    ASSERT_TRUE(dict.AddBlock(r).ok());
  }
  // A block that follows none of those added is refused.
  auto again = BlockReader::Open(built.blocks[1], &dict);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(dict.AddBlock(*again.value()).ok());

  // What the reader rebuilt is what the writer kept.
  for (int key = 0; key < 40; ++key) {
    const IpAddress ip = IpAddress::FromV4HostOrder(0x0a000000u + static_cast<uint32_t>(key));
    EXPECT_EQ(dict.Find(ip, UINT64_MAX), built.writer_dict.Find(ip, UINT64_MAX)) << key;
  }
  // Key 5 as of each block: original, new (set in block 1), original again (block 2).
  const IpAddress five = IpAddress::FromV4HostOrder(0x0a000005u);
  auto account_of = [&](uint64_t seq) {
    const std::string_view t = dict.Find(five, seq);
    return t.find("acct5-new") != std::string_view::npos ? "new" : t.empty() ? "none" : "old";
  };
  EXPECT_STREQ(account_of(built.first_seqs[0]), "none");
  EXPECT_STREQ(account_of(built.first_seqs[1]), "old");
  EXPECT_STREQ(account_of(built.first_seqs[2]), "new");
  EXPECT_STREQ(account_of(built.first_seqs[3]), "old");
  EXPECT_GT(dict.versions(), dict.keys());

  // Implicit rows cost nothing in the subscriber columns.
  EXPECT_LT(built.blocks[2].size(), built.blocks[0].size());
}

TEST(SubscriberColumnsTest, ImplicitRowsNeedTheDictionary) {
  Built built = BuildBlocks();
  auto alone = BlockReader::Open(built.blocks[1]);  // no dictionary
  ASSERT_TRUE(alone.ok());
  EXPECT_TRUE(alone.value()->LoadColumn(0).ok());  // ts stores every row
  const auto account = static_cast<size_t>(ColumnIndex(StreamId::kSession, "account"));
  Status st = alone.value()->LoadColumn(account);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("read on its own"), std::string::npos) << st.ToString();
  std::string line;
  EXPECT_FALSE(alone.value()->AppendJsonLine(0, &line).ok());

  // An empty dictionary: the keys are not in it.
  SubscriberDictionary empty;
  auto unresolved = BlockReader::Open(built.blocks[1], &empty);
  ASSERT_TRUE(unresolved.ok());
  st = unresolved.value()->LoadGroup(account, 0);
  EXPECT_NE(st.message().find("holds none for src_ip"), std::string::npos) << st.ToString();
}

TEST(SubscriberColumnsTest, SnapshotEncodingStoresEveryRow) {
  SubscriberDictionary dict;
  BlockBuilder builder(StreamId::kSession);
  std::string first, partial, full;
  for (int i = 0; i < 100; ++i) builder.Add(Sub(i % 10, 1700000000000000 + i), "site1");
  builder.Finish(0, 1, &first, &dict);
  for (int i = 0; i < 100; ++i) builder.Add(Sub(i % 10, 1700000001000000 + i), "site1");
  builder.Encode(100, 1, &partial);  // the WAL's: decodes on its own
  auto header = ParseBlockHeader(partial);
  ASSERT_TRUE(header.ok());
  EXPECT_FALSE(header->has_implicit_rows());
  auto reader = BlockReader::Open(partial);
  ASSERT_TRUE(reader.ok());
  std::string line;
  EXPECT_TRUE(reader.value()->AppendJsonLine(99, &line).ok());
  builder.Finish(100, 1, &full, &dict);  // the same rows, against the segment: all implicit
  header = ParseBlockHeader(full);
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE(header->has_implicit_rows());
  EXPECT_LT(full.size(), partial.size());
}

// ---- The store. ----

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct BlockInfo {
  std::string segment;
  uint64_t offset = 0;
  BlockHeader header;
};

std::vector<BlockInfo> Blocks(const std::string& stream_dir) {
  std::vector<BlockInfo> out;
  auto names = ListSegments(stream_dir);
  EXPECT_TRUE(names.ok());
  for (const std::string& path : names.value()) {
    const std::string data = ReadAll(path);
    uint64_t offset = 0;
    while (offset < data.size()) {
      auto h = ParseBlockHeader(std::string_view(data).substr(offset));
      EXPECT_TRUE(h.ok()) << h.status().ToString();
      if (!h.ok()) return out;
      out.push_back({path, offset, h.value()});
      offset += h->total_bytes;
    }
  }
  return out;
}

class SubscriberStoreTest : public ::testing::Test {
 protected:
  // Two days (two segments) of 40 subscribers, 64-record blocks, reopened mid-day: rows
  // appended after the reopen refer to the blocks written before it.
  void SetUp() override {
    day0_ = (NowUs() / kDay - 100) * kDay;  // old enough for a purge at retention 60
    Append(0, 300, day0_);
    Reopen();
    Append(300, 300, day0_);  // the same day: the open segment
    Append(600, 300, day0_ + kDay);
    Reopen();
    Append(900, 100, day0_ + kDay);
    ASSERT_TRUE(store_->Close().ok());
    store_.reset();
  }

  void Reopen() {
    if (store_) {
      ASSERT_TRUE(store_->Close().ok());
    }
    auto s = Store::Open(test_util::TestOptions(dir_.path(), 64));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s.value());
  }

  void Append(int first, int n, TimestampUs day) {
    if (!store_) Reopen();
    std::string lines;
    for (int i = first; i < first + n; ++i) {
      const int key = (i * 13) % 40;
      // Churn on day 2: key 3's address goes to another account.
      const std::string account = key == 3 && i >= 700 ? "acct3-dhcp" : "";
      const std::string line = Line(Sub(key, day + kUsPerSecond * 3600 + i * 1000, account));
      lines += line;
      expected_.push_back(line.substr(0, line.size() - 1));
    }
    ASSERT_TRUE(store_->AppendLines(StreamId::kSession, lines).ok());
  }

  std::vector<std::string> QueryAll(const QuerySpec& spec) {
    auto reader = StoreReader::Open(dir_.path());
    EXPECT_TRUE(reader.ok());
    std::vector<std::string> got;
    Status st = reader.value()->Query(spec, [&](uint64_t, std::string_view line) {
      got.emplace_back(line);
      return true;
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return got;
  }

  VerifyReport Verify() {
    VerifyReport report;
    EXPECT_TRUE(VerifyStore(dir_.path(), {}, &report).ok());
    return report;
  }

  std::string StreamDirectory() const { return StreamDir(dir_.path(), StreamId::kSession); }

  test_util::TempStoreDir dir_;
  std::unique_ptr<Store> store_;
  TimestampUs day0_ = 0;
  std::vector<std::string> expected_;
};

TEST_F(SubscriberStoreTest, EverySegmentStandsAlone) {
  const std::vector<BlockInfo> blocks = Blocks(StreamDirectory());
  ASSERT_GT(blocks.size(), 10u);
  std::map<std::string, int> per_segment;
  int implicit = 0;
  for (const BlockInfo& b : blocks) {
    // A segment's first block refers to nothing: retention, which drops whole segments, never
    // leaves a block whose dictionary is gone.
    if (per_segment[b.segment]++ == 0) {
      EXPECT_FALSE(b.header.has_implicit_rows()) << b.segment;
    }
    implicit += b.header.has_implicit_rows();
  }
  EXPECT_EQ(per_segment.size(), 2u);
  EXPECT_GT(implicit, 8);
  // After each reopen the writer rebuilt the open segment's dictionary: the first block written
  // after it (seq 256, and 856 on day 2: the WAL's records come back first) refers to the
  // earlier ones.
  for (const BlockInfo& b : blocks) {
    if (b.header.first_seq == 256 || b.header.first_seq == 856) {
      EXPECT_TRUE(b.header.has_implicit_rows()) << b.header.first_seq;
    }
  }
}

TEST_F(SubscriberStoreTest, QueriesAndVerifySeeEveryValue) {
  QuerySpec all;
  all.stream = StreamId::kSession;
  EXPECT_EQ(QueryAll(all), expected_);  // byte-identical JSON lines
  QuerySpec churned = all;
  churned.where = {{"account", "acct3-dhcp"}};
  size_t dhcp = 0;
  for (const std::string& l : expected_) dhcp += l.find("acct3-dhcp") != std::string::npos;
  EXPECT_GT(dhcp, 3u);
  EXPECT_EQ(QueryAll(churned).size(), dhcp);
  QuerySpec by_mac = all;
  by_mac.where = {{"mac", "02:00:00:00:00:11"}, {"vlan", "102"}};
  size_t want = 0;
  for (const std::string& l : expected_) want += l.find("00:00:11\"") != std::string::npos;
  EXPECT_EQ(QueryAll(by_mac).size(), want);
  VerifyReport report = Verify();
  EXPECT_TRUE(report.intact) << report.problem;

  std::vector<std::string> leaves;
  ASSERT_TRUE(ExportLeaves(dir_.path(), StreamId::kSession, [&](std::string_view l) {
                leaves.emplace_back(l);
              }).ok());
  EXPECT_EQ(leaves, expected_);
  auto proof = ProveInclusion(dir_.path(), StreamId::kSession, 700, 0);
  ASSERT_TRUE(proof.ok()) << proof.status().ToString();
  EXPECT_EQ(proof->leaf, expected_[700]);
}

TEST_F(SubscriberStoreTest, PurgingTheFirstDayKeepsTheSecondReadable) {
  Reopen();
  std::vector<PurgeReport> report;
  ASSERT_TRUE(store_->Purge(day0_ + 2 * kDay + 181 * kDay, &report).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  QuerySpec all;
  all.stream = StreamId::kSession;
  const std::vector<std::string> left = QueryAll(all);
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left.size(), expected_.size() - 600);  // day 1's 600 records are gone
  EXPECT_EQ(left.front(), expected_[600]);
  EXPECT_TRUE(Verify().intact);
}

TEST_F(SubscriberStoreTest, VerifyNamesAFlippedExplicitValue) {
  // A block with implicit rows whose account chunk is stored raw: find an explicit row's
  // account in the file and change one byte of it.
  const std::vector<BlockInfo> blocks = Blocks(StreamDirectory());
  const auto account = static_cast<size_t>(ColumnIndex(StreamId::kSession, "account"));
  for (const BlockInfo& b : blocks) {
    if (!b.header.has_implicit_rows()) continue;
    const BlockHeader::Chunk& chunk = b.header.columns[account].chunks[0];
    if (chunk.codec != 0 || chunk.raw_bytes < 4) continue;
    std::string data = ReadAll(b.segment);
    const uint64_t at = b.offset + chunk.offset;
    // Which record: the block's first explicit row.
    uint64_t seq = UINT64_MAX;
    {
      auto reader = BlockReader::Open(std::string_view(data).substr(b.offset));
      ASSERT_TRUE(reader.ok());
      ASSERT_TRUE(reader.value()
                      ->ForEachExplicitRow([&](uint32_t row, const IpAddress&, std::string_view) {
                        seq = std::min(seq, b.header.first_seq + row);
                      })
                      .ok());
    }
    // The chunk: layout byte 0, then per explicit row tag 0, length, bytes ("acct" + key).
    ASSERT_EQ(data[at], 0);
    ASSERT_EQ(data.substr(at + 3, 4), "acct");
    data[at + 4] = 'X';  // "aXct..."
    {
      std::ofstream out(b.segment, std::ios::binary | std::ios::trunc);
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
    }
    VerifyReport report = Verify();
    EXPECT_FALSE(report.intact);
    EXPECT_NE(report.problem.find("field account"), std::string::npos) << report.problem;
    EXPECT_NE(report.problem.find("record seq " + std::to_string(seq) + ","), std::string::npos)
        << report.problem;
    EXPECT_NE(report.problem.find(std::filesystem::path(b.segment).filename().string()),
              std::string::npos)
        << report.problem;
    return;
  }
  GTEST_SKIP() << "no raw-stored account chunk in a block with implicit rows";
}

}  // namespace
}  // namespace netward::store
