// src/store/sha256.h: SHA-256 of many short messages, for the Merkle tree's leaves and nodes
// (store/merkle.h). One message of SHA-256 is a chain of dependent rounds, so a core with the
// SHA extensions (SHA-NI) may sit idle during each round's latency; hashing two messages at once,
// their rounds interleaved, fills it (on the bench's Zen 4 it gains only ~7% over libcrypto,
// which uses SHA-NI too: there the round instruction's throughput is the limit). A CPU with AVX-512
// (F, VL, BW, and an OS that saves the ZMM state) can instead hash sixteen messages at once, one
// per 32-bit lane of a ZMM register (sha256_avx512.cc). Where the CPU has neither (or is not
// x86-64) every call falls back to libcrypto, one message at a time. Every path gives the same
// results.
//
// The batch functions use DefaultPath(): AVX-512 where available, else SHA-NI, else libcrypto,
// the fastest first as measured on AMD EPYC Zen 4 (bench/merkle_bench.cc: ~99 / ~203 / ~219 ns
// per 150-400-byte leaf, ~32 / ~86 / ~107 ns per node pair). The environment
// variable NETWARD_SHA256 = libcrypto | shani | avx512, read once at the first call, overrides it
// where that path is available (for benchmarks and tests; an unavailable one is ignored).
//
// All functions are thread-safe (no shared state after the first call's CPU check) and allocate
// nothing. Inputs may alias nothing they write.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace netward::store::sha256 {

using Digest = std::array<uint8_t, 32>;

// The ways to compute a batch of hashes.
enum class Path {
  kLibcrypto,  // OpenSSL's SHA256, one message at a time; every CPU
  kShaNi,      // the x86 SHA extensions, two messages interleaved
  kAvx512,     // sixteen messages in the lanes of ZMM registers
};

// True if this CPU (and OS) can run `path`. kLibcrypto is always available.
bool Available(Path path);
// The path the batch functions without a Path argument use (see above).
Path DefaultPath();
// "libcrypto", "shani" or "avx512".
const char* PathName(Path path);

// True if the SHA-NI code path is available on this CPU.
inline bool HaveShaNi() { return Available(Path::kShaNi); }

// out[i] = SHA-256(prefix || messages[i]) for i < n (the Merkle leaf hash with prefix 0x00).
// Messages of any mix of lengths: the AVX-512 path refills a lane with the next message as soon
// as the lane's message is done, so lanes stay busy until the batch runs out.
void HashPrefixed(uint8_t prefix, const std::string_view* messages, size_t n, Digest* out);

// out[i] = SHA-256(prefix || children[2i] || children[2i+1]) for i < n (Merkle nodes with
// prefix 0x01, one level of a tree from the level below). `out` may be `children`: each result
// is written after the inputs at and before its own position are read.
void HashPairs(uint8_t prefix, const Digest* children, size_t n, Digest* out);

// The same on an explicit path (for benchmarks and tests); one not Available() is replaced by
// DefaultPath().
void HashPrefixed(Path path, uint8_t prefix, const std::string_view* messages, size_t n,
                  Digest* out);
void HashPairs(Path path, uint8_t prefix, const Digest* children, size_t n, Digest* out);

// SHA-256(prefix || message) and SHA-256(prefix || left || right) for one message.
Digest HashPrefixed(uint8_t prefix, std::string_view message);
Digest HashPair(uint8_t prefix, const Digest& left, const Digest& right);

namespace detail {  // shared by sha256.cc and sha256_avx512.cc only

// True if the CPU has AVX-512 F, VL and BW and the OS saves the opmask and ZMM registers.
bool DetectAvx512();
// Compresses blocks[l] (64 bytes each) into lane l of `state`, where state[j][l] is word j
// (a..h) of lane l's chaining value, for all 16 lanes; `state` is 64-byte aligned. Requires
// DetectAvx512().
void Compress16(uint32_t (*state)[16], const uint8_t* const* blocks);

}  // namespace detail

}  // namespace netward::store::sha256
