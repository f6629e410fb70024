// RFC 6962 / RFC 9162 Merkle tree hashing, compact ranges and proofs.
//
// SHA-256 goes through store/sha256.h: for batches, 16 messages at a time with AVX-512 or two at
// a time with SHA-NI where the CPU has them, libcrypto otherwise.
#include "store/merkle.h"

#include <openssl/sha.h>

#include <bit>
#include <cstring>

#include "common/hex.h"
#include "store/sha256.h"

namespace netward::store {
namespace {

// The largest power of two strictly less than n (n >= 2): RFC 6962's split point k.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// PATH(m, D[begin, begin + n)) appended bottom-up to `out` (recursion depth <= 64).
Status AppendPath(uint64_t m, uint64_t begin, uint64_t n, SubtreeSource& source,
                  std::vector<Hash>* out) {
  if (n <= 1) return Status::OK();
  uint64_t k = SplitPoint(n);
  Result<Hash> sibling = Status::OK();
  if (m < k) {
    if (Status s = AppendPath(m, begin, k, source, out); !s.ok()) return s;
    sibling = source.SubtreeHash(begin + k, begin + n);
  } else {
    if (Status s = AppendPath(m - k, begin + k, n - k, source, out); !s.ok()) return s;
    sibling = source.SubtreeHash(begin, begin + k);
  }
  if (!sibling.ok()) return sibling.status();
  out->push_back(*sibling);
  return Status::OK();
}

// SUBPROOF(m, D[begin, begin + n), b) appended to `out`.
Status AppendSubproof(uint64_t m, uint64_t begin, uint64_t n, bool b, SubtreeSource& source,
                      std::vector<Hash>* out) {
  if (m == n) {
    if (b) return Status::OK();
    Result<Hash> h = source.SubtreeHash(begin, begin + n);
    if (!h.ok()) return h.status();
    out->push_back(*h);
    return Status::OK();
  }
  uint64_t k = SplitPoint(n);
  Result<Hash> sibling = Status::OK();
  if (m <= k) {
    if (Status s = AppendSubproof(m, begin, k, b, source, out); !s.ok()) return s;
    sibling = source.SubtreeHash(begin + k, begin + n);
  } else {
    if (Status s = AppendSubproof(m - k, begin + k, n - k, false, source, out); !s.ok()) return s;
    sibling = source.SubtreeHash(begin, begin + k);
  }
  if (!sibling.ok()) return sibling.status();
  out->push_back(*sibling);
  return Status::OK();
}

// Shifts fn and sn right until fn's lowest bit is set or fn is 0 (RFC 9162's inner loop).
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

Hash HashLeaf(std::string_view leaf) { return sha256::HashPrefixed(kLeafPrefix, leaf); }

void HashLeaves(const std::string_view* leaves, size_t n, Hash* out) {
  sha256::HashPrefixed(kLeafPrefix, leaves, n, out);
}

Hash HashChildren(const Hash& left, const Hash& right) {
  return sha256::HashPair(kNodePrefix, left, right);
}

Hash EmptyRoot() {
  Hash out;
  SHA256(nullptr, 0, out.data());
  return out;
}

std::string HashToHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kDigits[hash[i] >> 4];
    out[2 * i + 1] = kDigits[hash[i] & 0xf];
  }
  return out;
}

Result<Hash> HashFromHex(std::string_view hex) {
  if (hex.size() != 64) {
    return Status::InvalidArgument(
        "hash", "expected 64 hex digits, got " + std::to_string(hex.size()) + " characters");
  }
  Hash out;
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexDigitValue(hex[2 * i]), lo = HexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument(
          "hash", "not a hex digit at offset " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

// ---- CompactRange ----

Result<CompactRange> CompactRange::FromNodes(uint64_t size, std::vector<Hash> nodes) {
  if (nodes.size() != static_cast<size_t>(std::popcount(size))) {
    return Status::InvalidArgument("compact range", "size " + std::to_string(size) + " needs " +
                                                        std::to_string(std::popcount(size)) +
                                                        " nodes, got " +
                                                        std::to_string(nodes.size()));
  }
  CompactRange range;
  range.size_ = size;
  range.nodes_ = std::move(nodes);
  return range;
}

void CompactRange::Append(const Hash& leaf_hash) {
  // Each trailing 1 bit of size_ is a perfect subtree as large as the one being carried: merge.
  Hash carry = leaf_hash;
  for (uint64_t s = size_; s & 1; s >>= 1) {
    carry = HashChildren(nodes_.back(), carry);
    nodes_.pop_back();
  }
  nodes_.push_back(carry);
  ++size_;
}

void CompactRange::Append(const Hash* leaf_hashes, size_t n) {
  if (n < 2) {
    if (n == 1) Append(leaf_hashes[0]);
    return;
  }
  // Level by level from the leaves up: `cur` holds the batch's nodes at height h, the first one
  // at index `first` of that level. An odd first index has its left sibling in the frontier (its
  // last node: every lower one was merged below); an unpaired last node is the new frontier's
  // node of height h. Each level's pairs are independent, so they are hashed two at a time.
  if (scratch_.size() < n / 2 + 1) scratch_.resize(n / 2 + 1);
  std::array<Hash, 64> unpaired;
  uint64_t unpaired_heights = 0;  // bit h: unpaired[h] is set
  const Hash* cur = leaf_hashes;
  size_t len = n;
  uint64_t first = size_;
  for (int h = 0; len > 0; ++h, first >>= 1) {
    Hash* next = scratch_.data();
    size_t next_len = 0, i = 0;
    if (first & 1) {
      next[next_len++] = HashChildren(nodes_.back(), cur[0]);
      nodes_.pop_back();
      i = 1;
    }
    const size_t pairs = (len - i) / 2;
    if ((len - i) & 1) {
      unpaired[h] = cur[len - 1];
      unpaired_heights |= uint64_t{1} << h;
    }
    sha256::HashPairs(kNodePrefix, cur + i, pairs, next + next_len);
    next_len += pairs;
    cur = next;
    len = next_len;
  }
  for (int h = 63; h >= 0; --h) {
    if (unpaired_heights >> h & 1) nodes_.push_back(unpaired[h]);
  }
  size_ += n;
}

Hash CompactRange::Root() const {
  if (nodes_.empty()) return EmptyRoot();
  Hash root = nodes_.back();
  for (size_t i = nodes_.size() - 1; i-- > 0;) root = HashChildren(nodes_[i], root);
  return root;
}

std::string CompactRange::Serialize() const {
  std::string out(8 + 32 * nodes_.size(), '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(size_ >> (8 * i));
  for (size_t i = 0; i < nodes_.size(); ++i) {
    std::memcpy(out.data() + 8 + 32 * i, nodes_[i].data(), 32);
  }
  return out;
}

Result<CompactRange> CompactRange::Parse(std::string_view data) {
  if (data.size() < 8) {
    return Status::Corruption("compact range",
                              "truncated: " + std::to_string(data.size()) + " bytes, need >= 8");
  }
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i)
    size |= static_cast<uint64_t>(static_cast<uint8_t>(data[i])) << (8 * i);
  size_t want = 8 + 32 * static_cast<size_t>(std::popcount(size));
  if (data.size() != want) {
    return Status::Corruption("compact range", "size " + std::to_string(size) + " needs " +
                                                   std::to_string(want) + " bytes, got " +
                                                   std::to_string(data.size()));
  }
  std::vector<Hash> nodes(static_cast<size_t>(std::popcount(size)));
  for (size_t i = 0; i < nodes.size(); ++i)
    std::memcpy(nodes[i].data(), data.data() + 8 + 32 * i, 32);
  return FromNodes(size, std::move(nodes));
}

// ---- Proofs ----

SubtreeSource::~SubtreeSource() = default;

Result<Hash> VectorSubtreeSource::SubtreeHash(uint64_t begin, uint64_t end) {
  if (begin >= end || end > leaves_.size()) {
    return Status::InvalidArgument("subtree", "range [" + std::to_string(begin) + ", " +
                                                  std::to_string(end) + ") outside " +
                                                  std::to_string(leaves_.size()) + " leaves");
  }
  return Mth(begin, end);
}

Hash VectorSubtreeSource::Mth(uint64_t begin, uint64_t end) const {
  if (end - begin == 1) return leaves_[begin];
  uint64_t k = SplitPoint(end - begin);
  return HashChildren(Mth(begin, begin + k), Mth(begin + k, end));
}

Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size,
                                         SubtreeSource& source) {
  if (index >= tree_size) {
    return Status::InvalidArgument("inclusion proof", "leaf " + std::to_string(index) +
                                                          " is not in a tree of " +
                                                          std::to_string(tree_size) + " leaves");
  }
  std::vector<Hash> proof;
  if (Status s = AppendPath(index, 0, tree_size, source, &proof); !s.ok()) return s;
  return proof;
}

Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                           SubtreeSource& source) {
  if (old_size > new_size) {
    return Status::InvalidArgument(
        "consistency proof",
        "old size " + std::to_string(old_size) + " > new size " + std::to_string(new_size));
  }
  std::vector<Hash> proof;
  if (old_size == 0 || old_size == new_size) return proof;
  if (Status s = AppendSubproof(old_size, 0, new_size, true, source, &proof); !s.ok()) return s;
  return proof;
}

bool VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                     const std::vector<Hash>& proof, const Hash& root) {
  if (index >= tree_size) return false;
  uint64_t fn = index, sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = HashChildren(p, r);
      ShiftWhileEven(fn, sn);
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, const std::vector<Hash>& proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();
  if (proof.empty()) return false;
  // A power-of-two old tree is itself a node of the new one: the proof omits it.
  bool old_is_node = std::has_single_bit(old_size);
  size_t start = old_is_node ? 0 : 1;
  const Hash& seed = old_is_node ? old_root : proof[0];
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = seed, sr = seed;
  for (size_t i = start; i < proof.size(); ++i) {
    const Hash& c = proof[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      ShiftWhileEven(fn, sn);
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

}  // namespace netward::store
