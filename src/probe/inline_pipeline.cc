// src/probe/inline_pipeline.cc: Pipeline::Inline, the NFQUEUE mode: read, analyze, verdict.
#include <chrono>

#include "capture/decoder.h"
#include "capture/nfqueue_source.h"
#include "filter/inline_blocker.h"
#include "probe/dns_name_cache.h"
#include "probe/pipeline.h"
#include "probe/worker.h"

namespace netward::probe {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Result<RunSummary> Pipeline::Inline(const std::atomic<bool>& stop,
                                    const std::function<void()>& on_ready,
                                    filter::InlineBlocker* blocker) {
  RunSummary summary;
  auto start = Clock::now();
  DnsNameCache names;
  capture::NfqueueOptions options;
  options.queue = config_.filter.nfqueue;
  options.copy_range = static_cast<uint32_t>(config_.snaplen > 0 ? config_.snaplen : 65535);
  auto source = capture::NfqueueSource::Open(options);
  if (!source.ok()) return source.status();
  capture::NfqueueSource& queue = **source;

  // One worker on this thread: the verdict must wait for the analysis of its packet.
  Worker worker(config_, sink_, &names, /*feed_names=*/true, enricher_, filter_);
  capture::Decoder decoder;
  capture::RawPacket raw;
  capture::DecodedPacket decoded;
  uint32_t id = 0;
  if (on_ready) on_ready();

  Status error;
  auto last_flush = Clock::now();
  auto last_tick = Clock::now();
  while (!stop.load(std::memory_order_relaxed)) {
    auto next = queue.Next(&raw, &id);
    if (!next.ok()) {
      error = next.status();
      break;
    }
    if (*next) {
      ++summary.packets;
      summary.bytes += raw.caplen;
      bool drop = false;
      capture::DecodeResult r = decoder.Decode(raw, &decoded);
      if (r == capture::DecodeResult::kPacket || r == capture::DecodeResult::kPppoeControl) {
        ++summary.decoded;
        worker.Process(decoded);  // may block the flow (InlineBlocker::Block) right here
        if (blocker != nullptr) drop = blocker->ShouldDrop(decoded, NowUs());
      }
      // A verdict that fails leaves the packet queued until the kernel gives up on it; the
      // queue goes on (counted in the source's stats).
      (void)queue.Verdict(id, !drop);
    }
    const bool flush_due =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - last_flush).count() >=
        config_.flush_interval;
    if (flush_due || !*next || SecondsSince(last_tick) > 0.1) {
      last_tick = Clock::now();
      worker.Tick(NowUs(), flush_due);
    }
    if (flush_due) {
      last_flush = Clock::now();
      Status st = sink_->Flush();
      if (!st.ok()) {
        error = st;
        break;
      }
    }
  }
  worker.Finish(NowUs());
  const WorkerStats& ws = worker.stats();
  summary.flows += ws.flows;
  for (size_t i = 0; i < record::kStreamCount; ++i) summary.records[i] += ws.records[i];
  for (const auto& [name, n] : ws.events) summary.events[name] += n;
  decoder.counters().ForEachNonZero([&summary](std::string_view name, uint64_t count) {
    if (count) summary.skipped[std::string(name)] += count;
  });
  const auto qs = queue.stats();
  summary.kernel_drops = qs.overruns;
  Status flushed = sink_->Flush();
  summary.seconds = SecondsSince(start);
  if (!error.ok()) return error;
  if (!flushed.ok()) return flushed;
  return summary;
}

}  // namespace netward::probe
