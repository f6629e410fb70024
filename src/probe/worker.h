// src/probe/worker.h: one analysis thread's state: a flow table, the analyzers of its flows and
// a record batch. Packets of one flow always reach the same worker (symmetric flow hash), so a
// worker needs no locks; only the DNS name cache and the sink are shared.
// Process() is the hot path: no allocation per packet once flows exist (analyzers allocate per
// flow, the batch grows to its capacity once).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "analyzers/analyzer.h"
#include "analyzers/detecting_forwarder.h"
#include "analyzers/pppoe.h"
#include "analyzers/registry.h"
#include "capture/packet.h"
#include "filter/flow_filter.h"
#include "flow/flow_table.h"
#include "probe/dns_name_cache.h"
#include "probe/probe_config.h"
#include "record/record_batch.h"

namespace netward::probe {

struct WorkerStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t flows = 0;
  std::array<uint64_t, record::kStreamCount> records{};
  std::map<std::string, uint64_t, std::less<>> events;  // analyzer events by name
};

class Worker : public flow::FlowObserver,
               public flow::StreamReceiver,
               public analyzers::EventCounter {
 public:
  // `sink` and `names` are shared and must outlive the worker. With `feed_names` the worker's
  // DNS analyzers fill `names`; without, the caller does (the multi-threaded pipeline feeds it
  // from its reader thread so that names do not depend on thread timing).
  // `enricher` (may be null, not owned) enriches the worker's records (record_batch.h).
  // `filter` (may be null: no content filtering; not owned) gives each flow a FlowFilter fed by
  // its analyzers' content hooks; a block is carried out after the packet that completed the
  // match has been processed (filter/flow_filter.h).
  Worker(const ProbeConfig& config, record::RecordSink* sink, DnsNameCache* names,
         bool feed_names = true, const record::RecordEnricher* enricher = nullptr,
         filter::FilterRuntime* filter = nullptr);
  ~Worker() override;

  // Tracks the packet's flow, reassembles TCP, runs the flow's analyzer. PPPoE control frames
  // (packet.pppoe_ethertype set) go to the worker's PppoeTracker instead.
  void Process(const capture::DecodedPacket& packet);
  // Expires idle flows by packet time (the newest time of the whole capture, which may be ahead
  // of this worker's own packets), and hands the batch to the sink when `flush_due` (the
  // caller's timer) or when it is full.
  void Tick(TimestampUs packet_now, bool flush_due);
  // Expires what is due at `final_clock` (the last packet time of the capture), then ends every
  // other flow (close = eof) and hands over the last batch.
  void Finish(TimestampUs final_clock);

  const WorkerStats& stats() const { return stats_; }
  const flow::FlowTable& table() const { return *table_; }

  // flow::FlowObserver: writes the session record (and lets the analyzer finish).
  void OnFlowClose(flow::Flow& flow, flow::CloseReason reason) override;
  // flow::StreamReceiver: in-order TCP bytes of the current flow.
  void OnStreamData(int direction, std::span<const uint8_t> data) override;
  void OnStreamGap(int direction, uint64_t length) override;
  // analyzers::EventCounter
  void Count(std::string_view event_name) override;

 private:
  struct FlowApp;
  FlowApp* AppOf(flow::Flow& flow);
  // Passes payload to the flow's forwarder (protocol detection, then the analyzer).
  void Deliver(flow::Flow& flow, int direction, std::span<const uint8_t> data);
  analyzers::AnalyzerContext ContextFor(FlowApp& app, TimestampUs now);
  void HandOver();
  // Content filter: the hook analyzers call (user = this), the env of the flow being delivered,
  // and the block of a flow whose filter holds one (after its packet was processed).
  static void ContentHook(void* user, std::string_view what, std::string_view bytes);
  filter::FlowFilterEnv FilterEnv(FlowApp& app, TimestampUs now);
  void CarryOutBlock(flow::Flow& flow, int direction, const capture::DecodedPacket& p);

  record::RecordSink* sink_;
  DnsNameCache* names_;
  analyzers::DnsObserver* dns_observer_;  // names_ or null
  record::RecordBatch batch_;
  std::unique_ptr<flow::FlowTable> table_;
  WorkerStats stats_;
  analyzers::PppoeTracker pppoe_;
  flow::Flow* current_flow_ = nullptr;
  TimestampUs now_ = 0;
  filter::FilterRuntime* filter_;
  std::shared_ptr<const filter::CompiledRules> rules_;  // filter_'s rules as of rules_gen_
  uint64_t rules_gen_ = 0;
  FlowApp* hook_app_ = nullptr;  // the flow whose analyzer runs (content hook target)
  TimestampUs hook_now_ = 0;
};

}  // namespace netward::probe
