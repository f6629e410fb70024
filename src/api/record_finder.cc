#include "api/record_finder.h"

namespace netward::api {

Status StoreRecordFinder::Find(const store::QuerySpec& spec,
                               const std::function<bool(uint64_t, std::string_view)>& emit) const {
  Status synced = store_->Sync();
  if (!synced.ok()) return synced;
  auto reader = store::StoreReader::Open(store_->dir());
  if (!reader.ok()) return reader.status();
  return (*reader)->Query(spec, emit);
}

}  // namespace netward::api
