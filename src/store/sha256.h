// src/store/sha256.h: SHA-256 of many short messages, for the Merkle tree's leaves and nodes
// (store/merkle.h). One message of SHA-256 is a chain of dependent rounds, so a core with the
// SHA extensions (SHA-NI) sits idle most of each round's latency; hashing two messages at once,
// their rounds interleaved, nearly doubles the throughput. Where the CPU lacks SHA-NI (or is not
// x86-64) every call falls back to libcrypto, one message at a time, with the same results.
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

// True if the SHA-NI code path is used on this CPU.
bool HaveShaNi();

// out[i] = SHA-256(prefix || messages[i]) for i < n (the Merkle leaf hash with prefix 0x00).
// Messages are hashed two at a time; ~1.1 cycles a byte with SHA-NI against ~2.2 one by one.
void HashPrefixed(uint8_t prefix, const std::string_view* messages, size_t n, Digest* out);

// out[i] = SHA-256(prefix || children[2i] || children[2i+1]) for i < n (Merkle nodes with
// prefix 0x01, one level of a tree from the level below). `out` may be `children`: each result
// is written after the inputs at and before its own position are read.
void HashPairs(uint8_t prefix, const Digest* children, size_t n, Digest* out);

// SHA-256(prefix || message) and SHA-256(prefix || left || right) for one message.
Digest HashPrefixed(uint8_t prefix, std::string_view message);
Digest HashPair(uint8_t prefix, const Digest& left, const Digest& right);

}  // namespace netward::store::sha256
