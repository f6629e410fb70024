#include "common/malloc_tuning.h"

#include <malloc.h>

namespace netward {

void TuneMalloc() {
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
  // Fixed values also turn off glibc's adaptation of both thresholds.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
}

}  // namespace netward
