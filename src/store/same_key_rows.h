// src/store/same_key_rows.h: for each row of a row group, the row before it with the same key
// value: what the block format's key-relative columns are coded from (docs/store-format.md,
// "Key-relative columns"). Shared by the writer (block_codec.cc) and the reader
// (block_reader.cc), which must agree on it exactly.
#pragma once

#include <cstdint>
#include <vector>

#include "common/ip_address.h"

namespace netward::store {

// Sets prev->at(i), for i in [0, n), to the largest j < i with keys[j] == keys[i] (the bytes of
// the two addresses equal), or to -1 when there is none. Addresses compare as values: the
// unset address is a key like any other. O(n) expected, no allocation after the first calls of
// a reused `prev` and `table`.
void PreviousRowsWithSameKey(const IpAddress* keys, uint32_t n, std::vector<int32_t>* prev,
                             std::vector<int32_t>* table);

}  // namespace netward::store
