#include "api/record_writer.h"

namespace netward::api {

Status StoreSinkWriter::Write(const record::RecordBatch& batch, record::StreamId seq_stream,
                              std::optional<uint64_t>* seq) {
  if (seq) seq->reset();
  if (batch.empty()) return Status::OK();
  if (store_) {
    // The stream asked about first, so its record is in before the alerts that explain it.
    const auto append = [&](record::StreamId id) -> Status {
      if (batch.count(id) == 0) return Status::OK();
      uint64_t first = 0;
      Status st = store_->AppendLines(id, batch.lines(id), &first);
      if (st.ok() && seq && id == seq_stream) *seq = first;
      return st;
    };
    Status st = append(seq_stream);
    for (size_t i = 0; i < record::kStreamCount && st.ok(); ++i) {
      const auto id = static_cast<record::StreamId>(i);
      if (id != seq_stream) st = append(id);
    }
    if (!st.ok()) return Status::IOError("store", st.message());
  }
  if (sink_) {
    sink_->Consume(batch);
    Status st = sink_->Flush();
    if (!st.ok()) return Status::IOError("records", st.message());
  }
  return Status::OK();
}

Status StoreSinkWriter::Sync() {
  if (!store_) return Status::OK();
  Status st = store_->Sync();
  return st.ok() ? st : Status::IOError("store", st.message());
}

}  // namespace netward::api
