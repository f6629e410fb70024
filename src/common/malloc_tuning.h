// src/common/malloc_tuning.h: glibc malloc settings for netward's processes.
//
// A store query opens a reader per block and frees its decoded columns (a few MiB) when it
// moves to the next block. With glibc's defaults (trim and mmap thresholds of 128 KiB that adapt
// as the process goes) those frees hand the pages back to the kernel and the next block faults
// them in again, zero-filled: on a day-long substring search that was up to 2/3 of the time,
// and it changed with the order of allocations (bench/RESULTS.md, "Store"). TuneMalloc() keeps
// freed memory for reuse: pages are returned only when over 64 MiB is free at the top of the
// heap, and blocks under 32 MiB come from the heap. Call it first thing in main(); the probe,
// the API and the CLI commands all run with it, and so do the benchmarks that measure them.
#pragma once

namespace netward {

void TuneMalloc();

}  // namespace netward
