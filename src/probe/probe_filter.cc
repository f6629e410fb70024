#include "probe/probe_filter.h"

#include "filter/inline_blocker.h"
#include "filter/passive_blocker.h"

namespace netward::probe {

ProbeFilter::~ProbeFilter() {
  if (watcher_) watcher_->Stop();
}

Result<std::unique_ptr<ProbeFilter>> ProbeFilter::Create(const filter::FilterConfig& config,
                                                         record::RecordSink* sink,
                                                         const std::string& site, bool blocking) {
  std::unique_ptr<ProbeFilter> f(new ProbeFilter());
  if (blocking && config.block == filter::BlockMode::kPassive) {
    filter::PassiveBlockerOptions o;
    o.interface = config.inject_interface;
    if (config.dns_sinkhole) {
      if (config.sinkhole_address.is_v4()) {
        o.dns.sinkhole_v4 = config.sinkhole_address;
      } else {
        o.dns.sinkhole_v6 = config.sinkhole_address;
      }
    }
    auto opened = filter::PassiveBlocker::Open(o);
    if (!opened.ok()) return opened.status();
    f->blocker_ = std::move(*opened);
  } else if (blocking && config.block == filter::BlockMode::kInline) {
    // NFQUEUE: drops the flow, resets/answers through routed raw sockets (inline_blocker.h).
    filter::InlineBlockerOptions o;
    if (config.dns_sinkhole) {
      if (config.sinkhole_address.is_v4()) {
        o.dns.sinkhole_v4 = config.sinkhole_address;
      } else {
        o.dns.sinkhole_v6 = config.sinkhole_address;
      }
    }
    auto opened = filter::InlineBlocker::Open(o);
    if (!opened.ok()) return opened.status();
    f->inline_blocker_ = opened->get();
    f->blocker_ = std::move(*opened);
  }
  f->runtime_ = std::make_unique<filter::FilterRuntime>(config, &f->engine_, f->blocker_.get());
  f->watcher_ = std::make_unique<filter::BundleWatcher>(f->runtime_.get(), sink, site);
  Status st = f->watcher_->LoadInitial();
  if (!st.ok()) return st;
  return f;
}

}  // namespace netward::probe
