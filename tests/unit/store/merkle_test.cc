// RFC 6962 Merkle trees: the certificate-transparency reference vectors, compact ranges against
// a naive recursive MTH, and every inclusion / consistency proof of small trees, honest and
// tampered.
#include "store/merkle.h"

#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <vector>

namespace netward::store {
namespace {

// certificate-transparency-go testdata (LeafInputs, RootHashes, inclusion and consistency
// proofs of TestRefInclusionProof / TestRefConsistencyProof).
const std::vector<std::string> kLeaves = {
    std::string(),
    std::string("\x00", 1),
    "\x10",
    "\x20\x21",
    "\x30\x31",
    "\x40\x41\x42\x43",
    "\x50\x51\x52\x53\x54\x55\x56\x57",
    "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
};
const char* const kRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};
const char kH96a2[] = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7";
const char kH5f08[] = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e";
const char kH6b47[] = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4";
const char kHbc1a[] = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b";
const char kHca85[] = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0";
const char kHd37e[] = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7";
const char kHfac5[] = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125";
const char kH6e34[] = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";
const char kH0ebc[] = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a";

Hash H(const char* hex) {
  auto h = HashFromHex(hex);
  EXPECT_TRUE(h.ok()) << hex;
  return h.ok() ? *h : Hash{};
}

std::vector<std::string> Hexes(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& h : hashes) out.push_back(HashToHex(h));
  return out;
}

std::vector<Hash> CtLeafHashes(size_t n) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) out.push_back(HashLeaf(kLeaves[i]));
  return out;
}

// Leaf hashes of n distinct synthetic leaves.
std::vector<Hash> LeafHashes(size_t n) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) out.push_back(HashLeaf("leaf " + std::to_string(i)));
  return out;
}

// RFC 6962 section 2.1, written out naively and independently of merkle.cc's helpers.
Hash NaiveMth(const std::vector<Hash>& d, size_t begin, size_t end) {
  if (end == begin) return EmptyRoot();
  if (end - begin == 1) return d[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return HashChildren(NaiveMth(d, begin, begin + k), NaiveMth(d, begin + k, end));
}

Hash Flip(Hash h) {
  h[7] ^= 0x40;
  return h;
}

TEST(MerkleTest, HashesAreTheRfc6962Ones) {
  EXPECT_EQ(HashToHex(EmptyRoot()), kRoots[0]);
  EXPECT_EQ(HashToHex(HashLeaf("")), kH6e34);
  EXPECT_EQ(HashToHex(HashLeaf(std::string("\x00", 1))), kH96a2);
  EXPECT_EQ(HashToHex(HashChildren(HashLeaf(""), HashLeaf(std::string("\x00", 1)))), kHfac5);
  // The prefixes matter: a leaf is not hashed as plain SHA-256.
  EXPECT_NE(HashLeaf(""), EmptyRoot());
}

TEST(MerkleTest, KnownRootsForEveryPrefixOfTheReferenceLeaves) {
  for (size_t n = 0; n <= kLeaves.size(); ++n) {
    CompactRange range;
    for (const Hash& h : CtLeafHashes(n)) range.Append(h);
    EXPECT_EQ(HashToHex(range.Root()), kRoots[n]) << "size " << n;
    if (n > 0) {
      VectorSubtreeSource source(CtLeafHashes(n));
      EXPECT_EQ(HashToHex(*source.SubtreeHash(0, n)), kRoots[n]) << "size " << n;
    }
  }
}

TEST(MerkleTest, KnownInclusionProofs) {
  struct Case {
    uint64_t index, size;
    std::vector<std::string> proof;
  };
  const Case cases[] = {
      {0, 1, {}},       {0, 8, {kH96a2, kH5f08, kH6b47}}, {5, 8, {kHbc1a, kHca85, kHd37e}},
      {2, 3, {kHfac5}}, {1, 5, {kH6e34, kH5f08, kHbc1a}},
  };
  VectorSubtreeSource source(CtLeafHashes(8));
  for (const Case& c : cases) {
    auto proof = InclusionProof(c.index, c.size, source);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_EQ(Hexes(*proof), c.proof) << c.index << "/" << c.size;
    EXPECT_TRUE(
        VerifyInclusion(c.index, c.size, HashLeaf(kLeaves[c.index]), *proof, H(kRoots[c.size])));
  }
}

TEST(MerkleTest, KnownConsistencyProofs) {
  struct Case {
    uint64_t old_size, new_size;
    std::vector<std::string> proof;
  };
  const Case cases[] = {
      {1, 1, {}},
      {1, 8, {kH96a2, kH5f08, kH6b47}},
      {6, 8, {kH0ebc, kHca85, kHd37e}},
      {2, 5, {kH5f08, kHbc1a}},
  };
  VectorSubtreeSource source(CtLeafHashes(8));
  for (const Case& c : cases) {
    auto proof = ConsistencyProof(c.old_size, c.new_size, source);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_EQ(Hexes(*proof), c.proof) << c.old_size << "->" << c.new_size;
    EXPECT_TRUE(VerifyConsistency(c.old_size, c.new_size, H(kRoots[c.old_size]),
                                  H(kRoots[c.new_size]), *proof));
  }
}

TEST(MerkleTest, CompactRangeRootEqualsRecursiveMthForEverySizeUpTo300) {
  std::vector<Hash> leaves = LeafHashes(300);
  CompactRange range;
  for (size_t n = 0; n <= leaves.size(); ++n) {
    ASSERT_EQ(range.size(), n);
    ASSERT_EQ(range.nodes().size(), static_cast<size_t>(std::popcount(n))) << n;
    ASSERT_EQ(range.Root(), NaiveMth(leaves, 0, n)) << "size " << n;
    // The nodes are the perfect subtrees, largest first.
    uint64_t begin = 0;
    size_t i = 0;
    for (int bit = 63; bit >= 0; --bit) {
      uint64_t width = uint64_t{1} << bit;
      if (!(n & width)) continue;
      ASSERT_EQ(range.nodes()[i++], NaiveMth(leaves, begin, begin + width)) << n << " " << bit;
      begin += width;
    }
    if (n < leaves.size()) range.Append(leaves[n]);
  }
}

TEST(MerkleTest, BatchAppendEqualsOneByOneFromEveryStartSize) {
  std::vector<Hash> leaves = LeafHashes(200);
  for (size_t start = 0; start <= 70; ++start) {
    for (size_t n : {0, 1, 2, 3, 5, 8, 31, 64, 65, 129}) {
      if (start + n > leaves.size()) continue;
      CompactRange one, batch;
      for (size_t i = 0; i < start; ++i) one.Append(leaves[i]);
      batch.Append(leaves.data(), start);
      ASSERT_EQ(batch, one) << "prefix " << start;
      for (size_t i = start; i < start + n; ++i) one.Append(leaves[i]);
      batch.Append(leaves.data() + start, n);
      ASSERT_EQ(batch, one) << "start " << start << " n " << n;
      ASSERT_EQ(batch.Root(), NaiveMth(leaves, 0, start + n));
    }
  }
}

TEST(MerkleTest, HashLeavesEqualsHashLeaf) {
  std::vector<std::string> data;
  for (size_t i = 0; i < 41; ++i) data.push_back(std::string(i * 13, static_cast<char>('a' + i)));
  std::vector<std::string_view> views(data.begin(), data.end());
  std::vector<Hash> out(views.size());
  HashLeaves(views.data(), views.size(), out.data());
  for (size_t i = 0; i < data.size(); ++i) EXPECT_EQ(out[i], HashLeaf(data[i])) << i;
  EXPECT_EQ(HashToHex(HashLeaf("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(MerkleTest, CompactRangeFromNodesSerializeAndParseRoundTrip) {
  std::vector<Hash> leaves = LeafHashes(77);  // 77 = 64 + 8 + 4 + 1: four nodes
  CompactRange range;
  for (const Hash& h : leaves) range.Append(h);
  std::string bytes = range.Serialize();
  ASSERT_EQ(bytes.size(), 8u + 32u * 4u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x4d\0\0\0\0\0\0\0", 8));  // 77, little-endian
  auto parsed = CompactRange::Parse(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, range);
  EXPECT_EQ(parsed->Root(), range.Root());

  // A range rebuilt from its nodes keeps growing exactly like the original.
  auto rebuilt = CompactRange::FromNodes(range.size(), range.nodes());
  ASSERT_TRUE(rebuilt.ok());
  for (int i = 0; i < 60; ++i) {
    Hash h = HashLeaf("more " + std::to_string(i));
    range.Append(h);
    rebuilt->Append(h);
    leaves.push_back(h);
  }
  EXPECT_EQ(rebuilt->Root(), range.Root());
  EXPECT_EQ(rebuilt->Root(), NaiveMth(leaves, 0, leaves.size()));

  // Empty range: 8 zero bytes.
  EXPECT_EQ(CompactRange().Serialize(), std::string(8, '\0'));
  auto empty = CompactRange::Parse(std::string(8, '\0'));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 0u);
  EXPECT_EQ(empty->Root(), EmptyRoot());
}

TEST(MerkleTest, CompactRangeRejectsWrongNodeCounts) {
  std::vector<Hash> two = {HashLeaf("a"), HashLeaf("b")};
  EXPECT_EQ(CompactRange::FromNodes(4, two).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(CompactRange::FromNodes(0, two).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(CompactRange::FromNodes(7, two).status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(CompactRange::FromNodes(6, two).ok());
  EXPECT_TRUE(CompactRange::FromNodes(uint64_t{1} << 40 | 1, two).ok());

  CompactRange range;
  for (const Hash& h : LeafHashes(6)) range.Append(h);
  std::string bytes = range.Serialize();
  for (size_t cut : {size_t{0}, size_t{7}, bytes.size() - 1}) {
    auto r = CompactRange::Parse(bytes.substr(0, cut));
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << cut;
  }
  EXPECT_EQ(CompactRange::Parse(bytes + std::string(32, 'x')).status().code(),
            Status::Code::kCorruption);
  std::string wrong_size = bytes;
  wrong_size[0] = 7;  // 7 leaves need three nodes, two follow
  auto r = CompactRange::Parse(wrong_size);
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find("size 7"), std::string::npos) << r.status().message();
}

// Records every range asked for, to check the SubtreeSource contract.
class RecordingSource : public SubtreeSource {
 public:
  explicit RecordingSource(std::vector<Hash> leaves) : inner_(std::move(leaves)) {}
  Result<Hash> SubtreeHash(uint64_t begin, uint64_t end) override {
    asked.emplace_back(begin, end);
    return inner_.SubtreeHash(begin, end);
  }
  std::vector<std::pair<uint64_t, uint64_t>> asked;

 private:
  VectorSubtreeSource inner_;
};

void ExpectOnlyTreeNodesAsked(const RecordingSource& source, uint64_t tree_size) {
  for (auto [begin, end] : source.asked) {
    ASSERT_LT(begin, end);
    ASSERT_LE(end, tree_size);
    uint64_t width = end - begin;
    EXPECT_EQ(begin % std::bit_ceil(width), 0u) << begin << "," << end;
    EXPECT_TRUE(std::has_single_bit(width) || end == tree_size) << begin << "," << end;
  }
}

TEST(MerkleTest, EveryInclusionProofUpTo70LeavesVerifiesAndTamperingFails) {
  const uint64_t kMax = 70;
  std::vector<Hash> leaves = LeafHashes(kMax + 1);
  for (uint64_t size = 1; size <= kMax; ++size) {
    Hash root = NaiveMth(leaves, 0, size);
    RecordingSource source(std::vector<Hash>(leaves.begin(), leaves.begin() + size));
    for (uint64_t index = 0; index < size; ++index) {
      auto proof = InclusionProof(index, size, source);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      const Hash& leaf = leaves[index];
      ASSERT_TRUE(VerifyInclusion(index, size, leaf, *proof, root)) << index << "/" << size;

      EXPECT_FALSE(VerifyInclusion(index, size, Flip(leaf), *proof, root));
      EXPECT_FALSE(VerifyInclusion(index, size, leaf, *proof, Flip(root)));
      for (size_t i = 0; i < proof->size(); ++i) {
        std::vector<Hash> bad = *proof;
        bad[i] = Flip(bad[i]);
        EXPECT_FALSE(VerifyInclusion(index, size, leaf, bad, root)) << index << "/" << size;
      }
      std::vector<Hash> longer = *proof;
      longer.push_back(root);
      EXPECT_FALSE(VerifyInclusion(index, size, leaf, longer, root));
      if (!proof->empty()) {
        std::vector<Hash> shorter(proof->begin(), proof->end() - 1);
        EXPECT_FALSE(VerifyInclusion(index, size, leaf, shorter, root));
      }
      // The same proof does not place the leaf elsewhere, nor in the tree one leaf larger or
      // smaller (with that tree's root: a root alone, without its signed size, cannot tell).
      if (size > 1) {
        EXPECT_FALSE(VerifyInclusion(index ^ 1, size, leaf, *proof, root)) << index << "/" << size;
      }
      EXPECT_FALSE(VerifyInclusion(index, size + 1, leaf, *proof, NaiveMth(leaves, 0, size + 1)));
      if (index < size - 1) {
        EXPECT_FALSE(VerifyInclusion(index, size - 1, leaf, *proof, NaiveMth(leaves, 0, size - 1)));
      }
      EXPECT_FALSE(VerifyInclusion(size, size, leaf, *proof, root));
      // A proof that stops below the root level of the claimed tree fails even when its hash
      // is the root it is compared with (RFC 9162: sn must reach 0).
      EXPECT_FALSE(VerifyInclusion(index, 2 * size, leaf, *proof, root)) << index << "/" << size;
    }
    ExpectOnlyTreeNodesAsked(source, size);
  }
}

TEST(MerkleTest, EveryConsistencyProofUpTo70LeavesVerifiesAndTamperingFails) {
  const uint64_t kMax = 70;
  std::vector<Hash> leaves = LeafHashes(kMax + 1);
  std::vector<Hash> roots;
  for (uint64_t n = 0; n <= kMax + 1; ++n) roots.push_back(NaiveMth(leaves, 0, n));
  for (uint64_t new_size = 1; new_size <= kMax; ++new_size) {
    RecordingSource source(std::vector<Hash>(leaves.begin(), leaves.begin() + new_size));
    for (uint64_t old_size = 0; old_size <= new_size; ++old_size) {
      auto proof = ConsistencyProof(old_size, new_size, source);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      const Hash& old_root = roots[old_size];
      const Hash& new_root = roots[new_size];
      ASSERT_TRUE(VerifyConsistency(old_size, new_size, old_root, new_root, *proof))
          << old_size << "->" << new_size;
      if (old_size == 0) {
        EXPECT_TRUE(proof->empty());
        continue;
      }
      EXPECT_FALSE(VerifyConsistency(old_size, new_size, Flip(old_root), new_root, *proof));
      EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, Flip(new_root), *proof));
      for (size_t i = 0; i < proof->size(); ++i) {
        std::vector<Hash> bad = *proof;
        bad[i] = Flip(bad[i]);
        EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, new_root, bad))
            << old_size << "->" << new_size << " element " << i;
      }
      std::vector<Hash> longer = *proof;
      longer.push_back(new_root);
      EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, new_root, longer));
      if (!proof->empty()) {
        std::vector<Hash> shorter(proof->begin(), proof->end() - 1);
        EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, new_root, shorter));
      }
      // Off-by-one sizes, each with its own (honest) root.
      EXPECT_FALSE(
          VerifyConsistency(old_size, new_size + 1, old_root, roots[new_size + 1], *proof));
      if (old_size > 1) {
        EXPECT_FALSE(
            VerifyConsistency(old_size - 1, new_size, roots[old_size - 1], new_root, *proof));
      }
      // Claiming a tree twice as large with the same root: the proof stops below its root
      // level (RFC 9162: sn must reach 0).
      EXPECT_FALSE(VerifyConsistency(old_size, 2 * new_size, old_root, new_root, *proof))
          << old_size << "->" << new_size;
      if (old_size + 1 < new_size) {
        EXPECT_FALSE(
            VerifyConsistency(old_size + 1, new_size, roots[old_size + 1], new_root, *proof));
      }
      if (old_size < new_size) {
        EXPECT_FALSE(VerifyConsistency(new_size, old_size, new_root, old_root, *proof));
        // A different tree of the same size is not an extension.
        EXPECT_FALSE(VerifyConsistency(old_size, new_size, roots[old_size - 1], new_root, *proof));
      }
    }
    ExpectOnlyTreeNodesAsked(source, new_size);
  }
}

TEST(MerkleTest, ProofArgumentsAndSourceErrors) {
  VectorSubtreeSource source(LeafHashes(5));
  EXPECT_EQ(InclusionProof(5, 5, source).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(InclusionProof(0, 0, source).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(6, 5, source).status().code(), Status::Code::kInvalidArgument);
  // The source only has 5 leaves: a proof in a bigger tree fails with the source's error.
  auto r = InclusionProof(0, 9, source);
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("outside 5 leaves"), std::string::npos)
      << r.status().message();

  class FailingSource : public SubtreeSource {
   public:
    Result<Hash> SubtreeHash(uint64_t, uint64_t) override {
      return Status::IOError("000042.seg", "read failed");
    }
  } failing;
  auto e = ConsistencyProof(3, 7, failing);
  EXPECT_EQ(e.status().code(), Status::Code::kIOError);
  EXPECT_EQ(e.status().message(), "000042.seg: read failed");
  EXPECT_EQ(InclusionProof(1, 2, failing).status().code(), Status::Code::kIOError);
  // Trees of one leaf need no subtree at all.
  EXPECT_TRUE(InclusionProof(0, 1, failing).ok());
  Hash leaf = source.leaves()[0];
  EXPECT_TRUE(VerifyInclusion(0, 1, leaf, {}, leaf));
  EXPECT_FALSE(VerifyInclusion(0, 2, leaf, {}, leaf));

  // The empty tree is consistent with everything, with an empty proof only.
  Hash root = NaiveMth(source.leaves(), 0, 5);
  EXPECT_TRUE(VerifyConsistency(0, 5, EmptyRoot(), root, {}));
  EXPECT_FALSE(VerifyConsistency(0, 5, EmptyRoot(), root, {root}));
  EXPECT_TRUE(VerifyConsistency(5, 5, root, root, {}));
  EXPECT_FALSE(VerifyConsistency(5, 5, root, Flip(root), {}));
  EXPECT_FALSE(VerifyConsistency(3, 5, root, root, {}));
}

TEST(MerkleTest, HexHelpers) {
  Hash h = HashLeaf("x");
  std::string hex = HashToHex(h);
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(*HashFromHex(hex), h);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*HashFromHex(upper), h);
  EXPECT_FALSE(HashFromHex(hex.substr(1)).ok());
  EXPECT_FALSE(HashFromHex(hex + "0").ok());
  std::string bad = hex;
  bad[10] = 'g';
  auto r = HashFromHex(bad);
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("offset 10"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace netward::store
