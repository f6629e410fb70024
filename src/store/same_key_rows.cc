// src/store/same_key_rows.cc: see same_key_rows.h.
#include "store/same_key_rows.h"

#include "store/block_format.h"

namespace netward::store {

void PreviousRowsWithSameKey(const IpAddress* keys, uint32_t n, std::vector<int32_t>* prev,
                             std::vector<int32_t>* table) {
  prev->resize(n);
  // Open addressing over at least 2n slots, each the last row seen with its key (-1: empty).
  size_t slots = 16;
  while (slots < 2 * size_t{n}) slots <<= 1;
  table->assign(slots, -1);
  const size_t mask = slots - 1;
  for (uint32_t i = 0; i < n; ++i) {
    size_t slot = static_cast<size_t>(block_format::IpHash(keys[i])) & mask;
    int32_t found = -1;
    for (;; slot = (slot + 1) & mask) {
      const int32_t j = (*table)[slot];
      if (j < 0) break;
      if (keys[j] == keys[i]) {
        found = j;
        break;
      }
    }
    (*prev)[i] = found;
    (*table)[slot] = static_cast<int32_t>(i);
  }
}

}  // namespace netward::store
