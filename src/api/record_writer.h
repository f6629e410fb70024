// src/api/record_writer.h: where the site API's records go, synchronously: a request is answered
// 200 only after its records were appended, so a 200 means "recorded" (docs/api.md).
//
// StoreSinkWriter appends to a store (store/store.h: appended at once, durable within the
// store's sync_interval like every record) and/or hands the batch to a sink (the probe's JSON
// files) and flushes it, so a write error is seen by the request that caused it.
#pragma once

#include <optional>

#include "common/status.h"
#include "record/record_batch.h"
#include "store/store.h"

namespace netward::api {

class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  // Appends every record of `batch`. On OK, *seq (may be null) holds the store sequence number
  // (leaf index) of the first record of `seq_stream` when a store was written, else nullopt.
  // A non-OK status (the store's or the sink's error) means the records may be missing or partly
  // written; the API answers 503. Thread-safe.
  virtual Status Write(const record::RecordBatch& batch, record::StreamId seq_stream,
                       std::optional<uint64_t>* seq) = 0;
  // Makes what was written durable now, not within the store's sync_interval: a reveal is
  // logged durably before anything is decrypted. Thread-safe.
  virtual Status Sync() { return Status::OK(); }
};

class StoreSinkWriter : public RecordWriter {
 public:
  // Either may be null (not written); neither is owned, both must outlive this.
  StoreSinkWriter(store::Store* store, record::RecordSink* sink) : store_(store), sink_(sink) {}
  Status Write(const record::RecordBatch& batch, record::StreamId seq_stream,
               std::optional<uint64_t>* seq) override;
  Status Sync() override;  // the store's Sync (the sink was flushed by Write)

 private:
  store::Store* store_;
  record::RecordSink* sink_;
};

}  // namespace netward::api
