// src/probe/jsonl_sink.h: writes record batches as JSON lines, one file per stream:
// DIR/session.jsonl, DIR/dns.jsonl, ... Files are created on first use and appended to, so a
// restarted probe never overwrites earlier records. Consume() is thread-safe (one mutex) and
// copies the batch's bytes into stdio buffers; Flush() pushes them to the kernel, and with
// `fsync_on_flush` to the disk. A write error is remembered and returned by Flush()/Close().
#pragma once

#include <array>
#include <cstdio>
#include <mutex>
#include <string>

#include "record/record_batch.h"

namespace netward::probe {

class JsonlDirSink : public record::RecordSink {
 public:
  // Creates DIR (and parents) if missing; IOError if it cannot.
  static Result<std::unique_ptr<JsonlDirSink>> Open(const std::string& dir, bool fsync_on_flush);
  ~JsonlDirSink() override;

  void Consume(const record::RecordBatch& batch) override;
  Status Flush() override;
  Status Close() override;

 private:
  JsonlDirSink(std::string dir, bool fsync_on_flush)
      : dir_(std::move(dir)), fsync_on_flush_(fsync_on_flush) {}
  std::mutex mu_;
  std::string dir_;
  bool fsync_on_flush_;
  std::array<FILE*, record::kStreamCount> files_{};
  Status error_;
};

// Discards records but counts them (replay without --json still reports what it found).
class NullSink : public record::RecordSink {
 public:
  void Consume(const record::RecordBatch&) override {}
};

// Fans a batch out to several sinks (not owned).
class TeeSink : public record::RecordSink {
 public:
  void Add(record::RecordSink* sink) { sinks_.push_back(sink); }
  void Consume(const record::RecordBatch& batch) override {
    for (auto* s : sinks_) s->Consume(batch);
  }
  Status Flush() override {
    Status result;
    for (auto* s : sinks_) {
      Status st = s->Flush();
      if (!st.ok() && result.ok()) result = st;
    }
    return result;
  }

 private:
  std::vector<record::RecordSink*> sinks_;
};

}  // namespace netward::probe
