// src/probe/probe_filter.h: the content filter as `netward probe` and `netward replay` run it
// (docs/config.md, "Filtering in the probe"): the rule engine, the FilterRuntime the workers
// share, the Blocker the [filter] block mode asks for, and the BundleWatcher that loads the
// signed bundle and reloads it (hot, on change or SIGHUP). Owns them all; create it before the
// pipeline runs and destroy it after.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "filter/block_action.h"
#include "filter/bundle_watcher.h"
#include "filter/filter_config.h"
#include "filter/flow_filter.h"
#include "filter/rule_engine.h"
#include "record/record_batch.h"

namespace netward::filter {
class InlineBlocker;
}  // namespace netward::filter

namespace netward::probe {

class ProbeFilter {
 public:
  // Loads the public key and the bundle of `config` (must be enabled), writing the load's
  // `maintenance` record to `sink` (not owned, must outlive this). With `blocking`, opens the
  // Blocker of config.block (passive: PassiveBlocker on inject_interface); without (replay),
  // block rules alert only (taken "alerted"). Errors: the bundle's or the key's (naming the file
  // and the first bad rules), the injector's (naming the interface; inline: the raw sockets').
  static Result<std::unique_ptr<ProbeFilter>> Create(const filter::FilterConfig& config,
                                                     record::RecordSink* sink,
                                                     const std::string& site, bool blocking);
  ~ProbeFilter();

  filter::FilterRuntime* runtime() { return runtime_.get(); }
  filter::BundleWatcher* watcher() { return watcher_.get(); }
  // block = "inline": the Blocker whose verdicts Pipeline::Inline asks (owned here); else null.
  filter::InlineBlocker* inline_blocker() { return inline_blocker_; }

 private:
  ProbeFilter() = default;
  filter::RuleEngine engine_;
  std::unique_ptr<filter::Blocker> blocker_;
  filter::InlineBlocker* inline_blocker_ = nullptr;  // blocker_ in inline mode
  std::unique_ptr<filter::FilterRuntime> runtime_;
  std::unique_ptr<filter::BundleWatcher> watcher_;
};

}  // namespace netward::probe
