// src/probe/identity_router.h: where identity records meet the probe's output and the index.
// IdentityRouter is two things at once:
//  - an identity::IdentitySink for sources that run beside the capture (RADIUS accounting server,
//    syslog/IPFIX NAT collectors, conntrack, static bindings). OnLogin()/OnNat() stamp the
//    probe's site, feed the identity index at once (trace and enrichment see the record before it
//    is written) and queue the record; queued records reach the output sink when the queue is
//    full (`batch_bytes`) and on every Flush() (the pipeline flushes on output.flush_interval).
//  - a record::RecordSink in front of the probe's output, given to the Pipeline: every batch is
//    passed on unchanged, and the login/nat records that sniffed analyzers (RADIUS, DHCP, PPPoE)
//    put into it are decoded back and fed to the index.
// Thread-safe: sources call from their own threads, workers Consume() from theirs. The output
// sink sees Consume() calls from those threads too (it must be thread-safe, as every RecordSink).
// Errors: a sniffed login/nat line that does not decode is counted (decode_errors), not fatal.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "identity/identity_index.h"
#include "identity/identity_sink.h"
#include "record/record_batch.h"

namespace netward::probe {

class IdentityRouter : public identity::IdentitySink, public record::RecordSink {
 public:
  // `out` (required) and `index` (may be null: records are only written) are not owned and must
  // outlive the router. `site` is stamped on the records of OnLogin()/OnNat().
  IdentityRouter(std::string site, record::RecordSink* out, identity::IdentityIndex* index,
                 size_t batch_bytes = 256 << 10);
  ~IdentityRouter() override;

  // identity::IdentitySink
  void OnLogin(const record::LoginRecord& record) override;
  void OnNat(const record::NatRecord& record) override;

  // record::RecordSink
  void Consume(const record::RecordBatch& batch) override;
  // Hands the queued identity records to `out`, then flushes `out`.
  Status Flush() override;
  // Hands the queued records over and closes `out`. Sources must be stopped first.
  Status Close() override;

  identity::IdentityIndex* index() const { return index_; }
  uint64_t logins() const { return logins_.load(std::memory_order_relaxed); }
  uint64_t nats() const { return nats_.load(std::memory_order_relaxed); }
  uint64_t decode_errors() const { return decode_errors_.load(std::memory_order_relaxed); }

 private:
  void HandOverLocked();

  record::RecordSink* out_;
  identity::IdentityIndex* index_;
  std::mutex mu_;  // guards batch_
  record::RecordBatch batch_;
  std::atomic<uint64_t> logins_{0};
  std::atomic<uint64_t> nats_{0};
  std::atomic<uint64_t> decode_errors_{0};
};

}  // namespace netward::probe
