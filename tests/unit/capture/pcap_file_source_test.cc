// tests/unit/capture/pcap_file_source_test.cc: opening, reading and failing to read capture files.
#include "capture/pcap_file_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace netward::capture {
namespace {

const std::string kCorpus = NW_CORPUS_DIR;

bool HaveCorpus() {
  struct stat st;
  return stat((kCorpus + "/zeek/traces").c_str(), &st) == 0;
}

class PcapFileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nw_pcap_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0); }
  std::string dir_;
};

TEST_F(PcapFileSourceTest, MissingFile) {
  auto src = PcapFileSource::Open(dir_ + "/nope.pcap");
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().code(), Status::Code::kNotFound);
  EXPECT_NE(src.status().message().find("nope.pcap"), std::string::npos);
}

TEST_F(PcapFileSourceTest, NotAPcap) {
  std::string path = dir_ + "/x.pcap";
  std::ofstream(path) << "hello, this is not a capture file\n";
  auto src = PcapFileSource::Open(path);
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().code(), Status::Code::kCorruption);
  EXPECT_NE(src.status().message().find("x.pcap: not a pcap or pcapng file"), std::string::npos)
      << src.status().message();
  auto dir = PcapFileSource::Open(dir_);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), Status::Code::kIOError);
}

TEST_F(PcapFileSourceTest, ReadsAllPackets) {
  if (!HaveCorpus()) GTEST_SKIP() << "no corpus";
  auto src = PcapFileSource::Open(kCorpus + "/zeek/traces/q-in-q.pcap");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_EQ((*src)->linktype(), kLinkEthernet);
  EXPECT_GT((*src)->file_size(), 0u);
  RawPacket raw;
  int n = 0;
  TimestampUs last = 0;
  for (;;) {
    Result<bool> more = (*src)->Next(&raw);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ++n;
    EXPECT_GE(raw.ts, last);
    EXPECT_GT(raw.ts, 1000000000LL * kUsPerSecond);  // after 2001
    last = raw.ts;
    EXPECT_LE(raw.caplen, raw.wirelen);
    EXPECT_EQ(raw.linktype, kLinkEthernet);
  }
  EXPECT_EQ(n, 5);
  EXPECT_EQ((*src)->packets_read(), 5u);
  EXPECT_EQ((*src)->bytes_read(), (*src)->file_size());
  Result<bool> again = (*src)->Next(&raw);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST_F(PcapFileSourceTest, Gzip) {
  if (!HaveCorpus()) GTEST_SKIP() << "no corpus";
  std::string gz = dir_ + "/q.pcap.gz";
  ASSERT_EQ(
      std::system(("gzip -c '" + kCorpus + "/zeek/traces/q-in-q.pcap' > '" + gz + "'").c_str()), 0);
  auto src = PcapFileSource::Open(gz);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  RawPacket raw;
  int n = 0;
  while (true) {
    Result<bool> more = (*src)->Next(&raw);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    ++n;
  }
  EXPECT_EQ(n, 5);
  // A damaged gzip file.
  std::string bad = dir_ + "/bad.pcap.gz";
  std::ofstream(bad) << "\x1f\x8b garbage";
  auto broken = PcapFileSource::Open(bad);
  EXPECT_FALSE(broken.ok());
}

TEST_F(PcapFileSourceTest, TruncatedFileIsCorruption) {
  if (!HaveCorpus()) GTEST_SKIP() << "no corpus";
  std::ifstream in(kCorpus + "/zeek/traces/q-in-q.pcap", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string path = dir_ + "/cut.pcap";
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 10);
  auto src = PcapFileSource::Open(path);
  ASSERT_TRUE(src.ok());
  RawPacket raw;
  Status last;
  int n = 0;
  for (int i = 0; i < 10; ++i) {
    Result<bool> more = (*src)->Next(&raw);
    if (!more.ok()) {
      last = more.status();
      break;
    }
    if (!*more) break;
    ++n;
  }
  EXPECT_EQ(n, 4);
  EXPECT_EQ(last.code(), Status::Code::kCorruption);
  EXPECT_NE(last.message().find("cut.pcap: packet 5"), std::string::npos) << last.message();
}

}  // namespace
}  // namespace netward::capture
