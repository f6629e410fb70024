// src/filter/bundle_watcher.h: keeps the probe's rules current (docs/rules.md, "In the probe").
// Loads the [filter] bundle at start (verified with the configured public key: an unsigned or
// wrongly signed bundle is refused), then reloads it when its files change (polled every
// reload_interval by modification time and size) or when asked (SIGHUP). A reload compiles the
// new rules beside the old ones (RuleEngine::Reload): traffic is never dropped, and a failed
// reload keeps the last good rules. Every load and reload, good or failed, writes a
// `maintenance` record (component probe, action rule_change, object the bundle path, detail
// "OLD -> NEW" or why it failed).
// Thread-safe: Poll() and the watcher thread serialise on a mutex; RequestReload() may be called
// from a signal handler.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"
#include "filter/flow_filter.h"
#include "record/record_batch.h"
#include "store/signing_key.h"

namespace netward::filter {

class BundleWatcher {
 public:
  // `runtime` and `sink` are not owned and must outlive the watcher; `site` is stamped on the
  // maintenance records.
  BundleWatcher(FilterRuntime* runtime, record::RecordSink* sink, std::string site);
  ~BundleWatcher();  // Stop()

  // Reads the public key and loads the bundle. On failure the Status names the file and the
  // first problems (InvalidArgument, NotFound, IOError) and no rules are installed: the probe
  // refuses to start.
  Status LoadInitial();
  // Reloads if the bundle's files changed since the last attempt, or if `force`. Returns
  // whether a reload was attempted (and a maintenance record written).
  bool Poll(bool force = false);
  // Async-signal-safe: the watcher thread reloads within 100 ms (SIGHUP).
  void RequestReload() { requested_.store(true, std::memory_order_relaxed); }

  // A thread calling Poll() every reload_interval (and serving RequestReload).
  void Start();
  void Stop();

  const std::string& version() const { return version_; }

 private:
  uint64_t Fingerprint() const;
  Status Load(std::string* new_version);
  void WriteMaintenance(const std::string& detail);
  void Run();

  FilterRuntime* runtime_;
  record::RecordSink* sink_;
  std::string site_;
  std::optional<store::VerifierKey> key_;
  std::mutex mu_;  // Poll / LoadInitial
  std::string version_;
  uint64_t fingerprint_ = 0;
  std::atomic<bool> requested_{false};
  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace netward::filter
