// src/record/record_batch.h: a per-thread batch of encoded records, handed to a sink whole.
// Analyzers call Add(record); the record is encoded at once into the batch's buffer for its
// stream (the one copy a record's bytes get), so the caller may reuse the record right after.
// When full() the owner hands the batch to RecordSink::Consume and then calls Clear(), which keeps
// the buffers' capacity: after warm-up a batch allocates nothing. Not thread-safe: one per thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "record/json_encoder.h"
#include "record/schema.h"

namespace netward::record {

class RecordBatch {
 public:
  explicit RecordBatch(std::string site = {}, size_t capacity_bytes = 1 << 20)
      : site_(std::move(site)), capacity_bytes_(capacity_bytes) {}

  template <typename R>
  void Add(const R& r) {
    const size_t i = static_cast<size_t>(R::kStream);
    size_t before = lines_[i].size();
    EncodeJsonLine(r, site_, &lines_[i]);
    bytes_ += lines_[i].size() - before;
    ++counts_[i];
  }

  bool full() const { return bytes_ >= capacity_bytes_; }
  bool empty() const { return bytes_ == 0; }
  // The JSON lines of one stream, each ending in '\n'.
  std::string_view lines(StreamId id) const { return lines_[static_cast<size_t>(id)]; }
  uint64_t count(StreamId id) const { return counts_[static_cast<size_t>(id)]; }
  void Clear() {
    for (auto& l : lines_) l.clear();
    counts_.fill(0);
    bytes_ = 0;
  }
  const std::string& site() const { return site_; }

 private:
  std::string site_;
  size_t capacity_bytes_;
  size_t bytes_ = 0;
  std::array<std::string, kStreamCount> lines_;
  std::array<uint64_t, kStreamCount> counts_{};
};

// Where batches go: files, the store, a test's vector. Consume() may be called from several
// threads at once; an implementation serialises internally if it must. Consume() does not keep
// references into `batch` after it returns. Errors are reported by Close() (and may be counted).
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void Consume(const RecordBatch& batch) = 0;
  // Makes everything consumed so far durable (as far as the sink can); IOError on failure.
  virtual Status Flush() { return Status::OK(); }
  virtual Status Close() { return Flush(); }
};

}  // namespace netward::record
