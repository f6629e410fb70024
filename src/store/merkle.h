// src/store/merkle.h: RFC 6962 Merkle trees over SHA-256 (docs/tamper-evidence.md).
// Every stream of the store is one append-only tree; its leaves are the records' canonical JSON
// lines without the newline. Leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || l ||
// r). CompactRange keeps the frontier of a growing tree in O(log n) memory; the proof functions
// build and check RFC 9162 inclusion and consistency proofs. All functions are thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace netward::store {

using Hash = std::array<uint8_t, 32>;

// SHA-256(0x00 || leaf). ~230 ns for a 300-byte leaf (SHA-NI); allocates nothing.
Hash HashLeaf(std::string_view leaf);
// out[i] = HashLeaf(leaves[i]) for i < n: two leaves at a time (store/sha256.h), about half the
// cost per leaf of HashLeaf on a CPU with SHA-NI. Allocates nothing.
void HashLeaves(const std::string_view* leaves, size_t n, Hash* out);
// SHA-256(0x01 || left || right). ~80 ns; allocates nothing.
Hash HashChildren(const Hash& left, const Hash& right);
// The root of the empty tree: SHA-256 of the empty string (e3b0c442...).
Hash EmptyRoot();

// 64 lowercase hex digits.
std::string HashToHex(const Hash& hash);
// Exactly 64 hex digits (either case); InvalidArgument("hash", ...) otherwise.
Result<Hash> HashFromHex(std::string_view hex);

// The Merkle frontier of the leaves [0, size): the roots of the perfect subtrees that make up the
// tree, left to right, largest first: one per set bit of size (size 6 = 4 + 2: two nodes).
// It is all one needs to keep appending and to compute the root of [0, size).
class CompactRange {
 public:
  CompactRange() = default;

  // The frontier of `size` leaves from its nodes (left to right). InvalidArgument unless
  // nodes.size() == popcount(size).
  static Result<CompactRange> FromNodes(uint64_t size, std::vector<Hash> nodes);

  // Adds the leaf with hash `leaf_hash` at index size(). Amortized O(1) hashes (at most
  // log2(size) merges); allocates only when nodes() grows past its capacity.
  void Append(const Hash& leaf_hash);
  // Append(leaf_hashes[i]) for i < n, with the same result, but the nodes completed by the batch
  // are hashed level by level, two at a time (store/sha256.h): about half the cost of n Append
  // calls. Allocates scratch for n / 2 hashes (kept in the range for the next call).
  void Append(const Hash* leaf_hashes, size_t n);

  uint64_t size() const { return size_; }
  const std::vector<Hash>& nodes() const { return nodes_; }
  // MTH of the leaves [0, size), EmptyRoot() for size 0: popcount(size) - 1 hashes.
  Hash Root() const;

  // Binary: u64 size, little-endian, then the 32-byte nodes left to right (8 + 32 * popcount).
  std::string Serialize() const;
  // Corruption("compact range", ...) unless `data` is exactly that for some size.
  static Result<CompactRange> Parse(std::string_view data);

  bool operator==(const CompactRange& other) const {
    return size_ == other.size_ && nodes_ == other.nodes_;
  }

 private:
  uint64_t size_ = 0;
  std::vector<Hash> nodes_;
  std::vector<Hash> scratch_;  // Append(batch): one level of the batch's new nodes
};

// Supplies subtree hashes for proof building: SubtreeHash(begin, end) = MTH(leaves [begin, end)).
// The proof functions ask only for nodes of the tree being proved (size N): begin < end <= N,
// begin is a multiple of the smallest power of two >= end - begin, and either end - begin is a
// power of two (a perfect subtree, which never changes once complete) or end == N (the right
// edge). A source may cache the perfect ones. Errors are passed through unchanged.
class SubtreeSource {
 public:
  virtual ~SubtreeSource();
  virtual Result<Hash> SubtreeHash(uint64_t begin, uint64_t end) = 0;
};

// A SubtreeSource over leaf hashes held in memory (tests, small stores): the RFC 6962 MTH,
// recursively, end - begin - 1 hashes per call. InvalidArgument for an empty range or one
// outside the vector.
class VectorSubtreeSource : public SubtreeSource {
 public:
  explicit VectorSubtreeSource(std::vector<Hash> leaf_hashes) : leaves_(std::move(leaf_hashes)) {}
  Result<Hash> SubtreeHash(uint64_t begin, uint64_t end) override;
  const std::vector<Hash>& leaves() const { return leaves_; }

 private:
  Hash Mth(uint64_t begin, uint64_t end) const;

  std::vector<Hash> leaves_;
};

// RFC 6962 PATH(index, D[tree_size]): sibling hashes from the leaf up, about log2(tree_size) of
// them. InvalidArgument if index >= tree_size; the source's error otherwise.
Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size, SubtreeSource& source);
// RFC 6962 PROOF(old_size, D[new_size]): empty when old_size is 0 or equal to new_size.
// InvalidArgument if old_size > new_size; the source's error otherwise.
Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                           SubtreeSource& source);

// RFC 9162 2.1.3.2: true iff `proof` shows the leaf `leaf_hash` at `index` in the tree of
// `tree_size` leaves whose root is `root`.
bool VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                     const std::vector<Hash>& proof, const Hash& root);
// RFC 9162 2.1.4.2: true iff `proof` shows the tree (old_size, old_root) is a prefix of
// (new_size, new_root). old_size == new_size needs an empty proof and equal roots; old_size == 0
// needs an empty proof (every tree extends the empty one).
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, const std::vector<Hash>& proof);

}  // namespace netward::store
