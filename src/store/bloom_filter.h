// src/store/bloom_filter.h: the split-block Bloom filter in each block header
// (docs/store-format.md, "Bloom filter"). Keys are 64-bit hashes. The filter is an array of
// 512-bit blocks of eight 64-bit words; a key picks one block and sets one bit in each of its
// k = 8 words, so an insert or a probe touches one cache line. Sized at ~7 bits per distinct
// key (about 5 % false positives: each word holds one bit of ~73 keys); distinct keys are estimated
// per key set with a small HyperLogLog, so the builder never holds a set of all keys.
// Thread-compatible; BloomKeys allocates only while its key list grows (Clear keeps capacity).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace netward::store {

constexpr uint32_t kBloomBlockBits = 512;
constexpr uint32_t kBloomBitsPerKey = 7;
constexpr uint8_t kBloomHashes = 8;     // one bit per 64-bit word of the block
constexpr uint8_t kBloomMaxHashes = 8;  // what a reader accepts

// The keys of one column of a block, with an estimate of how many are distinct.
class BloomKeys {
 public:
  void Add(uint64_t key) {
    keys_.push_back(key);
    uint32_t reg = static_cast<uint32_t>(key >> (64 - kHllBits));
    uint64_t rest = (key << kHllBits) | (uint64_t{1} << (kHllBits - 1));
    auto rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
    if (rank > hll_[reg]) hll_[reg] = rank;
  }
  double EstimateDistinct() const;
  const std::vector<uint64_t>& keys() const { return keys_; }
  void Clear();

 private:
  static constexpr int kHllBits = 11;
  std::vector<uint64_t> keys_;
  std::array<uint8_t, 1 << kHllBits> hll_{};
};

// Writes a filter over every key of `sets` to *bits (replacing its contents) and returns its
// size in bits: a multiple of kBloomBlockBits, 0 when there is no key.
uint32_t BuildBloomFilter(const std::vector<const BloomKeys*>& sets, std::string* bits);

// Appends a filter over keys[0, n) at `bits_per_key` bits a key (n counted as distinct) to *out
// and returns its size in bits: a multiple of kBloomBlockBits, 0 when n == 0 (nothing appended).
// The row groups' pair filters (block_format.h).
uint32_t AppendBloomFilter(const uint64_t* keys, size_t n, uint32_t bits_per_key, std::string* out);

// False only if the key was certainly not inserted. True when nbits == 0 (no filter).
// `hashes` (1..8) is the header's hash count.
bool BloomMayContain(const uint8_t* bits, uint32_t nbits, uint8_t hashes, uint64_t key);

}  // namespace netward::store
