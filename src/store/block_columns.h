// src/store/block_columns.h: the columns of each stream's blocks, derived from record/schema.h's
// X-macros (fields in declaration order, then `site`), with what the codec needs to know about
// them. Private to the block codec (block_codec.cc, block_reader.cc).
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "record/schema.h"
#include "store/block_codec.h"

namespace netward::store::block_columns {

struct ColumnDef {
  std::string_view name;
  ColumnType type;
};

struct StreamInfo {
  const ColumnDef* defs = nullptr;
  size_t columns = 0;
  std::vector<bool> indexed;                     // IsIndexedField, per column
  std::vector<std::pair<size_t, size_t>> pairs;  // columns (a, b) with row-group pair filters
  std::vector<uint8_t> pair_shifts;              // per pair: the bucket shift of column b
  // Subscriber columns (block_codec.h, SubscriberDictionary): the key column (an Ip column;
  // -1: none) and the columns that depend on it, in column order; per column its index among
  // them, or -1.
  int key_column = -1;
  std::vector<size_t> dependent;
  std::vector<int> dependent_index;
  // Key-relative columns (docs/store-format.md): the key column (an Ip column; -1: none) and,
  // per column, whether it may be coded from the value of the last earlier row of its row
  // group with the same key.
  int relative_key = -1;
  std::vector<bool> relative;
  uint32_t fingerprint = 0;  // of the names and types: a block's schema version
};

// Built once, on first use (thread-safe). `stream` must be a valid StreamId.
const StreamInfo& Info(record::StreamId stream);

// Most bytes one row of the type can take, 0 if unbounded.
size_t MaxRowBytes(ColumnType type);

}  // namespace netward::store::block_columns
