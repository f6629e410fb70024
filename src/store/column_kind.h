// src/store/column_kind.h: the schema type of each column of a stream's blocks (fields in
// declaration order, then `site`), for code that reads columns generically (query, export).
#pragma once

#include <vector>

#include "record/schema.h"

namespace netward::store {

enum class ColumnKind { kTime, kString, kIp, kUint, kStringList, kU32List };

// One entry per column (ColumnCount(stream) entries).
const std::vector<ColumnKind>& ColumnKinds(record::StreamId stream);

}  // namespace netward::store
