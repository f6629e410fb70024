#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "common/logging.h"
#include "record/json_decoder.h"
#include "record/json_encoder.h"
#include "store/file_util.h"
#include "store/signing_key.h"
#include "store/store_meta.h"
#include "store/stream_writer.h"

namespace netward::store {
namespace {

// Per thread, per stream: decoded records, their sites and leaf hashes, reused across calls.
template <typename R>
struct AppendScratch {
  std::vector<R> records;
  std::vector<std::string> sites;
  std::vector<Hash> hashes;
  // Each record's leaf: a view of its line when canonical, else (offset | kOwned) into
  // `canonical`, the re-encoded lines (views are made once it stops growing).
  std::vector<std::pair<size_t, size_t>> leaves;
  std::vector<std::string_view> leaf_views;
  std::string canonical;
};
constexpr size_t kOwned = size_t{1} << (sizeof(size_t) * 8 - 1);

// Decodes every line first, then hashes all the leaves in one batch (two at a time, store/
// sha256.h) and appends them: nothing of the call is appended if a line is bad.
template <typename R>
Status DecodeAndAppend(StreamWriter* writer, std::string_view lines, uint64_t* first_seq) {
  thread_local AppendScratch<R> s;
  size_t n = 0;
  size_t line_no = 0;
  size_t pos = 0;
  s.leaves.clear();
  s.canonical.clear();
  while (pos < lines.size()) {
    size_t end = lines.find('\n', pos);
    if (end == std::string_view::npos) end = lines.size();
    std::string_view line = lines.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    // DecodeJsonLine sets every field (and the site), so reused records keep no stale values.
    if (s.records.size() <= n) {
      s.records.resize(n + 1);
      s.sites.resize(n + 1);
    }
    bool canonical = false;
    Status st = record::DecodeJsonLine(line, &s.records[n], &s.sites[n], &canonical);
    if (!st.ok()) {
      return Status::InvalidArgument("line " + std::to_string(line_no), st.message());
    }
    if (canonical) {
      s.leaves.emplace_back(static_cast<size_t>(line.data() - lines.data()), line.size());
    } else {
      size_t at = s.canonical.size();
      record::EncodeJsonLine(s.records[n], s.sites[n], &s.canonical);
      s.canonical.pop_back();  // the newline is not part of the leaf
      s.leaves.emplace_back(at | kOwned, s.canonical.size() - at);
    }
    ++n;
  }
  if (n == 0) {
    if (first_seq) *first_seq = writer->tree_size();
    return Status::OK();
  }
  s.leaf_views.resize(n);
  for (size_t i = 0; i < n; ++i) {
    auto [at, len] = s.leaves[i];
    s.leaf_views[i] = at & kOwned ? std::string_view(s.canonical).substr(at & ~kOwned, len)
                                  : lines.substr(at, len);
  }
  if (s.hashes.size() < n) s.hashes.resize(n);
  HashLeaves(s.leaf_views.data(), n, s.hashes.data());
  return writer->AppendRecords(s.records, s.sites, s.hashes, n, first_seq);
}

Status AppendToWriter(StreamWriter* writer, std::string_view lines, uint64_t* first_seq) {
  switch (writer->stream()) {
#define NW_APPEND_CASE(Name, name, FIELDS) \
  case record::StreamId::k##Name:          \
    return DecodeAndAppend<record::Name##Record>(writer, lines, first_seq);
    NW_STREAMS(NW_APPEND_CASE)
#undef NW_APPEND_CASE
  }
  return Status::InvalidArgument("store", "unknown stream");
}

}  // namespace

class Store::Impl {
 public:
  explicit Impl(StoreOptions options) : options_(std::move(options)) {}
  ~Impl() { (void)Close(); }

  Status Open();
  Status AppendLines(record::StreamId stream, std::string_view lines, uint64_t* first_seq);
  Status Sync();
  Status Checkpoint();
  Status Purge(TimestampUs now, std::vector<PurgeReport>* report);
  Status Close();
  const std::string& dir() const { return options_.dir; }

 private:
  Status ValidateOptions() const;
  Status TakeLock();
  Status LoadKey();
  void BackgroundLoop();
  void Maintenance(std::string_view action, std::string_view object, std::string_view detail);
  void NoteWriteResult(const Status& st);

  StoreOptions options_;
  StoreMeta meta_;
  std::unique_ptr<SigningKey> key_;
  int lock_fd_ = -1;
  std::vector<std::unique_ptr<StreamWriter>> writers_;
  bool closed_ = false;

  std::thread background_;
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stop_ = false;

  // Disk-full bookkeeping: when writes fail, when they began failing, what was refused.
  std::mutex fail_mu_;
  TimestampUs failing_since_ = 0;
  std::string first_failure_;
  uint64_t refused_records_ = 0;
};

Status Store::Impl::ValidateOptions() const {
  if (options_.dir.empty()) return Status::InvalidArgument("store", "no directory given");
  for (size_t i = 0; i < record::kStreamCount; ++i) {
    uint32_t days = options_.retention_days[i];
    if (days < kMinRetentionDays) {
      return Status::InvalidArgument(
          "store",
          "retention_days for stream " +
              std::string(record::StreamName(static_cast<record::StreamId>(i))) + " is " +
              std::to_string(days) +
              ": MPS Order 82 art. 13 requires records to be kept at least 60 days (and the "
              "Cybersecurity Law art. 21 six months of network logs); set 60 or more (default "
              "180)");
    }
  }
  if (options_.block_records == 0 || options_.block_records > (1u << 20)) {
    return Status::InvalidArgument("store", "block_records must be 1..1048576");
  }
  if (options_.sync_interval_us <= 0 || options_.checkpoint_interval_us <= 0) {
    return Status::InvalidArgument("store", "sync and checkpoint intervals must be positive");
  }
  return Status::OK();
}

Status Store::Impl::TakeLock() {
  std::string path = options_.dir + "/LOCK";
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return IoError(path, "open", errno);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {0};
    ssize_t n = ::pread(lock_fd_, pid, sizeof(pid) - 1, 0);
    ::close(lock_fd_);
    lock_fd_ = -1;
    std::string who = n > 0 ? std::string(pid, static_cast<size_t>(n)) : std::string("?");
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    return Status::IOError(options_.dir, "another process (pid " + who +
                                             ") is writing this store; one writer at a time");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd_, 0) == 0) {
    [[maybe_unused]] ssize_t w = ::pwrite(lock_fd_, pid.data(), pid.size(), 0);
  }
  return Status::OK();
}

Status Store::Impl::LoadKey() {
  std::string path = options_.signing_key_path;
  if (path.empty()) {
    path = options_.dir + "/keys/signing.key";
    if (!FileExists(path)) {
      Status st = MakeDirs(options_.dir + "/keys");
      if (!st.ok()) return st;
      ::chmod((options_.dir + "/keys").c_str(), 0700);
      auto key = SigningKey::Generate("netward-" + meta_.id);
      if (!key.ok()) return key.status();
      st = key->WriteFiles(path, options_.dir + "/keys/signing.pub");
      if (!st.ok()) return st;
      LogInfo(options_.dir + ": created signing key " + path +
              " (give keys/signing.pub to whoever verifies; better: use your own key, see "
              "`netward keygen`)");
    }
  }
  auto key = SigningKey::Load(path);
  if (!key.ok()) return key.status();
  key_ = std::make_unique<SigningKey>(key.value());
  if (options_.signing_key_path.empty() && !FileExists(options_.dir + "/keys/signing.pub")) {
    // A process killed between creating the two files of the key it made for this store.
    Status st = WriteFileAtomic(options_.dir + "/keys/signing.pub", key_->VerifierKeyText() + "\n");
    if (!st.ok()) return st;
  }
  return AddTrustedKey(options_.dir, key_->VerifierKeyText());
}

Status Store::Impl::Open() {
  Status st = ValidateOptions();
  if (!st.ok()) return st;
  st = MakeDirs(options_.dir);
  if (!st.ok()) return st;
  st = TakeLock();
  if (!st.ok()) return st;
  auto meta = LoadOrCreateMeta(options_.dir, options_.origin);
  if (!meta.ok()) return meta.status();
  meta_ = meta.value();
  st = LoadKey();
  if (!st.ok()) return st;
  for (size_t i = 0; i < record::kStreamCount; ++i) {
    auto w =
        std::make_unique<StreamWriter>(static_cast<record::StreamId>(i), options_.dir, options_);
    st = w->Recover();
    if (!st.ok()) return st;
    auto wal = w->TakeWalLines();
    if (!wal.ok()) return wal.status();
    if (!wal->empty()) {
      st = AppendToWriter(w.get(), wal.value(), nullptr);
      if (!st.ok()) return Status::Corruption(options_.dir, "write-ahead log: " + st.message());
    }
    writers_.push_back(std::move(w));
  }
  st = Sync();
  if (!st.ok()) return st;
  if (options_.background) {
    background_ = std::thread([this] { BackgroundLoop(); });
  }
  return Status::OK();
}

Status Store::Impl::AppendLines(record::StreamId stream, std::string_view lines,
                                uint64_t* first_seq) {
  size_t i = static_cast<size_t>(stream);
  if (i >= writers_.size()) return Status::InvalidArgument("store", "unknown stream");
  Status st = AppendToWriter(writers_[i].get(), lines, first_seq);
  if (st.code() == Status::Code::kResourceExhausted) {
    std::lock_guard<std::mutex> lock(fail_mu_);
    refused_records_ += static_cast<uint64_t>(std::count(lines.begin(), lines.end(), '\n'));
  }
  return st;
}

void Store::Impl::NoteWriteResult(const Status& st) {
  std::string recovered;
  {
    std::lock_guard<std::mutex> lock(fail_mu_);
    if (!st.ok()) {
      if (failing_since_ == 0) {
        failing_since_ = NowUs();
        first_failure_ = st.message();
        LogError(st.message() + " (records are kept in memory and written when space returns)");
      }
      return;
    }
    if (failing_since_ == 0) return;
    recovered = "writes failed from " + FormatIso8601(failing_since_) + " to " +
                FormatIso8601(NowUs()) + ": " + first_failure_ + "; " +
                std::to_string(refused_records_) + " records were refused";
    failing_since_ = 0;
    refused_records_ = 0;
  }
  LogWarning(options_.dir + ": writing again: " + recovered);
  Maintenance("disk_recovered", options_.dir, recovered);
}

Status Store::Impl::Sync() {
  Status first;
  for (auto& w : writers_) {
    Status st = w->Sync();
    if (!st.ok() && first.ok()) first = st;
  }
  NoteWriteResult(first);
  return first;
}

Status Store::Impl::Checkpoint() {
  Status st = Sync();
  if (!st.ok()) return st;
  for (auto& w : writers_) {
    st = w->Checkpoint(*key_, meta_.origin);
    if (!st.ok()) return st;
  }
  return Status::OK();
}

void Store::Impl::Maintenance(std::string_view action, std::string_view object,
                              std::string_view detail) {
  record::MaintenanceRecord r;
  r.ts = NowUs();
  r.component = "store";
  r.action = std::string(action);
  r.actor = "netward-store";
  r.object = std::string(object);
  r.detail = std::string(detail);
  std::string line;
  record::EncodeJsonLine(r, options_.site, &line);
  Status st = AppendLines(record::StreamId::kMaintenance, line, nullptr);
  if (!st.ok()) LogError("store: could not write a maintenance record: " + st.ToString());
}

Status Store::Impl::Purge(TimestampUs now, std::vector<PurgeReport>* report) {
  for (auto& w : writers_) {
    PurgeReport r;
    size_t i = static_cast<size_t>(w->stream());
    Status st = w->Purge(now, options_.retention_days[i], &r);
    if (!st.ok()) return st;
    if (r.segments_dropped == 0) continue;
    std::string detail = "dropped " + std::to_string(r.records_dropped) + " records in " +
                         std::to_string(r.segments_dropped) + " segments, newest " +
                         FormatIso8601(r.newest_dropped) + ", retention " +
                         std::to_string(options_.retention_days[i]) + " days";
    LogInfo(options_.dir + ": " + std::string(record::StreamName(w->stream())) + ": " + detail);
    Maintenance("purge", record::StreamName(w->stream()), detail);
    if (report) report->push_back(r);
  }
  return Status::OK();
}

void Store::Impl::BackgroundLoop() {
  TimestampUs next_checkpoint = NowUs() + options_.checkpoint_interval_us;
  TimestampUs next_purge = NowUs();
  std::unique_lock<std::mutex> lock(bg_mu_);
  while (!stop_) {
    bg_cv_.wait_for(lock, std::chrono::microseconds(options_.sync_interval_us));
    if (stop_) break;
    lock.unlock();
    TimestampUs now = NowUs();
    Status st = Sync();
    if (st.ok() && now >= next_checkpoint) {
      st = Checkpoint();
      if (!st.ok()) LogError("store: checkpoint: " + st.ToString());
      next_checkpoint = now + options_.checkpoint_interval_us;
    }
    if (now >= next_purge) {
      st = Purge(now, nullptr);
      if (!st.ok()) LogError("store: retention: " + st.ToString());
      next_purge = now + 3600 * kUsPerSecond;
    }
    lock.lock();
  }
}

Status Store::Impl::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  if (background_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(bg_mu_);
      stop_ = true;
    }
    bg_cv_.notify_all();
    background_.join();
  }
  Status st;
  if (key_) st = Checkpoint();
  writers_.clear();
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
  return st;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  Status st = impl->Open();
  if (!st.ok()) return st;
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Status Store::AppendLines(record::StreamId stream, std::string_view lines, uint64_t* first_seq) {
  return impl_->AppendLines(stream, lines, first_seq);
}
Status Store::Sync() { return impl_->Sync(); }
Status Store::Checkpoint() { return impl_->Checkpoint(); }
Status Store::Purge(TimestampUs now, std::vector<PurgeReport>* report) {
  return impl_->Purge(now, report);
}
Status Store::Close() { return impl_->Close(); }
const std::string& Store::dir() const { return impl_->dir(); }

}  // namespace netward::store
