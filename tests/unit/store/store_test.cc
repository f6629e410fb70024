// The store end to end through its API: append, reopen, query, verify, retention, WAL recovery.
#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "record/json_encoder.h"
#include "store/verifier.h"
#include "unit/store/store_test_util.h"

namespace netward::store {
namespace {

using test_util::SessionLines;
using test_util::TempStoreDir;

StoreOptions Options(const std::string& dir) { return test_util::TestOptions(dir, 100); }

uint64_t Count(StoreReader& reader, const QuerySpec& spec) {
  uint64_t n = 0;
  Status st = reader.Query(spec, [&](uint64_t, std::string_view) {
    ++n;
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return n;
}

TEST(StoreTest, AppendReopenQueryVerify) {
  TempStoreDir dir;
  const TimestampUs t0 = NowUs() - 3600 * kUsPerSecond;
  {
    auto store = Store::Open(Options(dir.path()));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    uint64_t first = 99;
    ASSERT_TRUE(
        store.value()->AppendLines(record::StreamId::kSession, SessionLines(250, t0), &first).ok());
    EXPECT_EQ(first, 0u);
    ASSERT_TRUE(store.value()->Checkpoint().ok());
    ASSERT_TRUE(store.value()
                    ->AppendLines(record::StreamId::kSession, SessionLines(30, t0 + 250000, 250))
                    .ok());
    ASSERT_TRUE(store.value()->Close().ok());
  }
  {
    // Reopen and append more: seqs continue.
    auto store = Store::Open(Options(dir.path()));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    uint64_t first = 0;
    ASSERT_TRUE(
        store.value()
            ->AppendLines(record::StreamId::kSession, SessionLines(20, t0 + 280000, 280), &first)
            .ok());
    EXPECT_EQ(first, 280u);
    ASSERT_TRUE(store.value()->Close().ok());
  }
  auto reader = StoreReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  QuerySpec all;
  all.stream = record::StreamId::kSession;
  EXPECT_EQ(Count(*reader.value(), all), 300u);
  QuerySpec by_account = all;
  by_account.where = {{"account", "u3"}};
  EXPECT_EQ(Count(*reader.value(), by_account), 15u);
  QuerySpec by_ip = all;
  by_ip.where = {{"src_ip", "10.0.0.7"}};
  EXPECT_EQ(Count(*reader.value(), by_ip), 6u);
  QuerySpec contains = all;
  contains.contains = "bank";
  EXPECT_EQ(Count(*reader.value(), contains), 43u);
  QuerySpec range = all;
  range.from = t0 + 10 * 1000;
  range.to = t0 + 20 * 1000;
  EXPECT_EQ(Count(*reader.value(), range), 10u);
  QuerySpec bad = all;
  bad.where = {{"nope", "1"}};
  EXPECT_FALSE(reader.value()->Query(bad, [](uint64_t, std::string_view) { return true; }).ok());

  VerifyReport report;
  ASSERT_TRUE(VerifyStore(dir.path(), {}, &report).ok());
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.streams[0].records, 300u);
  EXPECT_EQ(report.streams[0].unsigned_records, 0u);
  EXPECT_GE(report.streams[0].roots_checked, 2u);

  auto proof = ProveInclusion(dir.path(), record::StreamId::kSession, 123, 0);
  ASSERT_TRUE(proof.ok()) << proof.status().ToString();
  EXPECT_EQ(proof->tree_size, 300u);
  auto cons = ProveConsistency(dir.path(), record::StreamId::kSession, 250, 0);
  ASSERT_TRUE(cons.ok()) << cons.status().ToString();
}

TEST(StoreTest, RefusesRetentionBelowSixtyDays) {
  TempStoreDir dir;
  StoreOptions o = Options(dir.path());
  o.retention_days[0] = 59;
  auto store = Store::Open(o);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("60 days"), std::string::npos);
}

TEST(StoreTest, PurgeDropsExpiredSegmentsAndVerifyStillPasses) {
  TempStoreDir dir;
  const TimestampUs now = NowUs();
  const TimestampUs day = 86400LL * kUsPerSecond;
  {
    auto store = Store::Open(Options(dir.path()));
    ASSERT_TRUE(store.ok());
    // Three days 200 days ago, then today: one segment per day.
    for (int d = 0; d < 3; ++d) {
      ASSERT_TRUE(store.value()
                      ->AppendLines(record::StreamId::kSession,
                                    SessionLines(150, now - (200 - d) * day, d * 150))
                      .ok());
      ASSERT_TRUE(store.value()->Checkpoint().ok());
    }
    ASSERT_TRUE(
        store.value()->AppendLines(record::StreamId::kSession, SessionLines(50, now, 450)).ok());
    ASSERT_TRUE(store.value()->Checkpoint().ok());
    std::vector<PurgeReport> report;
    ASSERT_TRUE(store.value()->Purge(now, &report).ok());
    ASSERT_EQ(report.size(), 1u);
    EXPECT_EQ(report[0].records_dropped, 450u);
    ASSERT_TRUE(store.value()->Close().ok());
  }
  VerifyReport report;
  ASSERT_TRUE(VerifyStore(dir.path(), {}, &report).ok());
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.streams[0].purged, 450u);
  EXPECT_EQ(report.streams[0].records, 50u);
  auto reader = StoreReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  QuerySpec maint;
  maint.stream = record::StreamId::kMaintenance;
  maint.where = {{"action", "purge"}};
  EXPECT_EQ(Count(*reader.value(), maint), 1u);
}

TEST(StoreTest, SyncedRecordsSurviveWithoutClose) {
  TempStoreDir dir;
  const TimestampUs t0 = NowUs();
  {
    auto store = Store::Open(Options(dir.path()));
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store.value()->AppendLines(record::StreamId::kSession, SessionLines(130, t0)).ok());
    ASSERT_TRUE(store.value()->Sync().ok());
    // Simulate a crash: the files stay as Sync() left them; drop the lock by closing its fd
    // through a fork that never runs Close().
    pid_t pid = fork();
    if (pid == 0) {
      auto again = Store::Open(Options(dir.path()));
      _exit(again.ok() ? 1 : 0);  // the lock is held: must fail
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_EQ(WEXITSTATUS(status), 0);
    store.value().release();  // leak on purpose: no Close(), like a SIGKILL
  }
}

}  // namespace
}  // namespace netward::store
