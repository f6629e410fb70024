// src/record/record_batch.h: a per-thread batch of encoded records, handed to a sink whole.
// Analyzers call Add(record); the record is encoded at once into the batch's buffer for its
// stream (the one copy a record's bytes get), so the caller may reuse the record right after.
// When full() the owner hands the batch to RecordSink::Consume and then calls Clear(), which keeps
// the buffers' capacity: after warm-up a batch allocates nothing. Not thread-safe: one per thread.
// With an enricher (set_enricher), session/dns/http/tls/mail records are enriched with the
// client's identity before they are encoded (a thread-local copy of the record, only when the
// enricher knows something): the caller's record is never changed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "record/json_encoder.h"
#include "record/schema.h"

namespace netward::record {

// What identity enrichment knows about the client of a flow (issue 4).
struct ClientIdentity {
  IpAddress nat_ip;  // public address after NAT; unset if no NAT mapping is known
  uint16_t nat_port = 0;
  std::string mac;
  std::string account;
  std::string calling_id;
  void Clear() {
    nat_ip = IpAddress{};
    nat_port = 0;
    mac.clear();
    account.clear();
    calling_id.clear();
  }
};

// Looks up who a record's client is (identity/identity_index.h implements it). Thread-safe: the
// workers of a probe share one.
class RecordEnricher {
 public:
  virtual ~RecordEnricher() = default;
  // Fills `*out` (cleared by the caller) for the client `src_ip`:`src_port` talking to
  // `dst_ip`:`dst_port` at `ts`; false, quickly, when nothing is known.
  virtual bool LookupClient(TimestampUs ts, const IpAddress& src_ip, uint16_t src_port,
                            const IpAddress& dst_ip, uint16_t dst_port,
                            ClientIdentity* out) const = 0;
};

// Records whose client can be enriched: session, dns, http, tls, mail.
template <typename R>
concept EnrichableRecord = requires(R r) {
  r.src_ip;
  r.src_port;
  r.dst_ip;
  r.dst_port;
  r.nat_ip;
  r.nat_port;
  r.mac;
  r.account;
  r.calling_id;
};

class RecordBatch {
 public:
  explicit RecordBatch(std::string site = {}, size_t capacity_bytes = 1 << 20)
      : site_(std::move(site)), capacity_bytes_(capacity_bytes) {}

  template <typename R>
  void Add(const R& r) {
    if constexpr (EnrichableRecord<R>) {
      if (enricher_) {
        identity_.Clear();
        if (enricher_->LookupClient(r.ts, r.src_ip, r.src_port, r.dst_ip, r.dst_port, &identity_)) {
          thread_local R copy;  // keeps its capacity: no allocation after warm-up
          copy = r;
          if (copy.nat_ip.is_unspecified() && !identity_.nat_ip.is_unspecified()) {
            copy.nat_ip = identity_.nat_ip;
            copy.nat_port = identity_.nat_port;
          }
          if (copy.mac.empty()) copy.mac = identity_.mac;
          if (copy.account.empty()) copy.account = identity_.account;
          if (copy.calling_id.empty()) copy.calling_id = identity_.calling_id;
          Encode(copy);
          return;
        }
      }
    }
    Encode(r);
  }

  // With an enricher, session, dns, http, tls and mail records get the client's account,
  // calling_id, mac and NAT address (fields the record already has are kept). Not owned; null
  // (the default) turns enrichment off.
  void set_enricher(const RecordEnricher* enricher) { enricher_ = enricher; }

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
  template <typename R>
  void Encode(const R& r) {
    const size_t i = static_cast<size_t>(R::kStream);
    size_t before = lines_[i].size();
    EncodeJsonLine(r, site_, &lines_[i]);
    bytes_ += lines_[i].size() - before;
    ++counts_[i];
  }

  const RecordEnricher* enricher_ = nullptr;
  ClientIdentity identity_;
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
