// SHA-256 (FIPS 180-4) of short messages, two at a time with the x86 SHA extensions.
//
// The SHA-NI code follows Intel's reference ("Intel SHA Extensions", 2013): the state is kept
// as the two vectors ABEF and CDGH, each SHA256RNDS2 does two rounds, SHA256MSG1/MSG2 extend
// the message schedule four words at a time. Two messages are compressed in one loop so that
// the CPU overlaps their (otherwise serial) round chains. The libcrypto path is the reference
// the tests compare against, and what runs on CPUs without SHA-NI or AVX-512. The AVX-512
// compression function is in sha256_avx512.cc; the lane bookkeeping around it is here.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "store/sha256.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NW_SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#define NW_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))
#else
#define NW_SHA256_X86 0
#endif

namespace netward::store::sha256 {
namespace {

Digest PortableHash(uint8_t prefix, std::string_view a, std::string_view b = {}) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, &prefix, 1);
  SHA256_Update(&ctx, a.data(), a.size());
  if (!b.empty()) SHA256_Update(&ctx, b.data(), b.size());
  Digest out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

std::string_view View(const Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

#if NW_SHA256_X86

// prefix || message as padded 64-byte blocks. Blocks that lie wholly inside the message are
// read in place; the first (it holds the prefix) and the last one or two (padding) are copied.
class Blocks {
 public:
  Blocks() = default;
  Blocks(uint8_t prefix, std::string_view message) { Reset(prefix, message); }
  void Reset(uint8_t prefix, std::string_view message) {
    msg_ = reinterpret_cast<const uint8_t*>(message.data());
    const uint64_t total = message.size() + 1;  // with the prefix
    count_ = static_cast<size_t>((total + 8) / 64 + 1);
    tail_first_ = static_cast<size_t>(total / 64);
    std::memset(tail_, 0, sizeof(tail_));
    if (tail_first_ > 0) {
      head_[0] = prefix;
      std::memcpy(head_ + 1, msg_, 63);
      std::memcpy(tail_, msg_ + 64 * tail_first_ - 1, total - 64 * tail_first_);
    } else {
      tail_[0] = prefix;
      if (!message.empty()) std::memcpy(tail_ + 1, msg_, message.size());  // data() may be null
    }
    const size_t used = static_cast<size_t>(total - 64 * tail_first_);
    tail_[used] = 0x80;
    const uint64_t bits = total * 8;
    uint8_t* len = tail_ + 64 * (count_ - tail_first_) - 8;
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  }
  size_t count() const { return count_; }
  const uint8_t* Block(size_t k) const {
    if (k >= tail_first_) return tail_ + 64 * (k - tail_first_);
    if (k == 0) return head_;
    return msg_ + 64 * k - 1;
  }

 private:
  const uint8_t* msg_ = nullptr;
  size_t count_ = 0;       // blocks in all
  size_t tail_first_ = 0;  // the first block held in tail_
  alignas(16) uint8_t head_[64];
  alignas(16) uint8_t tail_[128];
};

// The initial hash value H(0), a..h.
constexpr uint32_t kInitial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

bool DetectShaNi() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool sha = b & (1u << 29);
  return ssse3 && sse41 && sha;
}

alignas(16) constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// The initial hash value H(0) as ABEF (lanes 3..0: A B E F) and CDGH.
struct State {
  __m128i abef, cdgh;
};

NW_SHA_TARGET inline State InitialState() {
  return State{_mm_set_epi32(0x6a09e667, 0xbb67ae85, 0x510e527f, 0x9b05688c),
               _mm_set_epi32(0x3c6ef372, 0xa54ff53a, 0x1f83d9ab, 0x5be0cd19)};
}

// Compresses one 64-byte block into each of L states, the lanes' rounds interleaved.
template <int L>
NW_SHA_TARGET inline void Compress(State* s, const uint8_t* const* block) {
  const __m128i kSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  State saved[L];
  __m128i w[4][L];  // the schedule's last four groups of four words
  for (int l = 0; l < L; ++l) saved[l] = s[l];
#pragma GCC unroll 16
  for (int g = 0; g < 16; ++g) {
    const __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(&kRound[4 * g]));
    for (int l = 0; l < L; ++l) {
      __m128i& x = w[g & 3][l];  // holds group g - 4; becomes group g
      if (g < 4) {
        x = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block[l] + 16 * g)),
                             kSwap);
      } else {
        // W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four words at a time.
        x = _mm_sha256msg1_epu32(x, w[(g + 1) & 3][l]);
        x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3][l], w[(g + 2) & 3][l], 4));
        x = _mm_sha256msg2_epu32(x, w[(g + 3) & 3][l]);
      }
      __m128i m = _mm_add_epi32(x, k);
      s[l].cdgh = _mm_sha256rnds2_epu32(s[l].cdgh, s[l].abef, m);
      m = _mm_shuffle_epi32(m, 0x0E);
      s[l].abef = _mm_sha256rnds2_epu32(s[l].abef, s[l].cdgh, m);
    }
  }
  for (int l = 0; l < L; ++l) {
    s[l].abef = _mm_add_epi32(s[l].abef, saved[l].abef);
    s[l].cdgh = _mm_add_epi32(s[l].cdgh, saved[l].cdgh);
  }
}

NW_SHA_TARGET inline void Store(const State& s, Digest* out) {
  __m128i feba = _mm_shuffle_epi32(s.abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xB1);
  __m128i dcba = _mm_blend_epi16(feba, dchg, 0xF0);
  __m128i hgfe = _mm_alignr_epi8(dchg, feba, 8);
  const __m128i kBigEndian = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out->data()), _mm_shuffle_epi8(dcba, kBigEndian));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out->data() + 16),
                   _mm_shuffle_epi8(hgfe, kBigEndian));
}

NW_SHA_TARGET void HashTwo(uint8_t prefix, std::string_view a, std::string_view b, Digest* out_a,
                           Digest* out_b) {
  Blocks ba(prefix, a), bb(prefix, b);
  State s[2] = {InitialState(), InitialState()};
  const size_t both = std::min(ba.count(), bb.count());
  for (size_t k = 0; k < both; ++k) {
    const uint8_t* blocks[2] = {ba.Block(k), bb.Block(k)};
    Compress<2>(s, blocks);
  }
  for (size_t k = both; k < ba.count(); ++k) {
    const uint8_t* block = ba.Block(k);
    Compress<1>(&s[0], &block);
  }
  for (size_t k = both; k < bb.count(); ++k) {
    const uint8_t* block = bb.Block(k);
    Compress<1>(&s[1], &block);
  }
  Store(s[0], out_a);
  Store(s[1], out_b);
}

NW_SHA_TARGET Digest HashOne(uint8_t prefix, std::string_view message) {
  Blocks b(prefix, message);
  State s = InitialState();
  for (size_t k = 0; k < b.count(); ++k) {
    const uint8_t* block = b.Block(k);
    Compress<1>(&s, &block);
  }
  Digest out;
  Store(s, &out);
  return out;
}

// prefix || left || right (65 bytes): two blocks, the second mostly padding.
struct PairBlocks {
  alignas(16) uint8_t b[128];
  PairBlocks(uint8_t prefix, const Digest& left, const Digest& right) {
    b[0] = prefix;
    std::memcpy(b + 1, left.data(), 32);
    std::memcpy(b + 33, right.data(), 32);
    std::memset(b + 66, 0, 62);
    b[65] = 0x80;
    b[126] = 0x02;  // 65 * 8 = 520 bits = 0x208
    b[127] = 0x08;
  }
};

NW_SHA_TARGET void HashPairsNi(uint8_t prefix, const Digest* children, size_t n, Digest* out) {
  size_t i = 0;
  for (; i + 1 < n; i += 2) {
    PairBlocks p0(prefix, children[2 * i], children[2 * i + 1]);
    PairBlocks p1(prefix, children[2 * i + 2], children[2 * i + 3]);
    State s[2] = {InitialState(), InitialState()};
    const uint8_t* first[2] = {p0.b, p1.b};
    Compress<2>(s, first);
    const uint8_t* second[2] = {p0.b + 64, p1.b + 64};
    Compress<2>(s, second);
    Store(s[0], &out[i]);
    Store(s[1], &out[i + 1]);
  }
  if (i < n) {
    PairBlocks p(prefix, children[2 * i], children[2 * i + 1]);
    State s = InitialState();
    const uint8_t* first = p.b;
    Compress<1>(&s, &first);
    const uint8_t* second = p.b + 64;
    Compress<1>(&s, &second);
    Store(s, &out[i]);
  }
}

// A state a..h (as in lane `l` of a 16-lane state) as the SHA-NI vectors ABEF and CDGH.
NW_SHA_TARGET inline State FromLane(const uint32_t (*st)[16], int l) {
  auto w = [&](int j) { return static_cast<int>(st[j][l]); };
  return State{_mm_set_epi32(w(0), w(1), w(4), w(5)), _mm_set_epi32(w(2), w(3), w(6), w(7))};
}

// Lane `l` of a 16-lane state as a digest (big-endian words).
inline void StoreLane(const uint32_t (*st)[16], int l, Digest* out) {
  for (int j = 0; j < 8; ++j) {
    const uint32_t v = st[j][l];
    out->data()[4 * j] = static_cast<uint8_t>(v >> 24);
    out->data()[4 * j + 1] = static_cast<uint8_t>(v >> 16);
    out->data()[4 * j + 2] = static_cast<uint8_t>(v >> 8);
    out->data()[4 * j + 3] = static_cast<uint8_t>(v);
  }
}

inline void ResetLane(uint32_t (*st)[16], int l) {
  for (int j = 0; j < 8; ++j) st[j][l] = kInitial[j];
}

alignas(64) constexpr uint8_t kZeroBlock[128] = {};

// Once the batch has no message left to start, fewer live lanes than this are finished with
// SHA-NI: a 16-lane step costs about as much as four two-lane SHA-NI steps on Zen 4. (4, 8 and
// 12 measured alike within noise on batches of 16 leaves: bench/merkle_bench.cc, "b=16".)
constexpr int kNiTail = 8;

// The 16-lane message scheduler for HashPrefixed: each lane hashes one message; when it is
// done the digest is written and the lane starts the batch's next message, its state reset.
// With `ni_tail`, the last few messages still running when the batch runs out of messages
// are finished two at a time with SHA-NI (from their current state) rather than in a
// mostly empty 16-lane step.
struct Lanes {
  alignas(64) uint32_t st[8][16];
  Blocks blocks[16];
  size_t msg[16];  // the index of lane l's message
  size_t next_block[16];
  bool live[16];
};

NW_SHA_TARGET void FinishWithShaNi(Lanes& lanes, Digest* out) {
  int idx[16], count = 0;
  for (int l = 0; l < 16; ++l) {
    if (lanes.live[l]) idx[count++] = l;
  }
  int i = 0;
  for (; i + 1 < count; i += 2) {
    const int x = idx[i], y = idx[i + 1];
    State s[2] = {FromLane(lanes.st, x), FromLane(lanes.st, y)};
    size_t kx = lanes.next_block[x], ky = lanes.next_block[y];
    const size_t cx = lanes.blocks[x].count(), cy = lanes.blocks[y].count();
    for (; kx < cx && ky < cy; ++kx, ++ky) {
      const uint8_t* b[2] = {lanes.blocks[x].Block(kx), lanes.blocks[y].Block(ky)};
      Compress<2>(s, b);
    }
    for (; kx < cx; ++kx) {
      const uint8_t* b = lanes.blocks[x].Block(kx);
      Compress<1>(&s[0], &b);
    }
    for (; ky < cy; ++ky) {
      const uint8_t* b = lanes.blocks[y].Block(ky);
      Compress<1>(&s[1], &b);
    }
    Store(s[0], &out[lanes.msg[x]]);
    Store(s[1], &out[lanes.msg[y]]);
  }
  if (i < count) {
    const int x = idx[i];
    State s = FromLane(lanes.st, x);
    for (size_t k = lanes.next_block[x]; k < lanes.blocks[x].count(); ++k) {
      const uint8_t* b = lanes.blocks[x].Block(k);
      Compress<1>(&s, &b);
    }
    Store(s, &out[lanes.msg[x]]);
  }
}

void HashPrefixedAvx512(uint8_t prefix, const std::string_view* messages, size_t n, Digest* out,
                        bool ni_tail) {
  Lanes lanes;
  size_t next = 0;
  int live = 0;
  auto start = [&](int l) {
    lanes.blocks[l].Reset(prefix, messages[next]);
    lanes.msg[l] = next++;
    lanes.next_block[l] = 0;
    ResetLane(lanes.st, l);
  };
  for (int l = 0; l < 16; ++l) {
    lanes.live[l] = next < n;
    if (lanes.live[l]) {
      start(l);
      ++live;
    }
  }
  while (live > 0) {
    if (ni_tail && next == n && live < kNiTail) return FinishWithShaNi(lanes, out);
    const uint8_t* block[16];
    for (int l = 0; l < 16; ++l) {
      block[l] = lanes.live[l] ? lanes.blocks[l].Block(lanes.next_block[l]) : kZeroBlock;
    }
    detail::Compress16(lanes.st, block);
    for (int l = 0; l < 16; ++l) {
      if (!lanes.live[l] || ++lanes.next_block[l] < lanes.blocks[l].count()) continue;
      StoreLane(lanes.st, l, &out[lanes.msg[l]]);
      if (next < n) {
        start(l);
      } else {
        lanes.live[l] = false;
        --live;
      }
    }
  }
}

// Sixteen pairs at a time; a remainder of fewer than kPairTail goes to `rest`.
constexpr size_t kPairTail = 4;

void HashPairsAvx512(uint8_t prefix, const Digest* children, size_t n, Digest* out,
                     void (*rest)(uint8_t, const Digest*, size_t, Digest*)) {
  size_t i = 0;
  for (; n - i >= kPairTail && i < n; i += 16) {
    const size_t m = std::min<size_t>(16, n - i);
    alignas(64) uint8_t buf[16][128];
    const uint8_t* first[16];
    const uint8_t* second[16];
    for (size_t l = 0; l < 16; ++l) {
      if (l >= m) {
        first[l] = second[l] = kZeroBlock;
        continue;
      }
      // Every input of the 16 pairs is copied before any output is written (out may be
      // children).
      new (buf[l]) PairBlocks(prefix, children[2 * (i + l)], children[2 * (i + l) + 1]);
      first[l] = buf[l];
      second[l] = buf[l] + 64;
    }
    alignas(64) uint32_t st[8][16];
    for (int l = 0; l < 16; ++l) ResetLane(st, l);
    detail::Compress16(st, first);
    detail::Compress16(st, second);
    for (size_t l = 0; l < m; ++l) StoreLane(st, static_cast<int>(l), &out[i + l]);
  }
  if (i < n) rest(prefix, children + 2 * i, n - i, out + i);
}

#endif  // NW_SHA256_X86

}  // namespace

bool Available(Path path) {
#if NW_SHA256_X86
  static const bool have_ni = DetectShaNi();
  static const bool have_avx512 = detail::DetectAvx512();
#else
  const bool have_ni = false, have_avx512 = false;
#endif
  switch (path) {
    case Path::kLibcrypto:
      return true;
    case Path::kShaNi:
      return have_ni;
    case Path::kAvx512:
      return have_avx512;
  }
  return false;
}

const char* PathName(Path path) {
  switch (path) {
    case Path::kLibcrypto:
      return "libcrypto";
    case Path::kShaNi:
      return "shani";
    case Path::kAvx512:
      return "avx512";
  }
  return "?";
}

namespace {

Path ChoosePath() {
  if (const char* env = std::getenv("NETWARD_SHA256")) {
    for (Path p : {Path::kLibcrypto, Path::kShaNi, Path::kAvx512}) {
      if (std::string_view(env) == PathName(p) && Available(p)) return p;
    }
  }
  for (Path p : {Path::kAvx512, Path::kShaNi}) {
    if (Available(p)) return p;
  }
  return Path::kLibcrypto;
}

void HashPairsPortable(uint8_t prefix, const Digest* children, size_t n, Digest* out) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = PortableHash(prefix, View(children[2 * i]), View(children[2 * i + 1]));
  }
}

}  // namespace

Path DefaultPath() {
  static const Path path = ChoosePath();
  return path;
}

void HashPrefixed(Path path, uint8_t prefix, const std::string_view* messages, size_t n,
                  Digest* out) {
  if (!Available(path)) path = DefaultPath();
#if NW_SHA256_X86
  if (path == Path::kAvx512) return HashPrefixedAvx512(prefix, messages, n, out, HaveShaNi());
  if (path == Path::kShaNi) {
    size_t i = 0;
    for (; i + 1 < n; i += 2) HashTwo(prefix, messages[i], messages[i + 1], &out[i], &out[i + 1]);
    if (i < n) out[i] = HashOne(prefix, messages[i]);
    return;
  }
#endif
  for (size_t i = 0; i < n; ++i) out[i] = PortableHash(prefix, messages[i]);
}

void HashPairs(Path path, uint8_t prefix, const Digest* children, size_t n, Digest* out) {
  if (!Available(path)) path = DefaultPath();
#if NW_SHA256_X86
  if (path == Path::kAvx512) {
    return HashPairsAvx512(prefix, children, n, out, HaveShaNi() ? HashPairsNi : HashPairsPortable);
  }
  if (path == Path::kShaNi) return HashPairsNi(prefix, children, n, out);
#endif
  HashPairsPortable(prefix, children, n, out);
}

void HashPrefixed(uint8_t prefix, const std::string_view* messages, size_t n, Digest* out) {
  HashPrefixed(DefaultPath(), prefix, messages, n, out);
}

void HashPairs(uint8_t prefix, const Digest* children, size_t n, Digest* out) {
  HashPairs(DefaultPath(), prefix, children, n, out);
}

Digest HashPrefixed(uint8_t prefix, std::string_view message) {
#if NW_SHA256_X86
  if (HaveShaNi()) return HashOne(prefix, message);
#endif
  return PortableHash(prefix, message);
}

Digest HashPair(uint8_t prefix, const Digest& left, const Digest& right) {
#if NW_SHA256_X86
  if (HaveShaNi()) {
    PairBlocks p(prefix, left, right);
    State s = InitialState();
    const uint8_t* first = p.b;
    Compress<1>(&s, &first);
    const uint8_t* second = p.b + 64;
    Compress<1>(&s, &second);
    Digest out;
    Store(s, &out);
    return out;
  }
#endif
  return PortableHash(prefix, View(left), View(right));
}

}  // namespace netward::store::sha256
