#include "probe/pipeline.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "analyzers/dns_answers.h"
#include "capture/decoder.h"
#include "capture/live_source.h"
#include "capture/pcap_file_source.h"
#include "flow/flow_key.h"
#include "probe/dns_name_cache.h"
#include "probe/worker.h"

namespace netward::probe {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// IP packets, and PPPoE control frames (for the workers' PPPoE trackers).
bool ForWorkers(capture::DecodeResult r) {
  return r == capture::DecodeResult::kPacket || r == capture::DecodeResult::kPppoeControl;
}

// Decoded packets (with copies of their payloads) travelling from the reader to one worker.
struct PacketBatch {
  static constexpr size_t kMaxPackets = 512;
  static constexpr size_t kMaxBytes = 1 << 20;
  std::vector<capture::DecodedPacket> packets;
  std::vector<uint32_t> offsets;
  std::vector<uint8_t> bytes;
  TimestampUs clock = 0;  // newest packet time the reader had seen when it handed this over

  PacketBatch() {
    packets.reserve(kMaxPackets);
    offsets.reserve(kMaxPackets);
    bytes.reserve(kMaxBytes + 65536);
  }
  void Add(const capture::DecodedPacket& p) {
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
    bytes.insert(bytes.end(), p.payload, p.payload + p.payload_len);
    packets.push_back(p);
  }
  bool full() const { return packets.size() >= kMaxPackets || bytes.size() >= kMaxBytes; }
  void Clear() {
    packets.clear();
    offsets.clear();
    bytes.clear();
  }
};

// A worker on its own thread, fed through a bounded queue (the reader blocks when it is full,
// so memory stays bounded and no packet is dropped in replay).
class WorkerThread {
 public:
  WorkerThread(const ProbeConfig& config, record::RecordSink* sink, DnsNameCache* names, bool live,
               const record::RecordEnricher* enricher, filter::FilterRuntime* filter)
      : worker_(config, sink, names, /*feed_names=*/false, enricher, filter),
        flush_interval_(config.flush_interval),
        live_(live) {
    thread_ = std::thread([this] { Run(); });
  }
  ~WorkerThread() { Stop(); }

  std::unique_ptr<PacketBatch> TakeFree() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return std::make_unique<PacketBatch>();
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void Push(std::unique_ptr<PacketBatch> batch) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [this] { return queue_.size() < kQueueDepth; });
    queue_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  // Processes what is queued, finishes every flow, joins the thread.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      not_empty_.notify_one();
    }
    thread_.join();
  }
  const Worker& worker() const { return worker_; }

 private:
  static constexpr size_t kQueueDepth = 16;

  void Run() {
    auto last_flush = Clock::now();
    TimestampUs packet_now = 0;
    for (;;) {
      std::unique_ptr<PacketBatch> batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        not_empty_.wait_for(lock, std::chrono::milliseconds(100),
                            [this] { return !queue_.empty() || stopping_; });
        if (!queue_.empty()) {
          batch = std::move(queue_.front());
          queue_.pop_front();
          not_full_.notify_one();
        } else if (stopping_) {
          break;
        }
      }
      if (batch) {
        for (size_t i = 0; i < batch->packets.size(); ++i) {
          capture::DecodedPacket& p = batch->packets[i];
          p.payload = batch->bytes.data() + batch->offsets[i];
          worker_.Process(p);
        }
        packet_now = std::max(packet_now, batch->clock);
        batch->Clear();
        std::lock_guard<std::mutex> lock(mu_);
        free_.push_back(std::move(batch));
      } else if (live_) {
        packet_now = std::max(packet_now, NowUs());  // idle link: time still passes
      }
      bool flush_due =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - last_flush)
              .count() >= flush_interval_;
      if (flush_due) last_flush = Clock::now();
      worker_.Tick(packet_now, flush_due);
    }
    worker_.Finish(packet_now);
  }

  Worker worker_;
  TimestampUs flush_interval_;
  bool live_;
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<std::unique_ptr<PacketBatch>> queue_;
  std::vector<std::unique_ptr<PacketBatch>> free_;
  bool stopping_ = false;
  std::thread thread_;
};

// Routes decoded packets to worker threads by flow hash, batching per worker.
class Dispatcher {
 public:
  Dispatcher(const ProbeConfig& config, record::RecordSink* sink, DnsNameCache* names, bool live,
             const record::RecordEnricher* enricher, filter::FilterRuntime* filter)
      : names_(names), vlan_in_key_(config.vlan_in_key) {
    for (int i = 0; i < config.workers; ++i) {
      threads_.push_back(
          std::make_unique<WorkerThread>(config, sink, names, live, enricher, filter));
      pending_.push_back(threads_.back()->TakeFree());
    }
  }
  void Add(const capture::DecodedPacket& p) {
    // DNS answers go into the name cache here, in packet order, before any later packet can
    // reach a worker: which name a session gets does not depend on thread timing. (DNS over
    // TCP is learned by the workers' analyzers instead.)
    if (p.ip_proto == capture::kIpProtoUdp && p.payload_len > 12 &&
        (p.src_port == 53 || p.src_port == 5353)) {
      analyzers::ForEachDnsAddressAnswer(
          std::span<const uint8_t>(p.payload, p.payload_len),
          [&](std::string_view name, const IpAddress& address, uint32_t ttl) {
            names_->OnDnsAnswer(p.dst_ip, name, address, ttl, p.ts);
          });
    }
    clock_ = std::max(clock_, p.ts);
    size_t w = flow::SymmetricFlowHash(p, vlan_in_key_) % threads_.size();
    pending_[w]->Add(p);
    if (pending_[w]->full()) {
      pending_[w]->clock = clock_;
      threads_[w]->Push(std::move(pending_[w]));
      pending_[w] = threads_[w]->TakeFree();
    }
  }
  // Hands over partly filled batches (live capture: so records are not held back). With
  // `even_empty`, every worker gets one, carrying the reader's clock.
  void PushPartial(bool even_empty = false) {
    for (size_t w = 0; w < threads_.size(); ++w) {
      if (pending_[w]->packets.empty() && !even_empty) continue;
      pending_[w]->clock = clock_;
      threads_[w]->Push(std::move(pending_[w]));
      pending_[w] = threads_[w]->TakeFree();
    }
  }
  void Finish(RunSummary* summary) {
    PushPartial(/*even_empty=*/true);
    for (auto& t : threads_) {
      t->Stop();
      Accumulate(t->worker(), summary);
    }
  }
  static void Accumulate(const Worker& w, RunSummary* s) {
    const WorkerStats& ws = w.stats();
    s->flows += ws.flows;
    for (size_t i = 0; i < record::kStreamCount; ++i) s->records[i] += ws.records[i];
    for (const auto& [name, n] : ws.events) s->events[name] += n;
  }

 private:
  DnsNameCache* names_;
  bool vlan_in_key_;
  TimestampUs clock_ = 0;
  std::vector<std::unique_ptr<WorkerThread>> threads_;
  std::vector<std::unique_ptr<PacketBatch>> pending_;
};

void AddDecodeCounters(const capture::Decoder& decoder, RunSummary* s) {
  decoder.counters().ForEachNonZero([s](std::string_view name, uint64_t count) {
    if (count) s->skipped[std::string(name)] += count;
  });
}

}  // namespace

Pipeline::Pipeline(ProbeConfig config, record::RecordSink* sink)
    : config_(std::move(config)), sink_(sink) {}

Result<RunSummary> Pipeline::Replay(const std::vector<std::string>& files,
                                    const ProgressCallback& progress) {
  RunSummary summary;
  auto start = Clock::now();
  DnsNameCache names;

  // Open every file first: a typo in the last of ten names should fail before any work.
  std::vector<std::unique_ptr<capture::PcapFileSource>> sources;
  uint64_t total_bytes = 0;
  for (const auto& path : files) {
    auto src = capture::PcapFileSource::Open(path);
    if (!src.ok()) return src.status();
    total_bytes += (*src)->file_size();
    sources.push_back(std::move(*src));
  }

  const bool inline_worker = config_.workers <= 1;
  std::unique_ptr<Worker> worker;
  std::unique_ptr<Dispatcher> dispatcher;
  if (inline_worker) {
    worker =
        std::make_unique<Worker>(config_, sink_, &names, /*feed_names=*/true, enricher_, filter_);
  } else {
    dispatcher =
        std::make_unique<Dispatcher>(config_, sink_, &names, /*live=*/false, enricher_, filter_);
  }

  capture::Decoder decoder;
  capture::RawPacket raw;
  capture::DecodedPacket decoded;
  uint64_t done_before = 0;
  TimestampUs last_ts = 0;
  auto last_progress = Clock::now();
  Status read_error;
  for (auto& src : sources) {
    for (;;) {
      auto next = src->Next(&raw);
      if (!next.ok()) {
        read_error = next.status();
        break;
      }
      if (!*next) break;
      ++summary.packets;
      summary.bytes += raw.caplen;
      if (ForWorkers(decoder.Decode(raw, &decoded))) {
        ++summary.decoded;
        last_ts = std::max(last_ts, decoded.ts);
        if (inline_worker) {
          worker->Process(decoded);  // expires due flows itself and hands over full batches
        } else {
          dispatcher->Add(decoded);
        }
      }
      if ((summary.packets & 0xffff) == 0 && progress) {
        if (SecondsSince(last_progress) >= 0.5) {
          last_progress = Clock::now();
          progress(Progress{summary.packets, summary.bytes, done_before + src->bytes_read(),
                            total_bytes, SecondsSince(start)});
        }
      }
    }
    done_before += src->file_size();
    if (!read_error.ok()) break;
  }

  if (inline_worker) {
    worker->Finish(last_ts);
    Dispatcher::Accumulate(*worker, &summary);
  } else {
    dispatcher->Finish(&summary);
  }
  AddDecodeCounters(decoder, &summary);
  Status flushed = sink_->Flush();
  summary.seconds = SecondsSince(start);
  if (progress) {
    progress(Progress{summary.packets, summary.bytes, total_bytes, total_bytes, summary.seconds});
  }
  // A truncated file is still worth its records: they are written, then the damage reported.
  summary.stopped_by = read_error;
  if (!flushed.ok()) return flushed;
  return summary;
}

Result<RunSummary> Pipeline::Live(const std::atomic<bool>& stop,
                                  const std::function<void()>& on_ready) {
  RunSummary summary;
  auto start = Clock::now();
  DnsNameCache names;

  std::vector<std::unique_ptr<capture::LiveSource>> sources;
  for (const auto& iface : config_.interfaces) {
    capture::LiveOptions opts;
    opts.interface = iface;
    opts.bpf_filter = config_.bpf_filter;
    opts.buffer_mb = config_.buffer_mb;
    opts.snaplen = config_.snaplen;
    opts.promiscuous = config_.promiscuous;
    auto src = capture::LiveSource::Open(opts);
    if (!src.ok()) return src.status();
    sources.push_back(std::move(*src));
  }

  Dispatcher dispatcher(config_, sink_, &names, /*live=*/true, enricher_, filter_);
  std::mutex dispatch_mu;  // readers share the dispatcher
  std::atomic<uint64_t> packets{0}, bytes{0}, decoded_count{0};
  std::vector<std::unique_ptr<capture::Decoder>> decoders;
  std::vector<std::thread> readers;
  std::mutex error_mu;
  Status reader_error;
  for (auto& src : sources) {
    decoders.push_back(std::make_unique<capture::Decoder>());
    capture::Decoder* decoder = decoders.back().get();
    capture::LiveSource* source = src.get();
    readers.emplace_back([&, decoder, source] {
      capture::RawPacket raw;
      capture::DecodedPacket decoded;
      auto last_push = Clock::now();
      while (!stop.load(std::memory_order_relaxed)) {
        auto next = source->Next(&raw);
        if (!next.ok()) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (reader_error.ok()) reader_error = next.status();
          return;
        }
        if (*next) {
          packets.fetch_add(1, std::memory_order_relaxed);
          bytes.fetch_add(raw.caplen, std::memory_order_relaxed);
          if (ForWorkers(decoder->Decode(raw, &decoded))) {
            decoded_count.fetch_add(1, std::memory_order_relaxed);
            std::lock_guard<std::mutex> lock(dispatch_mu);
            dispatcher.Add(decoded);
          }
        }
        // Live traffic trickles: hand partial batches over every 50 ms so records are timely.
        if (!*next || SecondsSince(last_push) > 0.05) {
          last_push = Clock::now();
          std::lock_guard<std::mutex> lock(dispatch_mu);
          dispatcher.PushPartial();
        }
      }
    });
  }
  if (on_ready) on_ready();

  auto last_flush = Clock::now();
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - last_flush).count() >=
        config_.flush_interval) {
      last_flush = Clock::now();
      Status st = sink_->Flush();
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (reader_error.ok()) reader_error = st;
      }
    }
    std::lock_guard<std::mutex> lock(error_mu);
    if (!reader_error.ok()) break;
  }
  for (auto& t : readers) t.join();
  dispatcher.Finish(&summary);
  for (auto& src : sources) {
    auto st = src->stats();
    summary.kernel_drops += st.dropped + st.if_dropped;
  }
  for (auto& d : decoders) AddDecodeCounters(*d, &summary);
  summary.packets = packets.load();
  summary.bytes = bytes.load();
  summary.decoded = decoded_count.load();
  Status flushed = sink_->Flush();
  summary.seconds = SecondsSince(start);
  if (!reader_error.ok()) return reader_error;
  if (!flushed.ok()) return flushed;
  return summary;
}

}  // namespace netward::probe
