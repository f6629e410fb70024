// bench/merkle_bench.cc: the store's hashing and signing costs (store/merkle.h, checkpoint.h).
// Prints ns per HashLeaf of a 300-byte leaf (a typical record line), per HashChildren, per
// CompactRange::Append of a leaf hash (amortized), leaves/s for hashing + appending, and the
// cost of signing and verifying one checkpoint. Then, for each SHA-256 path this CPU has
// (store/sha256.h: libcrypto, SHA-NI two lanes, AVX-512 sixteen lanes), ns per leaf for batches
// of leaves of 150-400 bytes (uniform, as the store's record lines) and ns per node pair; the
// paths take turns in several rounds and the best round of each is printed, so that a shared
// machine's noise hits them alike. Pin it to one CPU: taskset -c 1 merkle_bench.
// Usage: merkle_bench [iterations, default 2e6]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lib/bench_cli.h"
#include "store/checkpoint.h"
#include "store/merkle.h"
#include "store/sha256.h"

namespace {

using Clock = std::chrono::steady_clock;

double NsPer(Clock::time_point start, uint64_t n) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
         static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace netward::store;
  uint64_t n = 2000000;
  CLI::App app{
      "merkle_bench: the store's hashing and signing costs (leaf and node hashes, tree appends, "
      "checkpoint signing) and each SHA-256 path this CPU has. Pin it to one CPU: taskset -c 1 "
      "merkle_bench."};
  app.add_option("N", n, "iterations of each hashing loop")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1000000000.0));
  if (int rc = netward::bench::ParseArgs(app, argc, argv); rc >= 0) return rc;
  std::string leaf(300, 'x');
  uint8_t sink = 0;

  auto t = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    leaf[i % 300] = static_cast<char>(i);
    sink ^= HashLeaf(leaf)[0];
  }
  double leaf_ns = NsPer(t, n);

  Hash a = HashLeaf("a"), b = HashLeaf("b");
  t = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    a = HashChildren(a, b);
  }
  double node_ns = NsPer(t, n);
  sink ^= a[0];

  CompactRange range;
  t = Clock::now();
  for (uint64_t i = 0; i < n; ++i) range.Append(b);
  double append_ns = NsPer(t, n);
  sink ^= range.Root()[0];

  CompactRange range2;
  t = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    leaf[i % 300] = static_cast<char>(i);
    range2.Append(HashLeaf(leaf));
  }
  double both_ns = NsPer(t, n);

  auto key = SigningKey::Generate("bench.example/netward");
  if (!key.ok()) return 1;
  auto vkey = VerifierKey::Parse(key->VerifierKeyText());
  std::string body = FormatCheckpointBody({"bench.example/netward/dns", n, range2.Root()});
  const int kSigs = 2000;
  std::string note;
  t = Clock::now();
  for (int i = 0; i < kSigs; ++i) note = SignNote(body, *key);
  double sign_us = NsPer(t, kSigs) / 1000;
  t = Clock::now();
  for (int i = 0; i < kSigs; ++i) sink ^= OpenCheckpoint(note, *vkey).ok();
  double open_us = NsPer(t, kSigs) / 1000;

  std::printf("HashLeaf (300 bytes)        %7.1f ns\n", leaf_ns);
  std::printf("HashChildren                %7.1f ns\n", node_ns);
  std::printf("CompactRange::Append        %7.1f ns (amortized, leaf hash given)\n", append_ns);
  std::printf("HashLeaf + Append           %7.1f ns = %.2f M leaves/s (one thread)\n", both_ns,
              1e3 / both_ns);
  std::printf("SignNote (checkpoint)       %7.1f us\n", sign_us);
  std::printf("OpenCheckpoint (verify)     %7.1f us\n", open_us);

  // The batch paths, taking turns.
  namespace sha = netward::store::sha256;
  std::mt19937 rng(1);
  std::uniform_int_distribution<size_t> len(150, 400);
  const size_t kLeaves = 1024;  // ~280 KB: in L2, as a just-decoded batch of lines
  std::vector<std::string> leaves(kLeaves);
  size_t bytes = 0;
  for (auto& l : leaves) {
    l.assign(len(rng), '\0');
    for (char& c : l) c = static_cast<char>(rng());
    bytes += l.size();
  }
  std::vector<std::string_view> views(leaves.begin(), leaves.end());
  std::vector<sha::Digest> digests(kLeaves), nodes(kLeaves);
  const sha::Path paths[] = {sha::Path::kLibcrypto, sha::Path::kShaNi, sha::Path::kAvx512};
  const size_t kBatches[] = {16, 64, 1024};
  double best_leaf[3][3], best_pair[3];
  std::fill(&best_leaf[0][0], &best_leaf[0][0] + 9, 1e30);
  std::fill(best_pair, best_pair + 3, 1e30);
  const uint64_t per_round = std::max<uint64_t>(n / 20, kLeaves);  // leaves per path and round
  for (int round = 0; round < 7; ++round) {
    for (int p = 0; p < 3; ++p) {
      if (!sha::Available(paths[p])) continue;
      for (int b = 0; b < 3; ++b) {
        const size_t batch = kBatches[b];
        uint64_t done = 0;
        t = Clock::now();
        while (done < per_round) {
          for (size_t i = 0; i + batch <= kLeaves; i += batch) {
            sha::HashPrefixed(paths[p], 0x00, views.data() + i, batch, digests.data() + i);
          }
          done += kLeaves;
        }
        best_leaf[p][b] = std::min(best_leaf[p][b], NsPer(t, done));
        sink ^= digests[kLeaves - 1][0];
      }
      t = Clock::now();
      uint64_t done = 0;
      while (done < per_round) {
        sha::HashPairs(paths[p], 0x01, digests.data(), kLeaves / 2, nodes.data());
        done += kLeaves / 2;
      }
      best_pair[p] = std::min(best_pair[p], NsPer(t, done));
      sink ^= nodes[0][0];
    }
  }
  std::printf(
      "\nSHA-256 paths (default %s); leaves of 150-400 bytes, mean %.0f; best of 7 rounds\n",
      sha::PathName(sha::DefaultPath()), static_cast<double>(bytes) / kLeaves);
  std::printf("%-10s %12s %12s %12s %14s\n", "path", "leaf b=16", "leaf b=64", "leaf b=1024",
              "pair b=512");
  for (int p = 0; p < 3; ++p) {
    if (!sha::Available(paths[p])) {
      std::printf("%-10s (not on this CPU)\n", sha::PathName(paths[p]));
      continue;
    }
    std::printf("%-10s %9.1f ns %9.1f ns %9.1f ns %11.1f ns\n", sha::PathName(paths[p]),
                best_leaf[p][0], best_leaf[p][1], best_leaf[p][2], best_pair[p]);
  }
  return sink == 0x5a ? 2 : 0;  // keep `sink` alive
}
