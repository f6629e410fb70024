#include "filter/bundle_watcher.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "common/time.h"
#include "record/schema.h"

namespace netward::filter {
namespace {

namespace fs = std::filesystem;

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

uint64_t HashString(uint64_t h, const std::string& s) {
  for (char c : s) h = Mix(h, static_cast<uint8_t>(c));
  return h;
}

// Modification time and size of one file, folded into h (0-ish if missing).
uint64_t HashFile(uint64_t h, const fs::path& p) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec) return Mix(h, 1);
  auto mtime = fs::last_write_time(p, ec);
  if (ec) return Mix(h, 2);
  h = HashString(h, p.filename().string());
  h = Mix(h, size);
  return Mix(h, static_cast<uint64_t>(mtime.time_since_epoch().count()));
}

}  // namespace

BundleWatcher::BundleWatcher(FilterRuntime* runtime, record::RecordSink* sink, std::string site)
    : runtime_(runtime), sink_(sink), site_(std::move(site)) {}

BundleWatcher::~BundleWatcher() { Stop(); }

uint64_t BundleWatcher::Fingerprint() const {
  const fs::path path(runtime_->config().bundle);
  std::error_code ec;
  uint64_t h = 0x51ed270b27c4a3f1ULL;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path, ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) h = HashFile(h, f);
    return h;
  }
  h = HashFile(h, path);
  return HashFile(h, fs::path(path.string() + ".sig"));
}

Status BundleWatcher::Load(std::string* new_version) {
  const FilterConfig& c = runtime_->config();
  if (!key_) {
    auto key = store::VerifierKey::Load(c.pubkey);
    if (!key.ok()) return key.status();
    key_.emplace(std::move(*key));
  }
  fingerprint_ = Fingerprint();
  BundleLoadOptions options;
  options.verify_with = &*key_;
  std::vector<BundleProblem> problems;
  Status st = runtime_->engine()->Reload(c.bundle, options, &problems);
  if (!st.ok()) {
    std::string why = st.message();
    size_t shown = 0;
    for (const BundleProblem& p : problems) {
      if (++shown > 5) {
        why += "; ... " + std::to_string(problems.size() - 5) + " more";
        break;
      }
      why += "; " + p.file + (p.rule_id.empty() ? "" : ": rule " + p.rule_id) + ": " + p.reason;
    }
    switch (st.code()) {
      case Status::Code::kNotFound:
        return Status::NotFound(why);
      case Status::Code::kIOError:
        return Status::IOError(why);
      default:
        return Status::InvalidArgument(why);
    }
  }
  runtime_->RulesChanged();
  auto current = runtime_->engine()->Current();
  *new_version = current ? current->version() : std::string();
  return Status::OK();
}

Status BundleWatcher::LoadInitial() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string version;
  Status st = Load(&version);
  if (!st.ok()) return st;
  WriteMaintenance("loaded rule bundle version " + version + " (" +
                   std::to_string(runtime_->engine()->Current()->rule_count()) + " rules)");
  version_ = version;
  return Status::OK();
}

bool BundleWatcher::Poll(bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!force && Fingerprint() == fingerprint_) return false;
  std::string version;
  Status st = Load(&version);
  if (!st.ok()) {
    WriteMaintenance("reload failed, keeping version " + version_ + ": " + st.message());
    return true;
  }
  WriteMaintenance(version_ + " -> " + version + " (" +
                   std::to_string(runtime_->engine()->Current()->rule_count()) + " rules)");
  version_ = version;
  return true;
}

void BundleWatcher::WriteMaintenance(const std::string& detail) {
  if (!sink_) return;
  record::MaintenanceRecord m;
  m.ts = NowUs();
  m.component = "probe";
  m.action = "rule_change";
  m.actor = "netward probe";
  m.object = runtime_->config().bundle;
  m.detail = detail;
  record::RecordBatch batch(site_);
  batch.Add(m);
  sink_->Consume(batch);
}

void BundleWatcher::Start() {
  std::lock_guard<std::mutex> lock(thread_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void BundleWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BundleWatcher::Run() {
  const TimestampUs interval = runtime_->config().reload_interval;
  auto next_poll = std::chrono::steady_clock::now() + std::chrono::microseconds(interval);
  std::unique_lock<std::mutex> lock(thread_mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(100));
    if (stopping_) break;
    const bool requested = requested_.exchange(false, std::memory_order_relaxed);
    const bool due = interval > 0 && std::chrono::steady_clock::now() >= next_poll;
    if (!requested && !due) continue;
    lock.unlock();
    Poll(/*force=*/requested);
    lock.lock();
    next_poll = std::chrono::steady_clock::now() + std::chrono::microseconds(interval);
  }
}

}  // namespace netward::filter
