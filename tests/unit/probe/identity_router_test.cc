#include "probe/identity_router.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "probe/pipeline.h"

namespace netward::probe {
namespace {

class CountingSink : public record::RecordSink {
 public:
  void Consume(const record::RecordBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < record::kStreamCount; ++i) {
      text[i] += batch.lines(static_cast<record::StreamId>(i));
      counts[i] += batch.count(static_cast<record::StreamId>(i));
    }
  }
  Status Flush() override {
    ++flushes;
    return Status::OK();
  }
  std::mutex mu;
  std::array<std::string, record::kStreamCount> text;
  std::array<uint64_t, record::kStreamCount> counts{};
  int flushes = 0;
};

constexpr size_t kLogin = static_cast<size_t>(record::StreamId::kLogin);
constexpr size_t kNat = static_cast<size_t>(record::StreamId::kNat);

record::LoginRecord Login(const char* ip, const char* account, TimestampUs ts) {
  record::LoginRecord r;
  r.ts = ts;
  r.event = "start";
  r.account = account;
  r.calling_id = "79001234567";
  r.ip = *IpAddress::Parse(ip);
  r.source = "radius";
  return r;
}

TEST(IdentityRouterTest, SourceRecordsAreStampedQueuedAndIndexedAtOnce) {
  CountingSink out;
  identity::IdentityIndex index;
  IdentityRouter router("S7", &out, &index);
  router.OnLogin(Login("10.0.0.5", "alice", 1000 * kUsPerSecond));
  record::NatRecord nat;
  nat.ts = 1000 * kUsPerSecond;
  nat.proto = "tcp";
  nat.inside_ip = *IpAddress::Parse("10.0.0.5");
  nat.inside_port = 40000;
  nat.outside_ip = *IpAddress::Parse("203.0.113.1");
  nat.outside_port = 50000;
  nat.source = "conntrack";
  router.OnNat(nat);
  // Indexed before it is written.
  auto sub = index.FindSubscriber(*IpAddress::Parse("10.0.0.5"), 1001 * kUsPerSecond);
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->account, "alice");
  EXPECT_TRUE(index.FindByOutside(nat.outside_ip, 50000, 1001 * kUsPerSecond).has_value());
  EXPECT_EQ(out.counts[kLogin], 0u);
  ASSERT_TRUE(router.Flush().ok());
  EXPECT_EQ(out.counts[kLogin], 1u);
  EXPECT_EQ(out.counts[kNat], 1u);
  EXPECT_EQ(out.flushes, 1);
  EXPECT_NE(out.text[kLogin].find("\"site\":\"S7\""), std::string::npos);
  EXPECT_NE(out.text[kNat].find("\"source\":\"conntrack\""), std::string::npos);
  // Nothing queued twice.
  ASSERT_TRUE(router.Flush().ok());
  EXPECT_EQ(out.counts[kLogin], 1u);
}

TEST(IdentityRouterTest, SniffedLoginRecordsInBatchesFeedTheIndexAndPassThrough) {
  CountingSink out;
  identity::IdentityIndex index;
  IdentityRouter router("S7", &out, &index);
  record::RecordBatch batch("S7");
  batch.Add(Login("10.0.0.9", "bob", 2000 * kUsPerSecond));
  record::SessionRecord session;
  session.ts = 2000 * kUsPerSecond;
  session.proto = "udp";
  batch.Add(session);
  router.Consume(batch);
  EXPECT_EQ(out.counts[kLogin], 1u);
  EXPECT_EQ(out.counts[0], 1u);
  auto sub = index.FindSubscriber(*IpAddress::Parse("10.0.0.9"), 2000 * kUsPerSecond);
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->account, "bob");
  EXPECT_EQ(router.decode_errors(), 0u);
}

TEST(IdentityRouterTest, FullQueueIsHandedOverWithoutFlushAndThreadsMayCallAtOnce) {
  CountingSink out;
  IdentityRouter router("S7", &out, /*index=*/nullptr, /*batch_bytes=*/4096);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&router, t] {
      for (int i = 0; i < 500; ++i)
        router.OnLogin(Login("10.1.0.1", "u", (t * 1000 + i) * kUsPerSecond));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(out.counts[kLogin], 0u);  // handed over when full
  ASSERT_TRUE(router.Close().ok());
  EXPECT_EQ(out.counts[kLogin], 2000u);
  EXPECT_EQ(router.logins(), 2000u);
}

}  // namespace
}  // namespace netward::probe

namespace netward::probe {
namespace {

std::string CorpusTrace(const char* name) {
  return std::string(NW_CORPUS_DIR) + "/zeek/traces/" + name;
}

// Every session and http record of the client carries its subscriber; the one flow with a NAT
// mapping carries its public address; records of other clients stay as they were.
TEST(EnrichmentTest, ReplayedRecordsCarryTheSubscriberAndTheirNatMapping) {
  if (!std::filesystem::exists(CorpusTrace("wikipedia.pcap"))) GTEST_SKIP() << "no corpus";
  identity::IdentityIndex index;
  auto login = Login("141.142.220.118", "alice", 1300474000 * kUsPerSecond);  // 2011-03-18
  login.session_id = "s1";
  index.AddLogin(login);
  record::NatRecord nat;
  nat.ts = 1300474000 * kUsPerSecond;
  nat.proto = "tcp";
  nat.inside_ip = *IpAddress::Parse("141.142.220.118");
  nat.inside_port = 35634;
  nat.outside_ip = *IpAddress::Parse("203.0.113.77");
  nat.outside_port = 61000;
  nat.remote_ip = *IpAddress::Parse("208.80.152.2");
  nat.remote_port = 80;
  index.AddNat(nat);

  CountingSink out;
  ProbeConfig config;
  config.site = "T1";
  Pipeline pipeline(config, &out);
  pipeline.set_enricher(&index);
  auto summary = pipeline.Replay({CorpusTrace("wikipedia.pcap")}, {});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();

  size_t with_account = 0, without = 0, with_nat = 0;
  for (size_t stream : {size_t{0}, static_cast<size_t>(record::StreamId::kHttp)}) {
    std::istringstream in(out.text[stream]);
    std::string line;
    while (std::getline(in, line)) {
      bool client = line.find("\"src_ip\":\"141.142.220.118\"") != std::string::npos;
      bool enriched =
          line.find("\"account\":\"alice\",\"calling_id\":\"79001234567\"") != std::string::npos ||
          (line.find("\"account\":\"alice\"") != std::string::npos &&
           line.find("\"calling_id\":\"79001234567\"") != std::string::npos);
      EXPECT_EQ(client, enriched) << line;
      (enriched ? with_account : without)++;
      if (line.find("\"nat_ip\":\"203.0.113.77\",\"nat_port\":61000") != std::string::npos) {
        EXPECT_NE(line.find("\"src_port\":35634"), std::string::npos) << line;
        ++with_nat;
      }
    }
  }
  EXPECT_GT(with_account, 10u);
  EXPECT_GT(without, 0u);   // the trace has other clients
  EXPECT_EQ(with_nat, 2u);  // the session and the http record of that one flow
}

// With an empty index records are byte for byte those of a run without enrichment.
TEST(EnrichmentTest, EmptyIndexChangesNothing) {
  if (!std::filesystem::exists(CorpusTrace("wikipedia.pcap"))) GTEST_SKIP() << "no corpus";
  identity::IdentityIndex index;
  CountingSink plain, enriched;
  ProbeConfig config;
  Pipeline a(config, &plain);
  ASSERT_TRUE(a.Replay({CorpusTrace("wikipedia.pcap")}, {}).ok());
  Pipeline b(config, &enriched);
  b.set_enricher(&index);
  ASSERT_TRUE(b.Replay({CorpusTrace("wikipedia.pcap")}, {}).ok());
  EXPECT_EQ(plain.text, enriched.text);
}

}  // namespace
}  // namespace netward::probe
