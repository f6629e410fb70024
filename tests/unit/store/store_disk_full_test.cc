// A real full disk: the store on a 2 MiB tmpfs mounted in a private mount namespace (a forked
// child, so the mount is gone with it). Filling the disk must give errors that name the file and
// ENOSPC, leave no segment corrupt (verify passes), and once space is freed writing must resume
// with a `maintenance` record (action disk_recovered). Needs root (unshare, mount).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "store/store.h"
#include "store/verifier.h"
#include "unit/store/store_test_util.h"

namespace netward::store {
namespace {

using test_util::SessionLines;
using test_util::TempStoreDir;

// Fills the file system of `path` with one file; returns the bytes written.
size_t FillDisk(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  std::string chunk(16384, 'x');
  size_t total = 0;
  for (int i = 0; i < 100000; ++i) {  // bounded: 1.6 GB, far beyond the 2 MiB mount
    ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n <= 0) break;
    total += static_cast<size_t>(n);
  }
  // Smaller writes take the last partial page.
  for (int i = 0; i < 1000; ++i) {
    if (::write(fd, chunk.data(), 512) <= 0) break;
    total += 512;
  }
  ::close(fd);
  return total;
}

// Runs in the child, inside its own mount namespace. Returns "" or the first failure.
std::string DiskFullScenario(const std::string& mount_dir) {
  if (::mount("tmpfs", mount_dir.c_str(), "tmpfs", 0, "size=2m") != 0) {
    return std::string("mount tmpfs: ") + std::strerror(errno);
  }
  const std::string dir = mount_dir + "/store";
  const TimestampUs t0 = NowUs() - 3600 * kUsPerSecond;
  auto opened = Store::Open(test_util::TestOptions(dir, 256));
  if (!opened.ok()) return "open: " + opened.status().ToString();
  Store& store = *opened.value();
  int id = 0;
  auto append = [&](int n) {
    Status st = store.AppendLines(record::StreamId::kSession, SessionLines(n, t0 + id * 1000, id));
    if (st.ok()) id += n;
    return st;
  };
  // Some records on disk before the disk fills.
  for (int i = 0; i < 4; ++i) {
    if (Status st = append(256); !st.ok()) return "append before full: " + st.ToString();
  }
  if (Status st = store.Checkpoint(); !st.ok()) return "checkpoint: " + st.ToString();

  const std::string filler = mount_dir + "/filler";
  if (FillDisk(filler) == 0) return "could not write the filler file";

  // Appending goes on in memory until one block waits beyond the failed one; then refused.
  // Sync() reports the write that failed.
  Status refused;
  for (int i = 0; i < 20 && refused.ok(); ++i) refused = append(100);
  if (refused.ok()) return "appending to a full disk was never refused";
  if (refused.code() != Status::Code::kResourceExhausted) {
    return "refusal has the wrong code: " + refused.ToString();
  }
  Status sync = store.Sync();
  if (sync.ok()) return "Sync() on a full disk returned OK";
  const std::string msg = sync.ToString();
  if (msg.find(dir + "/session/") == std::string::npos) return "error names no file: " + msg;
  if (msg.find(std::strerror(ENOSPC)) == std::string::npos) return "error says no ENOSPC: " + msg;

  // Nothing on disk is damaged: verify passes while the disk is full.
  VerifyReport report;
  if (Status st = VerifyStore(dir, {}, &report); !st.ok()) return "verify: " + st.ToString();
  if (!report.intact) return "verify on a full disk: " + report.problem;

  // Space returns: writing resumes and the recovery is recorded.
  ::unlink(filler.c_str());
  if (Status st = store.Sync(); !st.ok()) return "Sync() after freeing space: " + st.ToString();
  if (Status st = append(50); !st.ok()) return "append after freeing space: " + st.ToString();
  if (Status st = store.Close(); !st.ok()) return "close: " + st.ToString();
  const uint64_t accepted = static_cast<uint64_t>(id);

  report = VerifyReport();
  if (Status st = VerifyStore(dir, {}, &report); !st.ok()) return "verify: " + st.ToString();
  if (!report.intact) return "verify after recovery: " + report.problem;
  auto reader = StoreReader::Open(dir);
  if (!reader.ok()) return "reader: " + reader.status().ToString();
  QuerySpec q;
  q.stream = record::StreamId::kMaintenance;
  std::string recovered;
  Status st = reader.value()->Query(q, [&](uint64_t, std::string_view line) {
    if (line.find("\"disk_recovered\"") != std::string_view::npos) recovered = std::string(line);
    return true;
  });
  if (!st.ok()) return "query maintenance: " + st.ToString();
  if (recovered.empty()) return "no maintenance record with action disk_recovered";
  if (recovered.find("records were refused") == std::string::npos) {
    return "disk_recovered record says nothing of refused records: " + recovered;
  }
  q.stream = record::StreamId::kSession;
  uint64_t sessions = 0;
  st = reader.value()->Query(q, [&](uint64_t, std::string_view) {
    ++sessions;
    return true;
  });
  if (!st.ok()) return "query sessions: " + st.ToString();
  if (sessions != accepted) {
    return "sessions in the store: " + std::to_string(sessions) + ", accepted " +
           std::to_string(accepted);
  }
  return "";
}

TEST(StoreDiskFullTest, TinyTmpfsFillsAndRecovers) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a private mount namespace and a tmpfs)";
  TempStoreDir mount_point;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::string failure;
    if (::unshare(CLONE_NEWNS) != 0) {
      failure = std::string("SKIP unshare(CLONE_NEWNS): ") + std::strerror(errno);
    } else if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      failure = std::string("SKIP making / private: ") + std::strerror(errno);
    } else {
      failure = DiskFullScenario(mount_point.path());
    }
    [[maybe_unused]] ssize_t w = ::write(fds[1], failure.data(), failure.size());
    _exit(failure.empty() ? 0 : 1);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  if (out.rfind("SKIP ", 0) == 0) GTEST_SKIP() << out.substr(5);
  ASSERT_TRUE(WIFEXITED(status)) << "child died: " << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace netward::store
