// src/api/record_finder.h: where the site API reads records back (POST /v1/registrations/lookup,
// docs/api.md): the store its records go to.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "common/status.h"
#include "store/store.h"

namespace netward::api {

class RecordFinder {
 public:
  virtual ~RecordFinder() = default;
  // Calls `emit(seq, json_line)` for each record matching `spec`, in leaf order, until it
  // returns false. Sees every record written (RecordWriter::Write returned OK) before the call.
  // Errors are the store's. Thread-safe.
  virtual Status Find(const store::QuerySpec& spec,
                      const std::function<bool(uint64_t, std::string_view)>& emit) const = 0;
};

// Syncs the store (so the reader sees what was just appended) and queries it with a reader of
// its own per call: lookups are rare, audited actions, and a fresh reader sees the newest
// segments.
class StoreRecordFinder : public RecordFinder {
 public:
  explicit StoreRecordFinder(store::Store* store) : store_(store) {}  // not owned
  Status Find(const store::QuerySpec& spec,
              const std::function<bool(uint64_t, std::string_view)>& emit) const override;

 private:
  store::Store* store_;
};

}  // namespace netward::api
