// Crash safety and concurrency of the store: a writer process SIGKILLed at random times must
// never lose a synced record nor corrupt the store; concurrent appenders and readers must agree.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "record/json_encoder.h"
#include "store/store.h"
#include "store/verifier.h"
#include "unit/store/store_test_util.h"

namespace netward::store {
namespace {

using test_util::SessionLines;
using test_util::TempStoreDir;

// The record at seq `seq` in the crash test: its content is a function of the seq alone.
TimestampUs CrashT0() {
  static const TimestampUs t0 = NowUs() - 3600 * kUsPerSecond;
  return t0;
}
std::string CrashLines(uint64_t first_seq, int n) {
  return SessionLines(n, CrashT0() + static_cast<TimestampUs>(first_seq) * 1000,
                      static_cast<int>(first_seq));
}

// Child: appends batches of records whose content derives from their seq, Sync()s after each
// batch and reports the tree size synced so far through `fd`. Never returns.
[[noreturn]] void CrashChild(const std::string& dir, uint64_t expected_first, int fd) {
  auto store = Store::Open(test_util::TestOptions(dir, 64));
  if (!store.ok()) _exit(3);
  uint64_t next = expected_first;
  // "Opened": lets the parent time some kills from here rather than from fork().
  if (::write(fd, &next, sizeof(next)) != static_cast<ssize_t>(sizeof(next))) _exit(7);
  constexpr int kBatch = 7;
  for (int b = 0; b < 200; ++b) {
    uint64_t first = UINT64_MAX;
    if (!store.value()
             ->AppendLines(record::StreamId::kSession, CrashLines(next, kBatch), &first)
             .ok()) {
      _exit(4);
    }
    if (first != next) _exit(5);
    next += kBatch;
    if (!store.value()->Sync().ok()) _exit(6);
    if (::write(fd, &next, sizeof(next)) != static_cast<ssize_t>(sizeof(next))) _exit(7);
  }
  _exit(0);  // no Close(): the files stay as the last Sync() left them
}

// A temporary directory on /dev/shm (tmpfs) where there is one, else under TMPDIR. A SIGKILL
// ends the process, not the kernel: written data survives it with or without fdatasync, so
// tmpfs tests the same recovery paths, minus the fsync latency of a busy disk (that latency,
// not the store, bounded the iterations per second).
class ShmDir {
 public:
  ShmDir() {
    std::string tmpl = "/dev/shm/netward-crash-XXXXXX";
    if (::access("/dev/shm", W_OK) == 0 && ::mkdtemp(tmpl.data())) {
      path_ = tmpl;
    } else {
      path_ = fallback_.path();
    }
  }
  ~ShmDir() {
    std::error_code ec;
    if (path_ != fallback_.path()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  TempStoreDir fallback_;
  std::string path_;
};

TEST(StoreCrashTest, SigkilledWriterLosesNoSyncedRecord) {
  // Fix the time base before the first fork so parent and children derive the same records.
  (void)CrashT0();
  ShmDir top;
  std::mt19937 rng(20240611);
  // A child opens the store in a few ms and syncs a batch in well under one: kills within 8 ms
  // land in recovery, appends, syncs and block flushes alike.
  std::uniform_int_distribution<int> delay_us(0, 8000);
  const auto start = std::chrono::steady_clock::now();
  uint64_t tree_size = 0;  // records in the store after the last iteration
  int iterations = 0;
  uint64_t killed = 0;
  // Every kEpoch iterations a fresh store: each iteration verifies and queries the whole store,
  // so a store that kept growing would make later iterations ever slower. An epoch still spans
  // many blocks (64 records) and many kill/recover cycles on the same files.
  constexpr int kEpoch = 40;
  std::string store_dir;
  // A count, not a duration, so a loaded machine runs the same test more slowly (about 10 s
  // idle, a minute with the CPUs busy); the time bound only ends a pathologically slow run.
  for (; iterations < 300; ++iterations) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(240)) break;
    if (iterations % kEpoch == 0) {
      if (!store_dir.empty()) std::filesystem::remove_all(store_dir);
      store_dir = top.path() + "/epoch" + std::to_string(iterations / kEpoch);
      tree_size = 0;
    }
    struct Dir {
      const std::string& p;
      const std::string& path() const { return p; }
    } dir{store_dir};
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      CrashChild(dir.path(), tree_size, fds[1]);
    }
    ::close(fds[1]);
    std::string buf;
    if (iterations % 2 == 1) {
      // Odd iterations: kill 0-30 ms after the child opened the store (bounded wait), so the
      // kill hits appends and syncs; even ones: 0-30 ms after fork(), often during recovery.
      pollfd pfd{fds[0], POLLIN, 0};
      if (::poll(&pfd, 1, 2000) > 0) {
        char first[8];
        ssize_t got = ::read(fds[0], first, sizeof(first));
        if (got > 0) buf.append(first, static_cast<size_t>(got));
      }
    }
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
      ++killed;
    } else {
      ASSERT_TRUE(WIFEXITED(status));
      ASSERT_EQ(WEXITSTATUS(status), 0) << "child failed at iteration " << iterations;
    }
    // The last whole count the child wrote: records [0, acked) were synced.
    uint64_t acked = tree_size;
    char chunk[4096];
    ssize_t n;
    while ((n = ::read(fds[0], chunk, sizeof(chunk))) > 0)
      buf.append(chunk, static_cast<size_t>(n));
    ::close(fds[0]);
    if (buf.size() >= sizeof(uint64_t)) {
      std::memcpy(&acked, buf.data() + (buf.size() / 8 - 1) * 8, sizeof(acked));
    }
    ASSERT_GE(acked, tree_size);

    // Reopen: recovery must succeed on its own.
    auto store = Store::Open(test_util::TestOptions(dir.path(), 64));
    ASSERT_TRUE(store.ok()) << "iteration " << iterations << ": " << store.status().ToString();
    auto reader = StoreReader::Open(dir.path());
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    QuerySpec all;
    all.stream = record::StreamId::kSession;
    uint64_t count = 0;
    bool mismatch = false;
    Status st = reader.value()->Query(all, [&](uint64_t seq, std::string_view line) {
      std::string expected = CrashLines(seq, 1);
      expected.pop_back();
      if (seq != count || line != expected) {
        ADD_FAILURE() << "iteration " << iterations << ": record #" << count << " has seq " << seq
                      << "\n  got:      " << line << "\n  expected: " << expected;
        mismatch = true;
        return false;
      }
      ++count;
      return true;
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_FALSE(mismatch);
    ASSERT_GE(count, acked) << "iteration " << iterations << ": synced records lost";
    reader.value().reset();

    // The store keeps working: append a few more, close, verify.
    uint64_t first = UINT64_MAX;
    ASSERT_TRUE(
        store.value()->AppendLines(record::StreamId::kSession, CrashLines(count, 3), &first).ok());
    ASSERT_EQ(first, count);
    ASSERT_TRUE(store.value()->Close().ok());
    tree_size = count + 3;
    VerifyReport report;
    ASSERT_TRUE(VerifyStore(dir.path(), {}, &report).ok());
    ASSERT_TRUE(report.intact) << "iteration " << iterations << ": " << report.problem;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("crash test: %d iterations (%llu killed), %llu records, %.1f s\n", iterations,
              static_cast<unsigned long long>(killed), static_cast<unsigned long long>(tree_size),
              secs);
  EXPECT_GE(iterations, 100) << "fewer than 100 kill/recover cycles in 240 s";
  EXPECT_GT(killed, 0u);
}

TEST(StoreConcurrencyTest, ParallelAppendersAndReaders) {
  TempStoreDir dir;
  const TimestampUs t0 = NowUs() - 3600 * kUsPerSecond;
  auto opened = Store::Open(test_util::TestOptions(dir.path(), 1000));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = *opened.value();
  constexpr int kWriters = 4, kPerWriter = 5000, kBatch = 100;
  std::atomic<int> writers_left{kWriters};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kPerWriter / kBatch; ++b) {
        const int id = t * kPerWriter + b * kBatch;
        Status st =
            store.AppendLines(record::StreamId::kSession, SessionLines(kBatch, t0 + id * 1000, id));
        if (!st.ok()) {
          ADD_FAILURE() << "writer " << t << ": " << st.ToString();
          ++failures;
          break;
        }
        if (b % 10 == 9 && !store.Sync().ok()) {
          ADD_FAILURE() << "writer " << t << ": Sync failed";
          ++failures;
        }
      }
      --writers_left;
    });
  }
  int reads = 0;
  uint64_t last_count = 0;
  threads.emplace_back([&] {
    do {
      auto reader = StoreReader::Open(dir.path());
      if (!reader.ok()) {
        ADD_FAILURE() << "reader open: " << reader.status().ToString();
        ++failures;
        return;
      }
      QuerySpec all;
      all.stream = record::StreamId::kSession;
      uint64_t count = 0;
      Status st = reader.value()->Query(all, [&](uint64_t seq, std::string_view) {
        if (seq != count) {
          ADD_FAILURE() << "reader: seq " << seq << " at position " << count;
          ++failures;
          return false;
        }
        ++count;
        return true;
      });
      if (!st.ok()) {
        ADD_FAILURE() << "reader query: " << st.ToString();
        ++failures;
        return;
      }
      if (count < last_count) {
        ADD_FAILURE() << "reader saw " << count << " records after " << last_count;
        ++failures;
      }
      last_count = count;
      ++reads;
    } while (writers_left.load() > 0 && reads < 100000);
  });
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(store.Close().ok());
  EXPECT_GE(reads, 1);

  auto reader = StoreReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  QuerySpec all;
  all.stream = record::StreamId::kSession;
  std::set<std::string> lines;
  uint64_t count = 0;
  ASSERT_TRUE(reader.value()
                  ->Query(all,
                          [&](uint64_t seq, std::string_view line) {
                            EXPECT_EQ(seq, count);
                            ++count;
                            lines.emplace(line);
                            return true;
                          })
                  .ok());
  EXPECT_EQ(count, static_cast<uint64_t>(kWriters * kPerWriter));
  EXPECT_EQ(lines.size(), static_cast<size_t>(kWriters * kPerWriter));  // none lost or doubled
  VerifyReport report;
  ASSERT_TRUE(VerifyStore(dir.path(), {}, &report).ok());
  EXPECT_TRUE(report.intact) << report.problem;
  std::printf("concurrency test: %d reader passes\n", reads);
}

}  // namespace
}  // namespace netward::store
