#include "probe/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <sstream>

#include "probe/dns_name_cache.h"

namespace netward::probe {
namespace {

// Keeps every JSON line it is given, per stream.
class VectorSink : public record::RecordSink {
 public:
  void Consume(const record::RecordBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < record::kStreamCount; ++i) {
      std::istringstream in{std::string(batch.lines(static_cast<record::StreamId>(i)))};
      std::string line;
      while (std::getline(in, line)) lines[i].push_back(line);
    }
  }
  std::vector<std::string> Sorted(record::StreamId id) {
    auto v = lines[static_cast<size_t>(id)];
    std::sort(v.begin(), v.end());
    return v;
  }
  std::mutex mu_;
  std::array<std::vector<std::string>, record::kStreamCount> lines;
};

std::string Trace(const char* name) { return std::string(NW_CORPUS_DIR) + "/zeek/traces/" + name; }

TEST(PipelineTest, ReplaysACaptureIntoRecords) {
  if (!std::filesystem::exists(Trace("wikipedia.pcap"))) GTEST_SKIP() << "no corpus";
  VectorSink sink;
  ProbeConfig config;
  config.site = "T1";
  Pipeline pipeline(config, &sink);
  auto summary = pipeline.Replay({Trace("wikipedia.pcap")}, {});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->packets, 136u);
  // Zeek's conn.log for this trace (opt.basic) has 34 connections.
  EXPECT_EQ(sink.lines[0].size(), 34u);
  EXPECT_EQ(summary->records[0], 34u);
  EXPECT_EQ(summary->records[static_cast<size_t>(record::StreamId::kHttp)],
            sink.lines[static_cast<size_t>(record::StreamId::kHttp)].size());
  EXPECT_NE(sink.lines[0][0].find("\"site\":\"T1\""), std::string::npos);
}

// Sharding flows over threads must not change a single record.
TEST(PipelineTest, SeveralWorkersWriteExactlyTheRecordsOfOne) {
  std::vector<std::string> files;
  for (const char* t : {"wikipedia.pcap", "http/pipelined-requests.pcap", "smtp.pcap",
                        "tls/tls-conn-with-extensions.pcap", "dns/tkey.pcap"}) {
    if (std::filesystem::exists(Trace(t))) files.push_back(Trace(t));
  }
  if (files.empty()) GTEST_SKIP() << "no corpus";
  VectorSink one, three;
  ProbeConfig config;
  Pipeline p1(config, &one);
  ASSERT_TRUE(p1.Replay(files, {}).ok());
  config.workers = 3;
  Pipeline p3(config, &three);
  ASSERT_TRUE(p3.Replay(files, {}).ok());
  for (size_t i = 0; i < record::kStreamCount; ++i) {
    auto id = static_cast<record::StreamId>(i);
    std::vector<std::string> a = one.Sorted(id), b = three.Sorted(id), only_one, only_three;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_one));
    std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_three));
    EXPECT_TRUE(only_one.empty() && only_three.empty())
        << record::StreamName(id) << ": " << only_one.size() << " only with 1 worker, "
        << only_three.size() << " only with 3\n  1: " << (only_one.empty() ? "" : only_one[0])
        << "\n  3: " << (only_three.empty() ? "" : only_three[0]);
  }
}

TEST(PipelineTest, MissingFileFailsBeforeAnyWorkAndNamesIt) {
  VectorSink sink;
  Pipeline pipeline(ProbeConfig{}, &sink);
  auto r = pipeline.Replay({"/nonexistent/a.pcap"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/a.pcap"), std::string::npos);
}

TEST(PipelineTest, TruncatedFileKeepsRecordsOfWhatWasRead) {
  std::string src = Trace("wikipedia.pcap");
  if (!std::filesystem::exists(src)) GTEST_SKIP() << "no corpus";
  std::string cut = (std::filesystem::temp_directory_path() / "nw_truncated.pcap").string();
  std::filesystem::copy_file(src, cut, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(cut, std::filesystem::file_size(src) / 2 + 7);
  VectorSink sink;
  Pipeline pipeline(ProbeConfig{}, &sink);
  auto r = pipeline.Replay({cut}, {});
  // The run ends at the damage with a summary saying where; the flows seen were recorded.
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->stopped_by.ok());
  EXPECT_NE(r->stopped_by.message().find("nw_truncated.pcap"), std::string::npos);
  EXPECT_GT(r->packets, 20u);
  EXPECT_GT(sink.lines[0].size(), 5u);
  EXPECT_EQ(r->records[0], sink.lines[0].size());
  std::filesystem::remove(cut);
}

TEST(DnsNameCacheTest, NamesTheServerAClientResolved) {
  DnsNameCache cache;
  auto client = *IpAddress::Parse("10.0.0.5");
  auto other = *IpAddress::Parse("10.0.0.6");
  auto server = *IpAddress::Parse("93.184.216.34");
  TimestampUs t = 1000 * kUsPerSecond;
  cache.OnDnsAnswer(client, "example.com", server, 60, t);
  EXPECT_EQ(cache.Lookup(client, server, t + kUsPerSecond), "example.com");
  // Another client that never asked still gets the name anybody resolved.
  EXPECT_EQ(cache.Lookup(other, server, t + kUsPerSecond), "example.com");
  // Not before it was resolved, and not after it expired (TTL 60 s, kept at least 300 s).
  EXPECT_EQ(cache.Lookup(client, server, t - 1), "");
  EXPECT_EQ(cache.Lookup(client, server, t + 301 * kUsPerSecond), "");
  // The client's own answer wins over another client's newer one.
  cache.OnDnsAnswer(other, "cdn.example.net", server, 60, t + 2 * kUsPerSecond);
  EXPECT_EQ(cache.Lookup(client, server, t + 3 * kUsPerSecond), "example.com");
  EXPECT_EQ(cache.Lookup(other, server, t + 3 * kUsPerSecond), "cdn.example.net");
}

TEST(DnsNameCacheTest, StaysBounded) {
  DnsNameCache cache(1024);
  auto client = *IpAddress::Parse("10.0.0.5");
  for (uint32_t i = 0; i < 100000; ++i) {
    cache.OnDnsAnswer(client, "n", IpAddress::FromV4HostOrder(0x0a000000 + i), 60, i);
  }
  // The most recent answers survive pruning.
  EXPECT_EQ(cache.Lookup(client, IpAddress::FromV4HostOrder(0x0a000000 + 99999), 100000), "n");
}

}  // namespace
}  // namespace netward::probe
