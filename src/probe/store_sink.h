// src/probe/store_sink.h: hands record batches to a store (store/store.h). Consume() appends
// each stream's JSON lines; the first error is remembered and returned by Flush()/Close().
// Thread-safe (the store is).
#pragma once

#include <memory>
#include <mutex>

#include "record/record_batch.h"
#include "store/store.h"

namespace netward::probe {

class StoreSink : public record::RecordSink {
 public:
  explicit StoreSink(std::unique_ptr<store::Store> store) : store_(std::move(store)) {}
  void Consume(const record::RecordBatch& batch) override;
  Status Flush() override;
  Status Close() override;

 private:
  std::unique_ptr<store::Store> store_;
  std::mutex mu_;
  Status error_;
};

}  // namespace netward::probe
