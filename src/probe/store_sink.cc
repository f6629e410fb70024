#include "probe/store_sink.h"

namespace netward::probe {

void StoreSink::Consume(const record::RecordBatch& batch) {
  for (size_t i = 0; i < record::kStreamCount; ++i) {
    auto id = static_cast<record::StreamId>(i);
    if (batch.count(id) == 0) continue;
    Status st = store_->AppendLines(id, batch.lines(id));
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (error_.ok()) error_ = st;
    }
  }
}

Status StoreSink::Flush() {
  Status st = store_->Sync();
  std::lock_guard<std::mutex> lock(mu_);
  return error_.ok() ? st : error_;
}

Status StoreSink::Close() {
  Status st = store_->Close();
  std::lock_guard<std::mutex> lock(mu_);
  return error_.ok() ? st : error_;
}

}  // namespace netward::probe
