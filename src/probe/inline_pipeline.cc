// src/probe/inline_pipeline.cc: Pipeline::Inline, the NFQUEUE mode: read, analyze, verdict, on
// one thread per queue.
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

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

// One queue's thread: its own decoder and worker (flow table), so the verdict waits only for
// the analysis of its own packet. The kernel's queue balancing hashes the address pair in both
// directions alike, so every packet of a flow comes to the same queue.
struct QueueLoop {
  capture::NfqueueSource* queue = nullptr;
  std::unique_ptr<Worker> worker;
  capture::Decoder decoder;
  uint64_t packets = 0, bytes = 0, decoded = 0;
  Status error;

  void Run(const std::atomic<bool>& stop, const std::atomic<bool>& failed,
           filter::InlineBlocker* blocker, TimestampUs flush_interval) {
    capture::RawPacket raw;
    capture::DecodedPacket packet;
    uint32_t id = 0;
    auto last_flush = Clock::now();
    auto last_tick = Clock::now();
    while (!stop.load(std::memory_order_relaxed) && !failed.load(std::memory_order_relaxed)) {
      auto next = queue->Next(&raw, &id);
      if (!next.ok()) {
        error = next.status();
        return;
      }
      if (*next) {
        ++packets;
        bytes += raw.caplen;
        bool drop = false;
        capture::DecodeResult r = decoder.Decode(raw, &packet);
        if (r == capture::DecodeResult::kPacket || r == capture::DecodeResult::kPppoeControl) {
          ++decoded;
          worker->Process(packet);  // may block the flow (InlineBlocker::Block) right here
          if (blocker != nullptr) drop = blocker->ShouldDrop(packet, NowUs());
        }
        // A verdict that fails leaves the packet queued until the kernel gives up on it; the
        // queue goes on (counted in the source's stats).
        (void)queue->Verdict(id, !drop);
      }
      const bool flush_due =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - last_flush)
              .count() >= flush_interval;
      if (flush_due || !*next || SecondsSince(last_tick) > 0.1) {
        last_tick = Clock::now();
        worker->Tick(NowUs(), flush_due);
      }
      if (flush_due) last_flush = Clock::now();
    }
  }
};

}  // namespace

Result<RunSummary> Pipeline::Inline(const std::atomic<bool>& stop,
                                    const std::function<void()>& on_ready,
                                    filter::InlineBlocker* blocker) {
  RunSummary summary;
  auto start = Clock::now();
  DnsNameCache names;
  // Every queue is bound before the first packet is read: a queue that cannot be opened (no
  // permission, taken by another program) fails the start, not a later thread.
  const uint16_t count = std::max<uint16_t>(1, config_.filter.nfqueues);
  std::vector<std::unique_ptr<capture::NfqueueSource>> sources;
  for (uint16_t i = 0; i < count; ++i) {
    capture::NfqueueOptions options;
    options.queue = static_cast<uint16_t>(config_.filter.nfqueue + i);
    options.copy_range = static_cast<uint32_t>(config_.snaplen > 0 ? config_.snaplen : 65535);
    auto source = capture::NfqueueSource::Open(options);
    if (!source.ok()) return source.status();
    sources.push_back(std::move(source.value()));
  }
  std::vector<QueueLoop> loops(count);
  for (uint16_t i = 0; i < count; ++i) {
    loops[i].queue = sources[i].get();
    loops[i].worker =
        std::make_unique<Worker>(config_, sink_, &names, /*feed_names=*/true, enricher_, filter_);
  }
  if (on_ready) on_ready();

  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (QueueLoop& loop : loops) {
    threads.emplace_back([&] {
      loop.Run(stop, failed, blocker, config_.flush_interval);
      if (!loop.error.ok()) failed.store(true);
    });
  }
  // This thread makes the records durable at each flush interval and watches for errors.
  Status error;
  auto last_flush = Clock::now();
  while (!stop.load() && !failed.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - last_flush).count() >=
        config_.flush_interval) {
      last_flush = Clock::now();
      Status st = sink_->Flush();
      if (!st.ok()) {
        error = st;
        failed.store(true);
      }
    }
  }
  for (std::thread& t : threads) t.join();

  for (QueueLoop& loop : loops) {
    if (error.ok() && !loop.error.ok()) error = loop.error;
    loop.worker->Finish(NowUs());
    summary.packets += loop.packets;
    summary.bytes += loop.bytes;
    summary.decoded += loop.decoded;
    const WorkerStats& ws = loop.worker->stats();
    summary.flows += ws.flows;
    for (size_t i = 0; i < record::kStreamCount; ++i) summary.records[i] += ws.records[i];
    for (const auto& [name, n] : ws.events) summary.events[name] += n;
    loop.decoder.counters().ForEachNonZero([&summary](std::string_view name, uint64_t n) {
      if (n) summary.skipped[std::string(name)] += n;
    });
    summary.kernel_drops += loop.queue->stats().overruns;
  }
  Status flushed = sink_->Flush();
  summary.seconds = SecondsSince(start);
  if (!error.ok()) return error;
  if (!flushed.ok()) return flushed;
  return summary;
}

}  // namespace netward::probe
