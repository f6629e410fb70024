// src/probe/pipeline.h: wires capture -> decode -> workers (flows, analyzers) -> sink.
// Replay() reads capture files as fast as possible; Live() captures from interfaces until told
// to stop. With one worker and a file, everything runs on the calling thread (no copies, no
// queues); otherwise the reading thread decodes and hands packets to worker threads chosen by
// a symmetric flow hash (both directions of a flow reach the same worker).
// Every record reaches the sink before Replay()/Live() return; the sink is flushed on the
// configured interval and at the end. Not reentrant: one run at a time per Pipeline.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "filter/flow_filter.h"
#include "probe/probe_config.h"
#include "record/record_batch.h"

namespace netward::filter {
class InlineBlocker;
}  // namespace netward::filter

namespace netward::probe {

struct RunSummary {
  uint64_t packets = 0;       // frames read
  uint64_t bytes = 0;         // captured bytes of those frames
  uint64_t decoded = 0;       // frames that yielded an IP packet
  uint64_t flows = 0;         // flows created
  uint64_t kernel_drops = 0;  // live only: dropped by the kernel/interface
  std::array<uint64_t, record::kStreamCount> records{};
  std::map<std::string, uint64_t> skipped;  // decode skip/anomaly reason -> count
  std::map<std::string, uint64_t> events;   // analyzer event -> count
  // Replay: a file that turned out damaged part-way (e.g. truncated). The run stopped there;
  // every record of the packets before it was written. OK when the run went to the end.
  Status stopped_by;
  double seconds = 0;
};

struct Progress {
  uint64_t packets = 0;
  uint64_t bytes = 0;            // bytes of packets read so far
  uint64_t file_bytes_done = 0;  // position in the files, for a percentage
  uint64_t file_bytes_total = 0;
  double seconds = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

class Pipeline {
 public:
  // `sink` must outlive the pipeline.
  Pipeline(ProbeConfig config, record::RecordSink* sink);

  // Reads every file in order (pcap or pcapng). A file that cannot be opened fails the call
  // before any work (NotFound/IOError/Corruption naming it). A file damaged part-way ends the
  // run there: the result is still a summary, with `stopped_by` set, and every record of the
  // packets read before the damage has reached the sink. IOError if the sink fails.
  // `progress` (may be empty) is called about twice a second from the calling thread.
  Result<RunSummary> Replay(const std::vector<std::string>& files,
                            const ProgressCallback& progress);

  // Captures on config.interfaces until `stop` becomes true (checked at least every 100 ms).
  // `on_ready` is called once every interface is open.
  Result<RunSummary> Live(const std::atomic<bool>& stop, const std::function<void()>& on_ready);

  // Inline mode (docs/blocking.md): instead of capturing, reads packets from NFQUEUE
  // config.filter.nfqueue, analyzes each one on the calling thread (one worker, so flows need no
  // hashing), then gives its verdict: NF_DROP when `blocker` (may be null: accept everything)
  // says the packet's flow is blocked, else NF_ACCEPT. The queue fails open (kernel accepts
  // unseen packets while it is full). Stops like Live(); `on_ready` once the queue is bound.
  // Errors: NfqueueSource::Open's, a failed read, a failed sink.
  Result<RunSummary> Inline(const std::atomic<bool>& stop, const std::function<void()>& on_ready,
                            filter::InlineBlocker* blocker);

  // Identity enrichment of session/dns/http/tls/mail records (record_batch.h); not owned, must
  // outlive the runs; null (the default) leaves records as analyzers make them. Set before a run.
  void set_enricher(const record::RecordEnricher* enricher) { enricher_ = enricher; }
  // The content filter (filter/flow_filter.h): not owned, must outlive the runs; null (the
  // default) scans nothing. Set before a run.
  void set_filter(filter::FilterRuntime* filter) { filter_ = filter; }

 private:
  ProbeConfig config_;
  record::RecordSink* sink_;
  const record::RecordEnricher* enricher_ = nullptr;
  filter::FilterRuntime* filter_ = nullptr;
};

}  // namespace netward::probe
