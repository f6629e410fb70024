// bench/merkle_bench.cc: the store's hashing and signing costs (store/merkle.h, checkpoint.h).
// Prints ns per HashLeaf of a 300-byte leaf (a typical record line), per HashChildren, per
// CompactRange::Append of a leaf hash (amortized), leaves/s for hashing + appending, and the
// cost of signing and verifying one checkpoint. Usage: merkle_bench [iterations, default 2e6]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/checkpoint.h"
#include "store/merkle.h"

namespace {

using Clock = std::chrono::steady_clock;

double NsPer(Clock::time_point start, uint64_t n) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
         static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace netward::store;
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
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
  return sink == 0x5a ? 2 : 0;  // keep `sink` alive
}
