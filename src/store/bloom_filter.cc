#include "store/bloom_filter.h"

#include <cmath>
#include <cstring>

namespace netward::store {
namespace {

// The 512-bit block of a key: a multiply-shift range reduction of its high 32 bits.
inline uint32_t BlockOf(uint64_t key, uint32_t nblocks) {
  return static_cast<uint32_t>(((key >> 32) * nblocks) >> 32);
}
// The bit of word i is bits [58 - 6i, 64 - 6i) of key * golden ratio (its best-mixed bits).
inline uint64_t PositionsOf(uint64_t key) { return key * 0x9E3779B97F4A7C15ULL; }

}  // namespace

double BloomKeys::EstimateDistinct() const {
  constexpr double m = 1 << kHllBits;
  double sum = 0;
  int zeros = 0;
  for (uint8_t r : hll_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  double estimate = 0.7213 / (1 + 1.079 / m) * m * m / sum;
  if (estimate <= 2.5 * m && zeros) estimate = m * std::log(m / zeros);  // linear counting
  return estimate;
}

void BloomKeys::Clear() {
  keys_.clear();
  hll_.fill(0);
}

uint32_t BuildBloomFilter(const std::vector<const BloomKeys*>& sets, std::string* bits) {
  bits->clear();
  double distinct = 0;
  size_t keys = 0;
  for (const BloomKeys* set : sets) {
    if (set->keys().empty()) continue;
    distinct += set->EstimateDistinct();
    keys += set->keys().size();
  }
  if (keys == 0) return 0;
  uint64_t nblocks =
      static_cast<uint64_t>(std::ceil(distinct * kBloomBitsPerKey / kBloomBlockBits));
  // Never more bits than the keys could use: bounds a bad estimate and the header's size.
  uint64_t max_blocks = (keys * kBloomBitsPerKey + kBloomBlockBits - 1) / kBloomBlockBits;
  if (nblocks > max_blocks) nblocks = max_blocks;
  if (nblocks == 0) nblocks = 1;
  const auto n = static_cast<uint32_t>(nblocks);
  std::vector<uint64_t> words(nblocks * 8);
  for (const BloomKeys* set : sets) {
    for (uint64_t key : set->keys()) {
      uint64_t* block = words.data() + size_t{BlockOf(key, n)} * 8;
      uint64_t pos = PositionsOf(key);
      for (int i = 0; i < kBloomHashes; ++i)
        block[i] |= uint64_t{1} << ((pos >> (58 - 6 * i)) & 63);
    }
  }
  bits->resize(words.size() * 8);
  std::memcpy(bits->data(), words.data(), bits->size());  // little endian (block_format.h)
  return n * kBloomBlockBits;
}

uint32_t AppendBloomFilter(const uint64_t* keys, size_t n, uint32_t bits_per_key,
                           std::string* out) {
  if (n == 0) return 0;
  const uint64_t nblocks = (uint64_t{n} * bits_per_key + kBloomBlockBits - 1) / kBloomBlockBits;
  const auto nb = static_cast<uint32_t>(nblocks);
  const size_t start = out->size();
  out->resize(start + size_t{nb} * (kBloomBlockBits / 8));
  auto* words = reinterpret_cast<uint8_t*>(out->data() + start);
  for (size_t k = 0; k < n; ++k) {
    uint8_t* block = words + size_t{BlockOf(keys[k], nb)} * (kBloomBlockBits / 8);
    const uint64_t pos = PositionsOf(keys[k]);
    for (int i = 0; i < kBloomHashes; ++i) {
      uint64_t word;
      std::memcpy(&word, block + 8 * i, 8);
      word |= uint64_t{1} << ((pos >> (58 - 6 * i)) & 63);
      std::memcpy(block + 8 * i, &word, 8);  // little endian (block_format.h)
    }
  }
  return nb * kBloomBlockBits;
}

bool BloomMayContain(const uint8_t* bits, uint32_t nbits, uint8_t hashes, uint64_t key) {
  if (nbits == 0) return true;
  const uint8_t* block =
      bits + size_t{BlockOf(key, nbits / kBloomBlockBits)} * (kBloomBlockBits / 8);
  uint64_t pos = PositionsOf(key);
  for (int i = 0; i < hashes; ++i) {
    uint64_t word;
    std::memcpy(&word, block + 8 * i, 8);
    if (!(word & (uint64_t{1} << ((pos >> (58 - 6 * i)) & 63)))) return false;
  }
  return true;
}

}  // namespace netward::store
