// Tampering with a closed store's files must make VerifyStore report it, naming the place:
// flipped bytes, truncation, deleted/swapped/duplicated blocks, a re-encoded block with one
// record changed, a forged checkpoint, and an untrusted public key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "record/json_decoder.h"
#include "record/json_encoder.h"
#include "store/block_codec.h"
#include "store/block_format.h"
#include "store/signing_key.h"
#include "store/store.h"
#include "store/stream_files.h"
#include "store/verifier.h"
#include "unit/store/store_test_util.h"

namespace netward::store {
namespace {

using test_util::SessionLines;
using test_util::TempStoreDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(out.good()) << path;
}

constexpr uint32_t kBlockRecords = 50;
constexpr int kBlocks = 6;

struct Block {
  uint64_t offset = 0;
  uint32_t bytes = 0;
  uint64_t first_seq = 0;
};

// A closed store of kBlocks full blocks (one segment) with checkpoints at 100, 200, 300 and 301
// (record 300 in the WAL).
class StoreTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions o = test_util::TestOptions(dir_.path(), kBlockRecords);
    // Noon of yesterday (UTC): every record falls in the same day, so in one segment.
    const TimestampUs day = 86400LL * kUsPerSecond;
    const TimestampUs t0 = (NowUs() / day) * day - day / 2;
    auto store = Store::Open(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int b = 0; b < kBlocks; ++b) {
      const int first = b * static_cast<int>(kBlockRecords);
      ASSERT_TRUE(store.value()
                      ->AppendLines(record::StreamId::kSession,
                                    SessionLines(kBlockRecords, t0 + first * 1000, first))
                      .ok());
      if (b % 2 == 1) {
        ASSERT_TRUE(store.value()->Checkpoint().ok());
      }
    }
    // One more record: the store seals a full block into the segment only when the next
    // record arrives, so this puts all kBlocks blocks into the segment (record 300 stays in the
    // WAL; Close() signs checkpoint #4 of size 301).
    ASSERT_TRUE(store.value()
                    ->AppendLines(record::StreamId::kSession, SessionLines(1, t0 + 300 * 1000, 300))
                    .ok());
    ASSERT_TRUE(store.value()->Close().ok());

    stream_dir_ = StreamDir(dir_.path(), record::StreamId::kSession);
    auto segments = ListSegments(stream_dir_);
    ASSERT_TRUE(segments.ok()) << segments.status().ToString();
    ASSERT_EQ(segments->size(), 1u);
    segment_ = segments.value()[0];
    segment_name_ = std::filesystem::path(segment_).filename().string();
    data_ = ReadFile(segment_);
    uint64_t offset = 0;
    while (offset < data_.size()) {
      auto h = ParseBlockHeader(std::string_view(data_).substr(offset));
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      blocks_.push_back({offset, h->total_bytes, h->first_seq});
      offset += h->total_bytes;
    }
    ASSERT_EQ(offset, data_.size());
    ASSERT_EQ(blocks_.size(), static_cast<size_t>(kBlocks));
  }

  std::string BlockBytes(int i) const { return data_.substr(blocks_[i].offset, blocks_[i].bytes); }

  VerifyReport Verify(const VerifyOptions& options = {}) {
    VerifyReport report;
    Status st = VerifyStore(dir_.path(), options, &report);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return report;
  }

  TempStoreDir dir_;
  std::string stream_dir_, segment_, segment_name_, data_;
  std::vector<Block> blocks_;
};

#define EXPECT_MENTIONS(report, text)                       \
  EXPECT_NE((report).problem.find(text), std::string::npos) \
      << "problem \"" << (report).problem << "\" does not mention \"" << (text) << "\""

TEST_F(StoreTamperTest, UntouchedStoreIsIntact) {
  VerifyReport report = Verify();
  EXPECT_TRUE(report.intact) << report.problem;
  ASSERT_EQ(report.streams.size() >= 1, true);
  bool found = false;
  for (const auto& s : report.streams) {
    if (s.stream != record::StreamId::kSession) continue;
    found = true;
    EXPECT_EQ(s.records, 301u);
    EXPECT_EQ(s.checkpoints, 4u);
    EXPECT_EQ(s.roots_checked, 4u);
    EXPECT_EQ(s.last_checkpoint_size, 301u);
    EXPECT_EQ(s.unsigned_records, 0u);
  }
  EXPECT_TRUE(found);
}

TEST_F(StoreTamperTest, FlippedByteInSegmentNamesTheSegment) {
  // Flip bytes at several places: the middle of the file and the middle of each block.
  std::vector<uint64_t> positions = {data_.size() / 2};
  for (const Block& b : blocks_) positions.push_back(b.offset + b.bytes / 2);
  for (uint64_t pos : positions) {
    std::string bad = data_;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x01);
    WriteFile(segment_, bad);
    VerifyReport report = Verify();
    EXPECT_FALSE(report.intact) << "flip at " << pos;
    EXPECT_MENTIONS(report, segment_name_);
  }
}

TEST_F(StoreTamperTest, TruncatedLastBlockIsDetected) {
  // Cut into the last block.
  WriteFile(segment_, data_.substr(0, blocks_.back().offset + blocks_.back().bytes / 2));
  VerifyReport report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_TRUE(report.problem.find("cut short") != std::string::npos ||
              report.problem.find("truncated") != std::string::npos ||
              report.problem.find("covers") != std::string::npos)
      << report.problem;
  EXPECT_MENTIONS(report, segment_name_);
  // Cut the last block off whole: the last checkpoint covers records that are gone.
  WriteFile(segment_, data_.substr(0, blocks_.back().offset));
  report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, "checkpoint #4");
  EXPECT_MENTIONS(report, "covers 301");
  EXPECT_MENTIONS(report, "ends at seq 250");
}

TEST_F(StoreTamperTest, DeletedMiddleBlockIsDetected) {
  std::string bad = data_;
  bad.erase(blocks_[2].offset, blocks_[2].bytes);
  WriteFile(segment_, bad);
  VerifyReport report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, segment_name_);
  EXPECT_MENTIONS(report, "from seq 150 but seq 100 was expected");
}

TEST_F(StoreTamperTest, SwappedBlocksAreDetected) {
  std::string bad = data_.substr(0, blocks_[1].offset) + BlockBytes(2) + BlockBytes(1) +
                    data_.substr(blocks_[3].offset);
  ASSERT_EQ(bad.size(), data_.size());
  WriteFile(segment_, bad);
  VerifyReport report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, segment_name_);
  EXPECT_MENTIONS(report, "from seq 100 but seq 50 was expected");
}

TEST_F(StoreTamperTest, DuplicatedBlockIsDetected) {
  std::string bad = data_;
  bad.insert(blocks_[4].offset, BlockBytes(3));
  WriteFile(segment_, bad);
  VerifyReport report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, segment_name_);
  EXPECT_MENTIONS(report, "from seq 150 but seq 200 was expected");
}

TEST_F(StoreTamperTest, ReencodedBlockWithOneChangedRecordBreaksTheCheckpoint) {
  // Block 2 holds seqs [100, 150); change record 120's account and re-encode the block so that
  // every per-block checksum is consistent again: only the Merkle root can tell.
  const int kBlock = 2;
  const uint32_t kRow = 20;
  std::string original = BlockBytes(kBlock);
  auto reader = BlockReader::Open(original);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ(reader.value()->header().first_seq, 100u);
  BlockBuilder builder(record::StreamId::kSession);
  for (uint32_t row = 0; row < reader.value()->header().count; ++row) {
    std::string line;
    ASSERT_TRUE(reader.value()->AppendJsonLine(row, &line).ok());
    record::SessionRecord r;
    std::string site;
    ASSERT_TRUE(record::DecodeJsonLine(line, &r, &site, nullptr).ok()) << line;
    if (row == kRow) {
      ASSERT_NE(r.account, "mallory");
      r.account = "mallory";
    }
    builder.Add(r, site);
  }
  std::string forged;
  builder.Finish(100, 3, &forged);
  ASSERT_NE(forged, original);
  auto check = BlockReader::Open(forged);
  ASSERT_TRUE(check.ok());
  std::string changed;
  ASSERT_TRUE(check.value()->AppendJsonLine(kRow, &changed).ok());
  ASSERT_NE(changed.find("\"mallory\""), std::string::npos);

  std::string bad = data_.substr(0, blocks_[kBlock].offset) + forged +
                    data_.substr(blocks_[kBlock].offset + blocks_[kBlock].bytes);
  WriteFile(segment_, bad);
  VerifyReport report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, "checkpoint #2");
  EXPECT_MENTIONS(report, "[100, 200)");
  EXPECT_MENTIONS(report, segment_name_);
}

// Rewrites checkpoint frame `index` of DIR/session/checkpoints with `edit` applied to its note,
// recomputing the frame's CRC so that the frame itself stays valid.
void EditCheckpoint(const std::string& stream_dir, size_t index,
                    const std::function<void(std::string*)>& edit) {
  const std::string path = stream_dir + "/checkpoints";
  std::string data = ReadFile(path);
  uint64_t valid = 0;
  std::vector<std::string_view> frames = ParseFrames(data, &valid);
  ASSERT_EQ(valid, data.size());
  ASSERT_LT(index, frames.size());
  std::string out;
  for (size_t i = 0; i < frames.size(); ++i) {
    std::string note(frames[i]);
    if (i == index) {
      std::string before = note;
      edit(&note);
      ASSERT_NE(note, before);
    }
    AppendFrame(note, &out);
  }
  WriteFile(path, out);
  auto notes = LoadCheckpointNotes(stream_dir, &valid);
  ASSERT_TRUE(notes.ok());
  ASSERT_EQ(notes->size(), frames.size());  // the frames are still whole
  ASSERT_EQ(valid, out.size());
}

// Replaces one base64 character of the given line (0-based) of a note.
void ChangeLineChar(std::string* note, int line) {
  size_t pos = 0;
  for (int i = 0; i < line; ++i) pos = note->find('\n', pos) + 1;
  // Skip the signature line's "— name " prefix: change a character near the end of the line.
  size_t end = note->find('\n', pos);
  size_t at = line == 2 ? pos : end - 3;
  (*note)[at] = (*note)[at] == 'A' ? 'B' : 'A';
}

TEST_F(StoreTamperTest, ForgedCheckpointRootNamesTheCheckpoint) {
  EditCheckpoint(stream_dir_, 1, [](std::string* note) { ChangeLineChar(note, 2); });
  VerifyReport report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, "checkpoints");
  EXPECT_MENTIONS(report, "checkpoint #2");
}

TEST_F(StoreTamperTest, ForgedCheckpointSignatureNamesTheCheckpoint) {
  // Line 4 is the signature line (line 3 is blank).
  EditCheckpoint(stream_dir_, 2, [](std::string* note) { ChangeLineChar(note, 4); });
  VerifyReport report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, "checkpoints");
  EXPECT_MENTIONS(report, "checkpoint #3");
}

TEST_F(StoreTamperTest, OtherPublicKeyFails) {
  auto key = SigningKey::Generate("auditor-test");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  const std::string pub = dir_.path() + "/other.pub";
  WriteFile(pub, key->VerifierKeyText() + "\n");
  VerifyOptions options;
  options.pubkey_path = pub;
  VerifyReport report = Verify(options);
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, "checkpoint #1");
  // The store's own key still verifies.
  report = Verify();
  EXPECT_TRUE(report.intact) << report.problem;
}

// A forger who blanks a search structure and fixes the header checksum (an unkeyed hash) hides
// records from queries while every record still re-derives its leaf: verify checks that the
// Bloom filter and the zone maps admit every row, and names the field and the record.
TEST_F(StoreTamperTest, BlankedSearchStructuresAreFound) {
  const Block& b = blocks_[2];
  auto h = ParseBlockHeaderInPlace(std::string_view(data_).substr(b.offset, b.bytes));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_FALSE(h->bloom.empty());
  auto reseal = [&](std::string* bad) {
    char* block = bad->data() + b.offset;
    const size_t at = h->header_bytes - block_format::kChecksumBytes;
    block_format::Store<uint64_t>(block + at, block_format::HeaderChecksum(block, at));
  };
  // Record 100 (the block's first): its src_ip, a value only this block's rows 0 and 50... hold.
  const std::string ip = IpAddress::FromV4HostOrder(0x0a000000 + 100 % 50).ToString();
  auto query_count = [&]() {
    auto reader = StoreReader::Open(dir_.path());
    EXPECT_TRUE(reader.ok());
    QuerySpec spec;
    spec.stream = record::StreamId::kSession;
    spec.where = {{"src_ip", ip}};
    size_t n = 0;
    EXPECT_TRUE(reader.value()
                    ->Query(spec,
                            [&](uint64_t seq, std::string_view) {
                              n += seq >= b.first_seq && seq < b.first_seq + kBlockRecords;
                              return true;
                            })
                    .ok());
    return n;
  };
  ASSERT_EQ(query_count(), 1u);

  std::string bad = data_;
  const size_t bloom_at =
      b.offset + static_cast<size_t>(h->bloom.data() - (data_.data() + b.offset));
  std::fill(bad.begin() + static_cast<std::ptrdiff_t>(bloom_at),
            bad.begin() + static_cast<std::ptrdiff_t>(bloom_at + h->bloom.size()), '\0');
  reseal(&bad);
  WriteFile(segment_, bad);
  EXPECT_EQ(query_count(), 0u);  // what the forger wanted
  VerifyReport report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, segment_name_);
  EXPECT_MENTIONS(report, "Bloom filter of column");
  EXPECT_MENTIONS(report, "record seq " + std::to_string(b.first_seq));

  // A zone map narrowed to exclude a row's src_port: the zone maps follow the Bloom bits; the
  // src_port column's entry for group 0 is the first zoned column's.
  bad = data_;
  const auto src_port = static_cast<size_t>(ColumnIndex(record::StreamId::kSession, "src_port"));
  size_t zoned_before = 0;
  for (size_t c = 0; c < src_port; ++c) zoned_before += (h->columns[c].flags & 2) != 0;
  const size_t groups = h->groups.size();
  const size_t zone_at =
      bloom_at + h->bloom.size() + (zoned_before * groups) * block_format::kZoneEntryBytes;
  uint64_t min_value = 0;
  std::memcpy(&min_value, bad.data() + zone_at, 8);
  ASSERT_EQ(min_value, h->columns[src_port].chunks[0].min_value);
  block_format::Store<uint64_t>(bad.data() + zone_at, min_value + 1);
  reseal(&bad);
  WriteFile(segment_, bad);
  report = Verify();
  EXPECT_FALSE(report.intact);
  EXPECT_MENTIONS(report, "zone map of column src_port");
  WriteFile(segment_, data_);
  EXPECT_TRUE(Verify().intact);
}

}  // namespace
}  // namespace netward::store
